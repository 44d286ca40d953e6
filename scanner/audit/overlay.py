"""Bring a full scan's results up to date with later, narrower ones: `ecrscan merge FULL --update
NEWER...`, and the continuous mode's latest state.

A later results file replaces the cells it covers, by (control, resource), and leaves every other
cell of the base as it was. What it covers is what it looked at: in each (account, region) it
judged, the registry; the repositories it collected (all of them, or those a targeted scan
named; a named repository found deleted loses its cells); the VPCs only if it collected the
network. Only the controls it ran. Files judged by other policies or another configuration
cannot be combined (their verdicts mean different things), so they are refused, as merge
refuses such shards.
"""

from scanner.audit.merge import canonical, shard_summary
from scanner.errors import InputError
from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.results import Result, Results

# The continuous mode overlays every re-check onto one file: keep the summaries of the latest
# ones (each run's own results file is the full evidence).
MAX_UPDATES_KEPT = 100
_MUST_MATCH = {
    "policy_digest": "policy digest (they ran different policies)",
    "config": "configuration",
}


def overlay(base: Results, update: Results, label: str = "the update") -> Results:
    for key, what in _MUST_MATCH.items():
        if canonical(base.metadata.get(key)) != canonical(update.metadata.get(key)):
            raise InputError(f"{label}: {what} differs from the base results'; cannot update")
    base_controls = {c["id"] for c in base.controls}
    extra = [c["id"] for c in update.controls if c["id"] not in base_controls]
    if extra:
        raise InputError(f"{label}: control {extra[0]} is not in the base results")
    covers = _Coverage(update)
    kept = [r for r in base.results if not covers(r)]
    return Results(_metadata(base, update, label), kept + list(update.results))


class _Coverage:
    """Whether a base cell is one the update judged again (or found gone)."""

    def __init__(self, update: Results):
        recorded = (update.metadata.get("snapshot") or {}).get("scopes")
        self.scopes = (
            {(str(a), str(r)) for a, r in recorded}
            if recorded is not None
            else {(r.account_id, r.region) for r in update.results}
        )
        self.controls = {c["id"] for c in update.controls}
        self.cells = {(r.control_id, r.resource_id) for r in update.results}
        selection = update.metadata.get("selection")
        self.targeted = selection is not None
        names = (selection or {}).get("repositories")
        self.names = None if names is None else set(names)
        self.network = bool((selection or {}).get("network")) or not self.targeted

    def __call__(self, cell: Result) -> bool:
        if (cell.control_id, cell.resource_id) in self.cells:
            return True
        if (
            cell.control_id not in self.controls
            or (cell.account_id, cell.region) not in self.scopes
        ):
            return False
        if cell.resource_type == "vpc":
            return self.network
        if cell.resource_type == "repository" and self.names is not None:
            return cell.resource_name in self.names
        return True


def _metadata(base: Results, update: Results, label: str) -> dict:
    metadata = {key: value for key, value in base.metadata.items() if key != "selection"}
    updates = [*base.metadata.get("updates", ()), _summary(update, label)]
    metadata["updates"] = updates[-MAX_UPDATES_KEPT:]
    metadata["evaluated_at"] = max(
        str(base.metadata.get("evaluated_at") or ""), str(update.metadata.get("evaluated_at") or "")
    )
    return results_metadata.start(metadata)


def _summary(update: Results, label: str) -> dict:
    return shard_summary(label, update) | {"selection": update.metadata.get("selection")}

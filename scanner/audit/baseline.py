"""A baseline: the failures an earlier run already knew, which must not fail the gate again.

The baseline is a results file (`--format json`). A FAIL now whose control id and resource
identity (the result's resource_id: the ARN, or for planned resources iac:<file>#<kind>/<address
or logical id>, docs/ci.md; never a line number) were failing in the baseline stays FAIL and
visible, says so in its reason, and carries `exception: {"kind": "baseline", ...}`; an ERROR
cell the baseline had as ERROR is marked the same way. The exit code counts only what is new.
"""

import dataclasses
from pathlib import Path

from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.results import Result, Results, load_results

KIND = "baseline"
_GATED = ("FAIL", "ERROR")  # what fails a gate, and so what a baseline can know
NOTE = " (known failure: in the baseline, so it does not fail the gate)"
ERROR_NOTE = " (known undecided cell: in the baseline, so it does not fail the gate)"


def identity(result: Result) -> tuple[str, str]:
    return result.control_id, result.resource_id


def known_failures(path: str | Path) -> set[tuple[str, str, str]]:
    """(status, control, resource) of every FAIL and ERROR cell of the baseline."""
    return {(r.status, *identity(r)) for r in load_results(path).results if r.status in _GATED}


def apply_baseline(results: Results, path: str | Path) -> Results:
    """Mark the failures the baseline already had (in place, and returned)."""
    known = known_failures(path)
    marked = 0
    for position, result in enumerate(results.results):
        known_cell = (result.status, *identity(result)) in known
        if result.status in _GATED and known_cell and not is_known(result):
            results.results[position] = dataclasses.replace(
                result,
                reason=result.reason + (NOTE if result.status == "FAIL" else ERROR_NOTE),
                exception={"kind": KIND, "reason": f"already failing in baseline {path}"},
            )
            marked += 1
    results_metadata.record(results, "baseline", {"file": str(path), "known_failures": marked})
    return results


def is_known(result: Result) -> bool:
    return (result.exception or {}).get("kind") == KIND


def gating(results: list[Result]) -> list[Result]:
    """The results the gate counts: every one but the failures the baseline knew."""
    return [r for r in results if not (r.status in _GATED and is_known(r))]

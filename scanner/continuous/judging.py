"""Collect and judge inside the Lambda the way `ecrscan scan` does, and send the findings on.

An entry point like the CLI: it reaches the same pipeline (scanner.cli.pipeline.judge), so a
results file from a re-check carries the same evidence, cost figures and waivers as one from
`ecrscan scan`.
"""

from collections import Counter
from typing import Any

from scanner.cli import audit_trail
from scanner.cli.pipeline import judge
from scanner.cli.run_options import AuditOptions
from scanner.collect import ClientFactory, collect_snapshot
from scanner.collect.accounts import AccountPlan
from scanner.collect.targeted import Selection
from scanner.config import load_config
from scanner.continuous.settings import Settings
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.results import Results
from scanner.export.securityhub import ExportReport, export_findings
from scanner.export.sessions import AccountClients
from scanner.render import asff_format
from scanner.resources import policy_dir


def collect_and_judge(
    clients: ClientFactory,
    settings: Settings,
    regions: list[str],
    selection: Selection | None,
    accounts: AccountPlan | None = None,
) -> tuple[dict[str, Any], Results]:
    policies = load_policies(policy_dir())
    config = load_config(settings.config)
    trail = audit_trail.prepare(AuditOptions(waivers=settings.waivers), policies.ids())
    snapshot = collect_snapshot(
        clients.session,
        regions,
        endpoint_url=settings.endpoint_url,
        clients=clients,
        selection=selection,
        accounts=accounts,
    )
    return snapshot, judge(snapshot, policies, config, trail)


def export_to_hub(clients: ClientFactory, results: Results, home_region: str) -> ExportReport:
    """Every finding into its own account's hub, in its resource's region."""
    snapshot = results.metadata.get("snapshot") or {}
    caller = AccountClients(
        clients,
        str(snapshot.get("account_id")),
        str(snapshot.get("partition") or "aws"),
        home_region,
    )
    return export_findings(asff_format.findings(results), caller)


def counts(results: Results) -> dict[str, int]:
    return dict(sorted(Counter(r.status for r in results.results).items()))


def incomplete(snapshot: dict[str, Any], results: Results) -> bool:
    """Exit code 3's condition: a cell left undecided, or a collection error."""
    from scanner.collect.collector import inventory_errors

    errors = len(snapshot["errors"]) + sum(inventory_errors(s) for s in snapshot["inventory"])
    return errors > 0 or any(r.status == "ERROR" for r in results.results)

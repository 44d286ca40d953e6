"""One event, one re-check: collect what changed, judge it, export it, keep it, summarise it.

A re-check that leaves a cell undecided (ERROR), or whose findings Security Hub refused, raises
RecheckIncomplete after exporting and keeping what it has: the invocation fails, Lambda retries
the event twice, and then sends it to the dead-letter queue, where an operator sees it. A
scheduled scan that always fails the same way (a permission missing) therefore shows up there
instead of passing for a clean audit.
"""

import json
from typing import Any

from scanner.collect import ClientFactory, open_session
from scanner.collect.targeted import Selection
from scanner.continuous.events import Recheck, UnusableEvent, recheck_for
from scanner.continuous.judging import collect_and_judge, counts, export_to_hub, incomplete
from scanner.continuous.settings import Settings
from scanner.continuous.store import keep


class RecheckIncomplete(Exception):
    """The re-check ran, but its verdicts or its export are incomplete; the summary says how."""

    def __init__(self, summary: dict[str, Any]):
        super().__init__(json.dumps(summary, sort_keys=True))
        self.summary = summary


def run(
    event: Any,
    settings: Settings,
    *,
    function_account: str | None = None,
    session: Any = None,
) -> dict[str, Any]:
    recheck = recheck_for(event)
    if function_account and recheck.account_id != function_account:
        raise UnusableEvent(
            f"the event is from account {recheck.account_id}; this function judges "
            f"{function_account} (deploy the stack in each account, or the organisation steps)"
        )
    summary: dict[str, Any] = {"event": _event_summary(event, recheck)}
    if recheck.skipped:
        return summary | {"skipped": recheck.skipped}
    clients = ClientFactory(session or open_session(), endpoint_url=settings.endpoint_url)
    regions = list(settings.regions or (recheck.region,)) if recheck.full else [recheck.region]
    selection = None if recheck.full else Selection(recheck.repositories, network=False)
    snapshot, results = collect_and_judge(clients, settings, regions, selection)
    summary["judged"] = _judged(recheck, regions, snapshot)
    summary["results"] = counts(results)
    if settings.export == "securityhub":
        report = export_to_hub(clients, results, recheck.region)
        summary["securityhub"] = {
            "imported": report.imported_count,
            "refused": [r.as_dict() for r in report.refused[:20]],
            "refused_count": len(report.refused),
        }
    if settings.results is not None:
        summary["s3"] = keep(
            clients,
            settings.results,
            recheck.region,
            results,
            account=str(snapshot["account_id"]),
            what="full" if recheck.full else _what(recheck),
            event_id=recheck.event_id,
            full=recheck.full,
        )
    summary["incomplete"] = incomplete(snapshot, results)
    if summary["incomplete"] or (summary.get("securityhub") or {}).get("refused_count"):
        raise RecheckIncomplete(summary)
    return summary


def _event_summary(event: dict[str, Any], recheck: Recheck) -> dict[str, Any]:
    return {
        "id": recheck.event_id,
        "detail-type": event.get("detail-type"),
        "reason": recheck.reason,
        "account": recheck.account_id,
        "region": recheck.region,
    }


def _judged(recheck: Recheck, regions: list[str], snapshot: dict[str, Any]) -> dict[str, Any]:
    selection = snapshot.get("selection") or {}
    judged = {
        "account_id": snapshot["account_id"],
        "regions": snapshot["regions"],
        "repositories": "all" if recheck.repositories is None else list(recheck.repositories),
        "network": recheck.full,
        "deleted": [a["name"] for a in selection.get("absent", ())],
    }
    if recheck.full:
        judged["requested_regions"] = regions
    return judged


def _what(recheck: Recheck) -> str:
    if recheck.repositories is None:
        return "registry"
    return "repository" if len(recheck.repositories) == 1 else "repositories"

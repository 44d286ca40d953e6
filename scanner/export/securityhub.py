"""Import ASFF findings into AWS Security Hub (BatchImportFindings).

Security Hub imports a finding only from the account it belongs to (its AwsAccountId) and only
into the region its ProductArn names, so findings are grouped by (account, region) and each
group is sent with that account's credentials: the caller's own, or a role assumed in the
account (`--role-name`). Requests stay within the API's limits (scanner.export.batches) and its
rate (about 10 a second: the pacer spaces them out); a throttled request is retried by botocore
(adaptive mode, the scan's retry budget). Every finding Security Hub refuses is reported with
its reason, never dropped silently.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.collect.calls import OperationFailed
from scanner.export.batches import Refused, batches
from scanner.export.calls import call_declared

OPERATION = "BatchImportFindings"
# BatchImportFindings: a steady rate of 10 requests a second per account and region.
REQUESTS_PER_SECOND = 10.0

Scope = tuple[str, str]  # (account, region)
# account -> a client factory for it; raises OperationFailed when the account cannot be entered.
ClientsFor = Callable[[str], Any]


@dataclass
class ExportReport:
    imported: dict[Scope, int] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)

    @property
    def imported_count(self) -> int:
        return sum(self.imported.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported_count,
            "by_scope": [
                {"account_id": account, "region": region, "imported": count}
                for (account, region), count in sorted(self.imported.items())
            ],
            "refused": [r.as_dict() for r in self.refused],
        }


class Pacer:
    """Keeps requests to one (account, region) at least 1/rate seconds apart."""

    def __init__(
        self,
        rate: float = REQUESTS_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._last: dict[Scope, float] = {}

    def wait(self, scope: Scope) -> None:
        last = self._last.get(scope)
        if last is not None:
            pause = last + self.interval - self._clock()
            if pause > 0:
                self._sleep(pause)
        self._last[scope] = self._clock()


def import_region(finding: dict[str, Any]) -> str:
    """The region a finding is imported into: the one its ProductArn names."""
    return str(finding["ProductArn"]).split(":")[3]


def export_findings(
    findings: list[dict[str, Any]], clients_for: ClientsFor, pacer: Pacer | None = None
) -> ExportReport:
    pacer = pacer or Pacer()
    report = ExportReport()
    groups: dict[Scope, list[dict[str, Any]]] = {}
    for finding in findings:
        scope = (str(finding["AwsAccountId"]), import_region(finding))
        groups.setdefault(scope, []).append(finding)
    for scope, group in sorted(groups.items()):
        _export_scope(scope, group, clients_for, pacer, report)
    return report


def _export_scope(
    scope: Scope,
    group: list[dict[str, Any]],
    clients_for: ClientsFor,
    pacer: Pacer,
    report: ExportReport,
) -> None:
    account, region = scope
    try:
        client = clients_for(account).client("securityhub", region)
    except OperationFailed as failure:  # the account's role could not be assumed
        report.refused += [_refused(f, failure) for f in group]
        return
    cut = batches(group)
    report.refused += cut.refused
    for request in cut.requests:
        pacer.wait(scope)
        try:
            answer = call_declared(client, OPERATION, Findings=request)
        except OperationFailed as failure:
            report.refused += [_refused(f, failure) for f in request]
            continue
        report.imported[scope] = report.imported.get(scope, 0) + int(answer.get("SuccessCount", 0))
        report.refused += [
            Refused(
                str(item.get("Id")),
                str(item.get("ErrorCode") or "Unknown"),
                str(item.get("ErrorMessage") or ""),
            )
            for item in answer.get("FailedFindings") or ()
        ]


def _refused(finding: dict[str, Any], failure: OperationFailed) -> Refused:
    return Refused(str(finding.get("Id")), failure.code, f"{failure.operation}: {failure.message}")

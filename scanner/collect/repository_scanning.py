"""Each repository's effective scanning configuration, fetched in batches."""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, call
from scanner.collect.jsonable import to_json

OPERATION = "BatchGetRepositoryScanningConfiguration"
# The API's limit on repositoryNames per request.
BATCH_SIZE = 25


class ScanningConfigurations:
    """Per repository name: the configuration AWS returned, or why there is none."""

    def __init__(self) -> None:
        self.by_name: dict[str, dict[str, Any]] = {}
        self.errors_by_name: dict[str, ErrorRecord] = {}

    def error_for(self, name: str) -> ErrorRecord | None:
        if name in self.by_name:
            return None
        if name in self.errors_by_name:
            return dict(self.errors_by_name[name])
        return {
            "operation": OPERATION,
            "code": "NotReturned",
            "message": f"{OPERATION} returned neither a configuration nor a failure for {name}",
        }


def collect_scanning_configurations(ecr: BaseClient, names: list[str]) -> ScanningConfigurations:
    found = ScanningConfigurations()
    for start in range(0, len(names), BATCH_SIZE):
        _collect_batch(ecr, names[start : start + BATCH_SIZE], found)
    return found


def _collect_batch(ecr: BaseClient, batch: list[str], found: ScanningConfigurations) -> None:
    try:
        response = call(ecr, OPERATION, repositoryNames=batch)
    except OperationFailed as failure:
        for name in batch:
            found.errors_by_name[name] = failure.record
        return
    for item in response.get("scanningConfigurations", []):
        found.by_name[item["repositoryName"]] = to_json(item)
    for failure in response.get("failures", []):
        code, reason = failure.get("failureCode") or "Unknown", failure.get("failureReason") or ""
        found.errors_by_name[failure["repositoryName"]] = OperationFailed(
            OPERATION, code, reason
        ).record

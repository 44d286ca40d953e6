"""Vulnerability counts for each repository's newest image from Amazon Inspector.

Under ENHANCED scanning ECR hands scanning to Inspector, and DescribeImages' finding summary is
not where the findings live; ListFindings is. Only ACTIVE findings count (suppressed and closed
ones are decisions already made), and only the account's own (a delegated administrator sees
its members' findings too).

Inspector is asked about ten repositories per ListFindings call (the API's limit on each filter
list), in a small pool beside the repository workers, as the repositories are collected:
repository names IN (...) and image digests IN (...), then each finding is counted for
the (repository, digest) pair its resource names, so an image that also sits, older, in
another repository of the batch is not counted twice. Only images under an enhanced scan
(status ACTIVE or COMPLETE) are asked about: for any other image the control's verdict is "not
scanned" whatever Inspector might say, so the question would cost a request and decide nothing.
"""

from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import OperationFailed, paginate

# The API's limit on the values of one filter list (ecrImageRepositoryName, ecrImageHash).
BATCH_SIZE = 10
# The largest page ListFindings serves.
PAGE_SIZE = 100
# Scan statuses of an image that an enhanced scan covers (the rest: not scanned).
SCANNED = frozenset({"ACTIVE", "COMPLETE"})

Wanted = tuple[dict[str, Any], str, str]  # (repository record, repository name, image digest)


# ListFindings calls in flight beside the repository workers.
WORKERS = 2


def attach_inspector_findings(
    inspector: BaseClient,
    records: list[dict[str, Any]],
    max_workers: int = WORKERS,
    account_id: str | None = None,
) -> None:
    """Set record["inspectorFindings"] for every repository of `records` (see FindingsQueue)."""
    queue = FindingsQueue(inspector, account_id, workers=max_workers)
    try:
        for record in records:
            queue.add(record)
    finally:
        queue.finish()


class FindingsQueue:
    """Asks Inspector about repositories as they are collected, ten a call, in its own small
    pool: the calls run beside the repository workers instead of after them.

    `add` sets record["inspectorFindings"]: {"imageDigest", "severityCounts": {SEVERITY: n},
    "findingCount"} once its batch is answered; None for an empty repository or an image not
    under an enhanced scan; a failure lands in record["errors"]["inspectorFindings"].
    `finish` asks about the last, partial batch and waits for every answer.
    """

    def __init__(
        self, inspector: BaseClient, account_id: str | None = None, workers: int = WORKERS
    ):
        self._inspector = inspector
        self._account_id = account_id
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecrscan-inspector")
        self._pending: list[Wanted] = []
        self._jobs: list[Future] = []

    def add(self, record: dict[str, Any]) -> None:
        record["inspectorFindings"] = None
        newest = ((record["derived"].get("imageSummary") or {}).get("newestImage")) or {}
        status = (newest.get("imageScanStatus") or {}).get("status")
        if newest.get("imageDigest") and status in SCANNED:
            self._pending.append(
                (record, record["repository"]["repositoryName"], newest["imageDigest"])
            )
        if len(self._pending) >= BATCH_SIZE:
            self._submit()

    def finish(self) -> None:
        try:
            self._submit()
            for job in self._jobs:
                job.result()  # a bug in a batch surfaces here
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._jobs.append(
                self._pool.submit(_attach_batch, self._inspector, batch, self._account_id)
            )


def _attach_batch(inspector: BaseClient, batch: list[Wanted], account_id: str | None) -> None:
    try:
        findings = paginate(
            inspector,
            "ListFindings",
            "findings",
            page_size=PAGE_SIZE,
            filterCriteria=_criteria(batch, account_id),
        )
    except OperationFailed as failure:
        for record, _, _ in batch:
            record["errors"]["inspectorFindings"] = failure.record
        return
    counts = {(name, digest): Counter() for _, name, digest in batch}
    for finding in findings:
        if account_id and finding.get("awsAccountId") not in (None, account_id):
            continue
        for pair in _images(finding):
            if pair in counts:
                counts[pair][str(finding.get("severity", "UNTRIAGED"))] += 1
    for record, name, digest in batch:
        severities = counts[(name, digest)]
        record["inspectorFindings"] = {
            "imageDigest": digest,
            "severityCounts": dict(severities),
            "findingCount": sum(severities.values()),
        }


def _criteria(batch: list[Wanted], account_id: str | None) -> dict[str, Any]:
    def equal_to(values: set[str]) -> list[dict[str, str]]:
        return [{"comparison": "EQUALS", "value": value} for value in sorted(values)]

    criteria = {
        "ecrImageRepositoryName": equal_to({name for _, name, _ in batch}),
        "ecrImageHash": equal_to({digest for _, _, digest in batch}),
        "findingStatus": equal_to({"ACTIVE"}),
    }
    if account_id:
        criteria["awsAccountId"] = equal_to({account_id})
    return criteria


def _images(finding: dict[str, Any]) -> set[tuple[str | None, str | None]]:
    """The (repository, digest) pairs of the container images a finding is about."""
    pairs = set()
    for resource in finding.get("resources") or ():
        image = ((resource or {}).get("details") or {}).get("awsEcrContainerImage") or {}
        pairs.add((image.get("repositoryName"), image.get("imageHash")))
    return pairs

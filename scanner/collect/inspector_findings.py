"""Vulnerability counts for each repository's newest image from Amazon Inspector.

Under ENHANCED scanning ECR hands scanning to Inspector, and DescribeImages' finding summary is
not where the findings live; ListFindings, filtered to the repository and the image digest, is.
Only ACTIVE findings count (suppressed and closed ones are decisions already made).
"""

from collections import Counter
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import attempt, paginate
from scanner.collect.concurrency import map_concurrently


def attach_inspector_findings(
    inspector: BaseClient, records: list[dict[str, Any]], max_workers: int
) -> None:
    """Set record["inspectorFindings"] for every repository whose newest image is known:
    {"imageDigest", "severityCounts": {SEVERITY: n}, "findingCount"}; None for an empty
    repository; failures land in record["errors"]["inspectorFindings"]."""

    def attach(record: dict[str, Any]) -> None:
        newest = ((record["derived"].get("imageSummary") or {}).get("newestImage")) or {}
        record["inspectorFindings"] = None
        if not newest.get("imageDigest"):
            return
        name = record["repository"]["repositoryName"]
        record["inspectorFindings"] = attempt(
            record["errors"],
            "inspectorFindings",
            lambda: _counts(inspector, name, newest["imageDigest"]),
        )

    map_concurrently(attach, records, max_workers, name="ecrscan-inspector")


def _counts(inspector: BaseClient, repository: str, digest: str) -> dict[str, Any]:
    findings = paginate(
        inspector,
        "ListFindings",
        "findings",
        filterCriteria={
            "ecrImageRepositoryName": [{"comparison": "EQUALS", "value": repository}],
            "ecrImageHash": [{"comparison": "EQUALS", "value": digest}],
            "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
        },
    )
    counts = Counter(str(finding.get("severity", "UNTRIAGED")) for finding in findings)
    return {"imageDigest": digest, "severityCounts": dict(counts), "findingCount": len(findings)}

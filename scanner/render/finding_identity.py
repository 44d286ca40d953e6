"""What the finding formats (ASFF for Security Hub, OCSF for data lakes) share: one stable
identity per (control, resource), the times of a results file, and resources that a targeted
scan found deleted.

A finding's identity must not change between scans, so that a re-import updates the finding
(a failure that now passes, a repository that was deleted) instead of adding a second one.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.evaluate.results import Results

# ASFF caps Id and GeneratorId at 512 characters; OCSF sets no cap, but one identity serves both.
MAX_ID = 512
PREFIX = "ecrscan"


def finding_id(control_id: str, resource_id: str) -> str:
    """`ecrscan/<control>/<resource id>`, or with the resource id hashed when that is too long.

    The resource id is an ARN for collected resources (it names the partition, region and
    account), so one resource in two accounts or regions never shares an identity.
    """
    readable = f"{PREFIX}/{control_id}/{resource_id}"
    if len(readable) <= MAX_ID:
        return readable
    digest = hashlib.sha256(resource_id.encode("utf-8")).hexdigest()
    return f"{PREFIX}/{control_id}/sha256:{digest}"


def generator_id(control_id: str) -> str:
    return f"{PREFIX}/{control_id}"


def utc_timestamp(text: str | None) -> str | None:
    """`2026-01-01T00:00:00+00:00` as `2026-01-01T00:00:00Z` (RFC 3339, the form ASFF shows)."""
    if not text:
        return None
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def evaluated_at(results: Results) -> str:
    return utc_timestamp(str(results.metadata.get("evaluated_at") or "")) or "1970-01-01T00:00:00Z"


def collected_at(results: Results) -> str | None:
    return utc_timestamp((results.metadata.get("snapshot") or {}).get("collected_at"))


def arn_partition(resource_id: str, default: str = "aws") -> str:
    parts = resource_id.split(":")
    return parts[1] if len(parts) > 5 and parts[0] == "arn" and parts[1] else default


@dataclass(frozen=True)
class AbsentResource:
    """A resource a targeted scan asked for and did not find: it was deleted, so its findings
    are closed (archived), never left active."""

    resource_id: str
    resource_type: str
    name: str
    account_id: str
    region: str


def absent_resources(results: Results) -> Iterator[AbsentResource]:
    """The deleted resources a results file records (metadata.selection.absent)."""
    selection = results.metadata.get("selection") or {}
    for item in selection.get("absent") or ():
        if isinstance(item, dict) and item.get("resource_id"):
            yield AbsentResource(
                resource_id=str(item["resource_id"]),
                resource_type=str(item.get("resource_type") or "repository"),
                name=str(item.get("name") or ""),
                account_id=str(item.get("account_id") or ""),
                region=str(item.get("region") or ""),
            )


def controls_by_id(results: Results) -> dict[str, dict[str, Any]]:
    return {control["id"]: control for control in results.controls}


def framework_requirements(control: dict[str, Any]) -> list[str]:
    """`aws-fsbp:ECR.2`, `nist-800-53-r5:SI-2` ...: the same spelling as the CSV's column."""
    frameworks = control.get("frameworks") or {}
    return [f"{name}:{item}" for name, items in sorted(frameworks.items()) for item in items]


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, marking a cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Cutting findings into BatchImportFindings requests within Security Hub's limits.

A request holds at most 100 findings and 6 MB; one finding at most 240 KB. A finding over its
limit cannot be imported at all: it is refused here, with a reason, like one Security Hub
refuses, rather than sent to fail the whole request.
"""

import json
from dataclasses import dataclass, field
from typing import Any

MAX_FINDINGS = 100
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_FINDING_BYTES = 240 * 1024
# The request's own JSON around the findings: {"Findings": [ ... ]} and the commas.
_ENVELOPE_BYTES = 64


@dataclass
class Refused:
    """A finding that was not imported: its Id, an error code and why."""

    id: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"Id": self.id, "ErrorCode": self.code, "ErrorMessage": self.message}


@dataclass
class Batches:
    requests: list[list[dict[str, Any]]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def size_of(finding: dict[str, Any]) -> int:
    """The bytes the finding takes in the request body (UTF-8 JSON, as botocore sends it)."""
    return len(json.dumps(finding, separators=(",", ":")).encode("utf-8"))


def batches(findings: list[dict[str, Any]]) -> Batches:
    cut = Batches()
    current: list[dict[str, Any]] = []
    current_bytes = _ENVELOPE_BYTES
    for finding in findings:
        size = size_of(finding)
        if size > MAX_FINDING_BYTES:
            cut.refused.append(
                Refused(
                    str(finding.get("Id")),
                    "FindingTooLarge",
                    f"{size} bytes; Security Hub takes at most {MAX_FINDING_BYTES} a finding",
                )
            )
            continue
        if current and (
            len(current) == MAX_FINDINGS or current_bytes + size + 1 > MAX_REQUEST_BYTES
        ):
            cut.requests.append(current)
            current, current_bytes = [], _ENVELOPE_BYTES
        current.append(finding)
        current_bytes += size + 1
    if current:
        cut.requests.append(current)
    return cut

"""The results document: what `evaluate` writes and `report` reads.

`{"metadata": {...}, "results": [{control_id, resource_id, resource_type, resource_name,
account_id, region, status, severity, reason}]}`. The metadata carries the control summaries, so
a report renders from the results file alone, years later, without the policies.
"""

import dataclasses
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ExitCode, InputError
from scanner.evaluate.catalog import SEVERITIES
from scanner.fileio import read_json, write_json_atomic
from scanner.input_kinds import wrong_kind_hint

# PASS, FAIL, ERROR and N/A come from the policies. SUPPRESSED (an exception written in the
# source, such as a Terraform tag) and WAIVED (an exception from an auditor's waiver file) replace
# a FAIL and keep it visible with the exception's reason: never hidden, never counted as failing.
VERDICT_STATUSES = ("PASS", "FAIL", "ERROR", "N/A")
STATUSES = (*VERDICT_STATUSES, "SUPPRESSED", "WAIVED")
RESULTS_FORMAT = "ecrscan-results/1"


# Slots: a 100,000-repository scan holds over a million results; without them each carries a
# __dict__ (about 50 MB in all, measured with tracemalloc).
@dataclass(frozen=True, slots=True)
class Result:
    control_id: str
    resource_id: str
    resource_type: str
    resource_name: str
    account_id: str
    region: str
    status: str
    severity: str
    reason: str
    # Where the resource was declared (IaC sources): {"file", "address" or "logical_id", "line"}.
    source: dict[str, Any] | None = None
    # The suppression or waiver that changed a FAIL: {"kind", "reason", ...}.
    exception: dict[str, Any] | None = None


RESULT_FIELDS = tuple(Result.__dataclass_fields__)  # in declaration order: columns, JSON keys


@dataclass
class Results:
    metadata: dict[str, Any]
    results: list[Result]

    def to_document(self) -> dict[str, Any]:
        return {"metadata": self.metadata, "results": [asdict(r) for r in self.results]}

    @property
    def controls(self) -> list[dict[str, Any]]:
        return self.metadata["controls"]


def exit_code(
    results: list[Result],
    fail_on: str = "LOW",
    errors_from: str = "LOW",
    *,
    incomplete: bool = False,
) -> ExitCode:
    """3 when the collection itself is incomplete (a top-level collection error: regions not
    listable, an account not entered) or any cell of errors_from or above is undecided, else 1
    when a failure reaches fail_on, else 0.

    An undecided audit outranks failures: the failures found are real, but the scan is not
    complete, and a scheduled job must not read it as a finished verdict.
    """
    threshold = SEVERITIES.index(fail_on)
    floor = SEVERITIES.index(errors_from)
    undecided = (r.status == "ERROR" and SEVERITIES.index(r.severity) >= floor for r in results)
    if incomplete or any(undecided):
        return ExitCode.UNDECIDED
    if any(r.status == "FAIL" and SEVERITIES.index(r.severity) >= threshold for r in results):
        return ExitCode.FAILURES
    return ExitCode.OK


def save_results(results: Results, path: str | Path) -> None:
    write_json_atomic(results.to_document(), path)


def load_results(path: str | Path) -> Results:
    document = read_json(path, what="results file")
    hint = wrong_kind_hint(document, "results")
    if hint:
        raise InputError(f"{path}: not an ecrscan results file{hint}")
    try:
        return _parse(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not an ecrscan results file ({exc})") from None


def parse_results(document: Any, source: str = "results") -> Results:
    """A results document already read as JSON (from S3, say), checked like load_results."""
    try:
        return _parse(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{source}: not an ecrscan results file ({exc})") from None


def _parse(document: Any) -> Results:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise ValueError("expected an object with a 'results' list")
    metadata = document.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("format") != RESULTS_FORMAT:
        raise ValueError(f"metadata.format is not {RESULTS_FORMAT!r}")
    if not isinstance(metadata.get("controls"), list):
        raise ValueError("metadata.controls is missing")
    from scanner.evaluate import metadata as sections  # it type-checks against Results

    found = sections.problems(metadata)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ValueError(f"{found[0]}{more}")
    results = [_result(item) for item in document["results"]]
    return Results(metadata, results)


_REQUIRED_FIELDS = [
    name
    for name, spec in Result.__dataclass_fields__.items()
    if spec.default is dataclasses.MISSING
]


def _optional_object(item: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = item.get(key)
    if value is not None and not isinstance(value, dict):
        raise TypeError(f"{key} is not an object")
    return value


def _result(item: Any) -> Result:
    if not isinstance(item, dict):
        raise TypeError("a result is not an object")
    result = Result(
        **{name: str(item[name]) for name in _REQUIRED_FIELDS},
        source=_optional_object(item, "source"),
        exception=_optional_object(item, "exception"),
    )
    if result.status not in STATUSES:
        raise ValueError(f"unknown status {result.status!r}")
    if result.severity not in SEVERITIES:
        raise ValueError(f"unknown severity {result.severity!r}")
    return result

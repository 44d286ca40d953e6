"""The results document: what `evaluate` writes and `report` reads.

`{"metadata": {...}, "results": [{control_id, resource_id, resource_type, resource_name,
account_id, region, status, severity, reason}]}`. The metadata carries the control summaries, so
a report renders from the results file alone, years later, without the policies.
"""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ExitCode, InputError
from scanner.evaluate.catalog import SEVERITIES
from scanner.fileio import read_json, write_json_atomic

STATUSES = ("PASS", "FAIL", "ERROR", "N/A")
RESULTS_FORMAT = "ecrscan-results/1"


@dataclass(frozen=True)
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


@dataclass
class Results:
    metadata: dict[str, Any]
    results: list[Result]

    def to_document(self) -> dict[str, Any]:
        return {"metadata": self.metadata, "results": [asdict(r) for r in self.results]}

    @property
    def controls(self) -> list[dict[str, Any]]:
        return self.metadata["controls"]


def exit_code(results: list[Result], fail_on: str = "LOW") -> ExitCode:
    """3 when any cell is undecided, else 1 when a failure reaches fail_on, else 0.

    An undecided audit outranks failures: the failures found are real, but the scan is not
    complete, and a scheduled job must not read it as a finished verdict.
    """
    threshold = SEVERITIES.index(fail_on)
    if any(r.status == "ERROR" for r in results):
        return ExitCode.UNDECIDED
    if any(r.status == "FAIL" and SEVERITIES.index(r.severity) >= threshold for r in results):
        return ExitCode.FAILURES
    return ExitCode.OK


def save_results(results: Results, path: str | Path) -> None:
    write_json_atomic(results.to_document(), path)


def load_results(path: str | Path) -> Results:
    document = read_json(path, what="results file")
    try:
        return _parse(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not an ecrscan results file ({exc})") from None


def _parse(document: Any) -> Results:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise ValueError("expected an object with a 'results' list")
    metadata = document.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("format") != RESULTS_FORMAT:
        raise ValueError(f"metadata.format is not {RESULTS_FORMAT!r}")
    if not isinstance(metadata.get("controls"), list):
        raise ValueError("metadata.controls is missing")
    results = [_result(item) for item in document["results"]]
    return Results(metadata, results)


def _result(item: Any) -> Result:
    if not isinstance(item, dict):
        raise TypeError("a result is not an object")
    result = Result(**{name: str(item[name]) for name in Result.__dataclass_fields__})
    if result.status not in STATUSES:
        raise ValueError(f"unknown status {result.status!r}")
    if result.severity not in SEVERITIES:
        raise ValueError(f"unknown severity {result.severity!r}")
    return result

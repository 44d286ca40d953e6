"""One row per result, for spreadsheets and scripts (columns: docs/outputs.md).

RFC 4180: comma-separated, fields quoted when they hold a comma, a quote or a line break, CRLF
between records, a header row first. `source` and `exception` are JSON text (empty when null).
Every cell is one line with control characters escaped, and a cell a spreadsheet would run as a
formula starts with `'` (OWASP). The JSON output keeps every value exact.

A run whose collection was incomplete leads with one row per top-level collection error:
control_id `collection`, resource_type `collection`, status ERROR, the failed operation as
resource_name and the error code and message as reason.
"""

import csv
import io
from typing import Any

from scanner.audit.waivers import exception_summary
from scanner.evaluate.results import RESULT_FIELDS, Result, Results
from scanner.render.incomplete import collection_errors, short_message
from scanner.text_safety import csv_cell, json_text

RESULT_COLUMNS = list(RESULT_FIELDS)
# Derived columns: the waiver in words, and the framework ids of the result's control
# (`aws-fsbp:ECR.2`, space-separated).
COLUMNS = [*RESULT_COLUMNS, "waiver", "frameworks"]
_JSON_COLUMNS = ("source", "exception")
COLLECTION = "collection"


def render(results: Results) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for error in collection_errors(results.metadata):
        writer.writerow([csv_cell(value) for value in _collection_row(error)])
    frameworks = {c["id"]: _framework_ids(c) for c in results.controls}
    for result in results.results:
        row = _result_row(result, frameworks.get(result.control_id, ""))
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def _result_row(result: Result, frameworks: str) -> list[Any]:
    row: list[Any] = []
    for column in RESULT_COLUMNS:
        value = getattr(result, column)
        if column in _JSON_COLUMNS:
            value = "" if value is None else json_text(value, sort_keys=True)
        row.append(value)
    return [*row, exception_summary(result.exception), frameworks]


def _collection_row(error: dict[str, Any]) -> list[Any]:
    values = {
        "control_id": COLLECTION,
        "resource_id": f"{COLLECTION}:{error.get('operation', '?')}",
        "resource_type": COLLECTION,
        "resource_name": error.get("operation", "?"),
        "account_id": error.get("account_id") or "",
        "region": error.get("region") or "",
        "status": "ERROR",
        "severity": "",
        "reason": f"{error.get('code', '?')}: {short_message(error.get('message'))}",
    }
    return [values.get(column, "") for column in COLUMNS]


def _framework_ids(control: dict) -> str:
    pairs = (control.get("frameworks") or {}).items()
    return " ".join(f"{name}:{i}" for name, ids in pairs for i in ids)

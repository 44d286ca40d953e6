"""One row per result, for spreadsheets and ad-hoc filtering."""

import csv
import io

from scanner.audit.waivers import exception_summary
from scanner.evaluate.results import RESULT_FIELDS, Results

RESULT_COLUMNS = list(RESULT_FIELDS)
# Derived columns: the waiver in words, and the framework ids of the result's control
# (`aws-fsbp:ECR.2`, space-separated).
COLUMNS = [*RESULT_COLUMNS, "waiver", "frameworks"]


def render(results: Results) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    frameworks = {c["id"]: _framework_ids(c) for c in results.controls}
    for result in results.results:
        row = {column: getattr(result, column) for column in RESULT_COLUMNS}
        row["waiver"] = exception_summary(result.exception)
        row["frameworks"] = frameworks.get(result.control_id, "")
        writer.writerow(row)
    return buffer.getvalue()


def _framework_ids(control: dict) -> str:
    pairs = (control.get("frameworks") or {}).items()
    return " ".join(f"{name}:{i}" for name, ids in pairs for i in ids)

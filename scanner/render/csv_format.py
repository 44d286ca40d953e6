"""One row per result, for spreadsheets and ad-hoc filtering."""

import csv
import io

from scanner.evaluate.results import Result, Results

COLUMNS = list(Result.__dataclass_fields__)


def render(results: Results) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results.results:
        writer.writerow({column: getattr(result, column) for column in COLUMNS})
    return buffer.getvalue()

"""A Markdown summary for a pull-request comment: counts, what fails, what was suppressed."""

from scanner.audit.baseline import is_known
from scanner.evaluate.results import STATUSES, Result, Results
from scanner.render.matrix import status_totals

_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


def render(results: Results) -> str:
    rows = results.results
    new = [r for r in rows if r.status == "FAIL" and not is_known(r)]
    known = [r for r in rows if r.status == "FAIL" and is_known(r)]
    errors = [r for r in rows if r.status == "ERROR"]
    suppressed = [r for r in rows if r.status == "SUPPRESSED"]
    parts = [
        "## ecrscan",
        _headline(new, known, errors),
        _counts(results),
        _table("Failures", new, with_severity=True),
        _table("Undecided (ERROR)", errors),
        _table("Known failures (in the baseline: they do not fail the gate)", known),
        _suppressed(suppressed),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _headline(new: list, known: list, errors: list) -> str:
    if not new and not errors:
        extra = f" ({len(known)} known from the baseline)" if known else ""
        return f"**No new failures**{extra}."
    return (
        f"**{len(new)} new failure(s)**, {len(errors)} undecided (ERROR)"
        + (f", {len(known)} known from the baseline" if known else "")
        + "."
    )


def _counts(results: Results) -> str:
    totals = status_totals(results.results)
    header = "| " + " | ".join(STATUSES) + " |"
    rule = "|" + " --- |" * len(STATUSES)
    return "\n".join([header, rule, "| " + " | ".join(str(totals[s]) for s in STATUSES) + " |"])


def _table(title: str, rows: list[Result], with_severity: bool = False) -> str:
    if not rows:
        return ""
    ordered = sorted(rows, key=lambda r: (_ORDER.index(r.severity), r.control_id, r.resource_id))
    lines = [
        f"### {title} ({len(rows)})",
        "",
        "| severity | control | resource | source | reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in ordered:
        severity = r.severity if with_severity else r.severity.lower()
        lines.append(
            f"| {severity} | `{r.control_id}` | {_cell(r.resource_name)} | {_source(r)} "
            f"| {_cell(r.reason)} |"
        )
    return "\n".join(lines)


def _suppressed(rows: list[Result]) -> str:
    if not rows:
        return ""
    lines = [
        f"### Suppressed ({len(rows)})",
        "",
        "| control | resource | source | suppression reason | finding |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in sorted(rows, key=lambda r: (r.control_id, r.resource_id)):
        reason = (r.exception or {}).get("reason", "")
        lines.append(
            f"| `{r.control_id}` | {_cell(r.resource_name)} | {_source(r)} | {_cell(reason)} "
            f"| {_cell(r.reason)} |"
        )
    return "\n".join(lines)


def _source(result: Result) -> str:
    source = result.source or {}
    if not source.get("file"):
        return ""
    name = source.get("address") or source.get("logical_id") or ""
    line = f":{source['line']}" if isinstance(source.get("line"), int) else ""
    return _cell(f"{source['file']}{line} {name}".strip())


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")

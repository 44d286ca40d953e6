"""A Markdown summary for a pull-request comment: counts, what fails, what was suppressed.

Every value is escaped (scanner.text_safety.markdown_inline): no HTML, no link or image, no
@mention reaches the comment. "New failures" are spoken of only when a --baseline told which
failures were known.
"""

from scanner.audit.baseline import is_known
from scanner.evaluate.results import STATUSES, Result, Results
from scanner.render.display import short_digests
from scanner.render.incomplete import collection_errors, describe, headline
from scanner.render.matrix import status_totals
from scanner.text_safety import markdown_inline

_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


def render(results: Results) -> str:
    rows = results.results
    baseline = bool(results.metadata.get("baseline"))
    new = [r for r in rows if r.status == "FAIL" and not is_known(r)]
    known = [r for r in rows if r.status == "FAIL" and is_known(r)]
    errors = [r for r in rows if r.status == "ERROR"]
    suppressed = [r for r in rows if r.status == "SUPPRESSED"]
    label = _labeller(rows)
    parts = [
        "## ecrscan",
        _incomplete(results),
        _headline(new, known, errors, baseline),
        _counts(results),
        _table("New failures" if baseline else "Failures", new, label, with_severity=True),
        _table("Undecided (ERROR)", errors, label),
        _table("Known failures (in the baseline: they do not fail the gate)", known, label),
        _suppressed(suppressed, label),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _incomplete(results: Results) -> str:
    errors = collection_errors(results.metadata)
    if not errors:
        return ""
    lines = [f"> **{markdown_inline(headline(errors))}**"]
    lines += [f"> - {markdown_inline(describe(e))}" for e in errors]
    return "\n".join(lines)


def _headline(new: list, known: list, errors: list, baseline: bool) -> str:
    failures = "new failure(s)" if baseline else "failure(s)"
    if not new and not errors:
        extra = f" ({len(known)} known from the baseline)" if known else ""
        return f"**No {failures.replace('(s)', 's')}**{extra}."
    return (
        f"**{len(new)} {failures}**, {len(errors)} undecided (ERROR)"
        + (f", {len(known)} known from the baseline" if known else "")
        + "."
    )


def _counts(results: Results) -> str:
    totals = status_totals(results.results)
    header = "| " + " | ".join(STATUSES) + " |"
    rule = "|" + " --- |" * len(STATUSES)
    return "\n".join([header, rule, "| " + " | ".join(str(totals[s]) for s in STATUSES) + " |"])


def _labeller(rows: list[Result]):
    """The resource as a reader needs it: with its account and region when the results span
    several accounts, with its region when they span several regions."""
    accounts = len({r.account_id for r in rows}) > 1
    regions = len({r.region for r in rows}) > 1

    def label(result: Result) -> str:
        parts = [result.resource_name]
        if accounts or regions:
            parts.insert(0, result.region)
        if accounts:
            parts.insert(0, result.account_id)
        return "/".join(parts)

    return label


def _table(title: str, rows: list[Result], label, with_severity: bool = False) -> str:
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
            f"| {severity} | {_code(r.control_id)} | {_cell(label(r))} | {_source(r)} "
            f"| {_cell(short_digests(r.reason))} |"
        )
    return "\n".join(lines)


def _suppressed(rows: list[Result], label) -> str:
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
            f"| {_code(r.control_id)} | {_cell(label(r))} | {_source(r)} | {_cell(reason)} "
            f"| {_cell(short_digests(r.reason))} |"
        )
    return "\n".join(lines)


def _source(result: Result) -> str:
    source = result.source or {}
    if not source.get("file"):
        return ""
    name = source.get("address") or source.get("logical_id") or ""
    line = f":{source['line']}" if isinstance(source.get("line"), int) else ""
    return _cell(f"{source['file']}{line} {name}".strip())


def _cell(text: object) -> str:
    return markdown_inline(text)


def _code(text: str) -> str:
    """A control id as code, when it is safe to be (ids from a results file are not vetted)."""
    if text.replace("-", "").replace("_", "").isalnum():
        return f"`{text}`"
    return _cell(text)

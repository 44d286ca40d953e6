"""The human view: a matrix per resource type, the failures with reasons, and a summary.

Drawn to fit the display (see scanner.render.display and table_matrix). Every value from AWS
is escaped for the terminal, and no line of the output can run as a CI workflow command.
"""

import textwrap

from tabulate import tabulate

from scanner.evaluate.results import STATUSES, Results
from scanner.render.cost_format import cost_section
from scanner.render.display import PLAIN, Display, fit_table, short_digests
from scanner.render.incomplete import banner_lines
from scanner.render.matrix import matrices, resource_labeller, status_by_severity
from scanner.render.table_matrix import render_matrix
from scanner.text_safety import for_terminal, neutralise_log_commands

_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
_REASON_MIN = 30
_BLOCK = "    "
_HEADERS = ["status", "severity", "control", "resource", "reason"]


def render(results: Results, display: Display = PLAIN) -> str:
    sections = [banner(results, display)]
    sections += [render_matrix(m, display) for m in matrices(results)]
    sections.append(_findings_section(results, display))
    sections.append(_summary_section(results))
    if results.metadata.get("cost"):
        sections.append(cost_section(results, display))
    return neutralise_log_commands("\n\n".join(s for s in sections if s) + "\n")


def banner(results: Results, display: Display) -> str:
    """The incomplete-run notice, first, wrapped to the width; empty for a complete run."""
    width = display.width or 10**6
    lines = []
    for line in banner_lines(results.metadata):
        lines += textwrap.wrap(line, width, subsequent_indent="    ") or [""]
    return display.paint("\n".join(lines), "ERROR") if lines else ""


def _findings_section(results: Results, display: Display) -> str:
    label = resource_labeller(results.results)
    findings = sorted(
        (r for r in results.results if r.status in ("FAIL", "ERROR")), key=_finding_order
    )
    if not findings:
        return ""
    rows = [
        [
            r.status,
            r.severity,
            for_terminal(r.control_id),
            label(r),
            short_digests(for_terminal(r.reason)),
        ]
        for r in findings
    ]
    table = _findings_table(rows, display)
    return "Findings\n" + (table if table is not None else _findings_blocks(rows, display))


def _findings_table(rows: list[list[str]], display: Display) -> str | None:
    """The findings as a table whose resources and reasons wrap within the width; None when
    too narrow for that."""
    painted = [[display.paint(row[0], row[0]), *row[1:]] for row in rows]
    if display.width is None:  # --wide: reasons still wrap, at a readable measure
        return tabulate(
            painted, headers=_HEADERS, tablefmt="simple", maxcolwidths=[None] * 4 + [90]
        )
    return fit_table(painted, _HEADERS, display, {3: 24, 4: _REASON_MIN})


def _findings_blocks(rows: list[list[str]], display: Display) -> str:
    """One finding per block, for a narrow terminal: what and where, then the reason."""
    width = display.width or 10**6
    blocks = []
    for status, severity, control, label, reason in rows:
        head = textwrap.wrap(f"{status} {severity} {control} {label}", width)
        head[0] = display.paint(status, status) + head[0][len(status) :]
        blocks += head + textwrap.wrap(
            reason, width, initial_indent=_BLOCK, subsequent_indent=_BLOCK
        )
    return "\n".join(blocks)


def _finding_order(result) -> tuple:
    return (
        result.status != "ERROR",
        _SEVERITIES.index(result.severity),
        result.control_id,
        result.resource_id,
    )


def _summary_section(results: Results) -> str:
    rows = []
    for severity, counts in status_by_severity(results.results).items():
        rows.append([severity, *(counts[s] for s in STATUSES), sum(counts.values())])
    totals = [sum(row[i] for row in rows) for i in range(1, len(STATUSES) + 2)]
    rows.append(["total", *totals])
    return "Summary\n" + tabulate(rows, headers=["severity", *STATUSES, "total"], tablefmt="simple")

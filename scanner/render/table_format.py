"""The human view: a matrix per resource type, the failures with reasons, and a summary."""

from tabulate import tabulate

from scanner.evaluate.results import STATUSES, Results
from scanner.render.cost_format import cost_section
from scanner.render.matrix import TITLES, matrices, status_by_severity

_NAME_HEADERS = {
    "repository": "repository",
    "vpc": "vpc",
    "registry": "registry",
    "ecs-service": "cluster/service",
    "lambda-function": "function",
    "pusher": "role",
}


def render(results: Results) -> str:
    sections = [_matrix_section(m) for m in matrices(results)]
    sections.append(_findings_section(results))
    sections.append(_summary_section(results))
    if results.metadata.get("cost"):
        sections.append(cost_section(results))
    return "\n\n".join(s for s in sections if s) + "\n"


def _matrix_section(matrix) -> str:
    headers = ["account", "region", _NAME_HEADERS.get(matrix.resource_type, "resource")]
    headers += [_stacked(control) for control in matrix.control_ids]
    rows = [
        [*key, *(cells.get(control, "-") for control in matrix.control_ids)]
        for key, cells in matrix.rows
    ]
    title = TITLES.get(matrix.resource_type, matrix.resource_type)
    if not rows:
        return f"{title}: none found"
    return f"{title} ({len(rows)})\n" + tabulate(rows, headers=headers, tablefmt="simple")


def _stacked(control_id: str, width: int = 12) -> str:
    """A control id as a narrow multi-line header (`ecr-image-vulnerabilities` becomes
    `ecr-image-` over `vulnerabilities`): fifteen columns must fit a terminal."""
    lines = [""]
    for word in control_id.split("-"):
        if lines[-1] and len(lines[-1]) + len(word) > width:
            lines.append("")
        lines[-1] += word + "-"
    return "\n".join(lines)[:-1]


def _findings_section(results: Results) -> str:
    rows = [
        [r.status, r.severity, r.control_id, f"{r.region}/{r.resource_name}", r.reason]
        for r in sorted(results.results, key=_finding_order)
        if r.status in ("FAIL", "ERROR")
    ]
    if not rows:
        return ""
    headers = ["status", "severity", "control", "resource", "reason"]
    return "Findings\n" + tabulate(
        rows, headers=headers, tablefmt="simple", maxcolwidths=[None] * 4 + [90]
    )


def _finding_order(result) -> tuple:
    severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    return (
        result.status != "ERROR",
        severities.index(result.severity),
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

"""One self-contained HTML file for auditors: evidence, colour-coded matrices, findings, waivers.

Everything the page needs is inline (CSS and a small script, both pinned by a Content Security
Policy hash), so it opens offline and fetches nothing. Every value that comes from AWS or from a
results file (names, tags, reasons, policy Sids) passes through `_e`, and the script reads data
only from attributes, never building markup from it.
"""

import base64
import hashlib
from collections.abc import Iterable
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from scanner.evaluate.results import STATUSES, Result, Results
from scanner.evaluate.waivers import exception_summary
from scanner.render.matrix import TITLES, Matrix, matrices, status_totals

_FINDING_STATUSES = ("FAIL", "ERROR", "WAIVED", "SUPPRESSED")
_SEVERITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


def render(results: Results) -> str:
    style, script = _asset("html_report.css"), _asset("html_report.js")
    body = "\n".join(
        [
            f"<h1>ecrscan compliance report</h1>\n{_evidence(results.metadata)}",
            _summary(results),
            _filters(results),
            *(_grid(m, results) for m in matrices(results)),
            _controls(results),
            _waivers(results.metadata.get("waivers")),
        ]
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy(style, script)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(_title(results.metadata))}</title>\n<style>{style}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{script}</script>\n</body>\n</html>\n"
    )


def _e(value: Any) -> str:
    """Escape for text and double-quoted attributes alike."""
    return escape("" if value is None else str(value), quote=True)


@cache
def _asset(name: str) -> str:
    return (resources.files("scanner.render") / name).read_text(encoding="utf-8")


def _policy(style: str, script: str) -> str:
    """No fetches at all; only the page's own style and script run, pinned by their hashes."""

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return (
        f"default-src 'none'; style-src {digest(style)}; script-src {digest(script)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _title(metadata: dict[str, Any]) -> str:
    snapshot = metadata.get("snapshot") or {}
    return f"ecrscan report: {snapshot.get('account_id', '')} {metadata.get('evaluated_at', '')}"


def _evidence(metadata: dict[str, Any]) -> str:
    rows = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in _facts(metadata))
    return f'<section id="evidence"><h2>Evidence</h2><dl class="evidence">{rows}</dl></section>'


def _facts(metadata: dict[str, Any]) -> list[tuple[str, Any]]:
    evidence = metadata.get("evidence") or {}
    snapshot = metadata.get("snapshot") or {}
    collection = evidence.get("collection") or {}
    evaluation = evidence.get("evaluation") or {}
    caller = evidence.get("caller") or {}
    tool = metadata.get("tool") or {}
    waivers = metadata.get("waivers") or {}
    facts = [
        ("tool", f"{tool.get('name', 'ecrscan')} {tool.get('version', '')}"),
        ("engine", metadata.get("engine")),
        ("caller", caller.get("arn") or snapshot.get("caller_arn")),
        ("accounts", ", ".join(evidence.get("accounts") or [snapshot.get("account_id") or ""])),
        ("regions", ", ".join(evidence.get("regions") or snapshot.get("regions") or [])),
        ("collection started", collection.get("started_at") or snapshot.get("collected_at")),
        ("collection finished", collection.get("finished_at") or "not recorded"),
        ("evaluation started", evaluation.get("started_at") or "not recorded"),
        ("evaluation finished", evaluation.get("finished_at") or metadata.get("evaluated_at")),
        ("policy bundle digest", metadata.get("policy_digest")),
        ("configuration digest", evidence.get("config_digest") or "not recorded"),
        ("snapshot digest", evidence.get("snapshot_digest") or "not recorded"),
    ]
    if waivers:
        facts.append(("waivers", f"{waivers.get('file')} ({waivers.get('digest')})"))
        facts.append(("waivers judged as of", waivers.get("as_of")))
    return facts


def _summary(results: Results) -> str:
    totals = status_totals(results.results)
    cells = "".join(
        f'<td><span class="badge {_status_class(s)}">{_e(s)}</span> {totals[s]}</td>'
        for s in STATUSES
    )
    return (
        f'<section id="summary"><h2>Summary</h2><p>{len(results.results)} verdicts over '
        f"{len(results.controls)} controls.</p><table><tr>{cells}</tr></table></section>"
    )


def _filters(results: Results) -> str:
    choices = {
        "account": sorted({r.account_id for r in results.results}),
        "region": sorted({r.region for r in results.results}),
        "control": [c["id"] for c in results.controls],
        "severity": [s for s in _SEVERITY_ORDER if any(r.severity == s for r in results.results)],
        "status": [s for s in STATUSES if any(r.status == s for r in results.results)],
    }
    selects = "".join(
        f'<label>{name}<select name="{name}"><option value="">all</option>'
        + "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
        + "</select></label>"
        for name, values in choices.items()
    )
    return (
        f'<form class="filters" id="filters">{selects}<button type="reset">clear</button>'
        '<span id="shown" aria-live="polite"></span></form>'
    )


def _grid(matrix: Matrix, results: Results) -> str:
    by_key = {
        (r.account_id, r.region, r.resource_name, r.control_id): r
        for r in results.results
        if r.resource_type == matrix.resource_type
    }
    titles = {c["id"]: c["title"] for c in results.controls}
    head = "".join(
        f'<th data-column="{_e(c)}" title="{_e(titles.get(c))}"><code>{_e(c)}</code></th>'
        for c in matrix.control_ids
    )
    rows = []
    for (account, region, name), _cells in matrix.rows:
        cells = "".join(
            _cell(by_key.get((account, region, name, c)), c) for c in matrix.control_ids
        )
        rows.append(
            f'<tr data-account="{_e(account)}" data-region="{_e(region)}"><td>{_e(account)}'
            f'</td><td>{_e(region)}</td><th scope="row">{_e(name)}</th>{cells}</tr>'
        )
    title = TITLES.get(matrix.resource_type, matrix.resource_type)
    return (
        f'<section class="matrix" id="matrix-{_e(matrix.resource_type)}"><h2>{_e(title)} '
        f'({len(rows)})</h2><table class="grid"><thead><tr><th>account</th><th>region</th>'
        f"<th>{_e(matrix.resource_type)}</th>{head}</tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></section>"
    )


def _cell(result: Result | None, control_id: str) -> str:
    if result is None:  # never judged: shown as such, never as a pass
        return f'<td class="cell s-none" data-column="{_e(control_id)}" title="not judged">-</td>'
    tip = " | ".join(t for t in (result.reason, exception_summary(result.exception)) if t)
    return (
        f'<td class="cell {_status_class(result.status)}" data-column="{_e(control_id)}" '
        f'data-control="{_e(control_id)}" data-severity="{_e(result.severity)}" '
        f'data-status="{_e(result.status)}" title="{_e(tip)}">{_e(result.status)}</td>'
    )


def _status_class(status: str) -> str:
    return "s-" + "".join(ch for ch in status.lower() if ch.isalpha())


def _controls(results: Results) -> str:
    by_control: dict[str, list[Result]] = {}
    for result in results.results:
        if result.status in _FINDING_STATUSES:
            by_control.setdefault(result.control_id, []).append(result)
    articles = [_control(c, by_control.get(c["id"], [])) for c in results.controls]
    return f'<section id="controls"><h2>Controls</h2>{"".join(articles)}</section>'


def _control(control: dict[str, Any], findings: list[Result]) -> str:
    frameworks = "; ".join(
        f"{name} {', '.join(ids)}" for name, ids in (control.get("frameworks") or {}).items()
    )
    return (
        f'<article class="control" id="control-{_e(control["id"])}" '
        f'data-control="{_e(control["id"])}"><h3>{_e(control.get("title"))} '
        f"<code>{_e(control['id'])}</code></h3><p><strong>{_e(control.get('severity'))}</strong>"
        f" · {_e(control.get('resource_type'))}"
        f"{' · ' + _e(frameworks) if frameworks else ''}</p>"
        f"<p>{_e(control.get('description'))}</p>{_findings(findings)}"
        f"{_remediation(control.get('remediation') or {})}</article>"
    )


def _findings(findings: list[Result]) -> str:
    if not findings:
        return '<p class="muted">No failing resources.</p>'
    rows = "".join(_finding(r) for r in sorted(findings, key=_finding_order))
    return (
        f'<h4>Failing resources ({len(findings)})</h4><table class="findings"><thead><tr>'
        "<th>status</th><th>severity</th><th>account</th><th>region</th><th>resource</th>"
        f"<th>reason</th><th>waiver</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _finding(result: Result) -> str:
    return (
        f'<tr class="finding" data-account="{_e(result.account_id)}" '
        f'data-region="{_e(result.region)}" data-control="{_e(result.control_id)}" '
        f'data-severity="{_e(result.severity)}" data-status="{_e(result.status)}">'
        f'<td><span class="badge {_status_class(result.status)}">{_e(result.status)}</span></td>'
        f"<td>{_e(result.severity)}</td><td>{_e(result.account_id)}</td>"
        f'<td>{_e(result.region)}</td><td title="{_e(result.resource_id)}">'
        f'{_e(result.resource_name)}</td><td class="reason">{_e(result.reason)}</td>'
        f"<td>{_e(exception_summary(result.exception))}</td></tr>"
    )


def _finding_order(result: Result) -> tuple:
    return (
        _FINDING_STATUSES.index(result.status),
        _SEVERITY_ORDER.index(result.severity),
        result.account_id,
        result.region,
        result.resource_name,
    )


def _remediation(remediation: dict[str, str]) -> str:
    if not remediation:
        return ""
    parts = "".join(
        f"<h5>{_e(_REMEDIATION_LABELS.get(kind, kind))}</h5><pre>{_e(text)}</pre>"
        for kind, text in remediation.items()
    )
    return f"<h4>Remediation</h4>{parts}"


_REMEDIATION_LABELS = {"cli": "AWS CLI", "terraform": "Terraform"}


def _waivers(waivers: dict[str, Any] | None) -> str:
    if not waivers:
        return '<section id="waivers"><h2>Waivers</h2><p>No waiver file was applied.</p></section>'
    rows = "".join(_waiver_row(entry) for entry in waivers.get("entries") or ())
    return (
        f'<section id="waivers"><h2>Waivers</h2><p>{_e(waivers.get("file"))}, judged as of '
        f"{_e(waivers.get('as_of'))}: {_e(waivers.get('rule'))}.</p><table><thead><tr>"
        "<th>#</th><th>control</th><th>selector</th><th>reason</th><th>approver</th>"
        "<th>expires</th><th>state</th><th>waived</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _waiver_row(entry: dict[str, Any]) -> str:
    selector = ", ".join(f"{k}={v}" for k, v in (entry.get("selector") or {}).items())
    return (
        f'<tr class="waiver"><td>{_e(entry.get("waiver"))}</td><td>{_e(entry.get("control"))}'
        f"</td><td><code>{_e(selector)}</code></td><td>{_e(entry.get('reason'))}</td>"
        f"<td>{_e(entry.get('approver'))}</td><td>{_e(entry.get('expires'))}</td>"
        f"<td>{_e(_waiver_state(entry))}</td><td>{_e(entry.get('waived', 0))}</td></tr>"
    )


def _waiver_state(entry: dict[str, Any]) -> str:
    states: Iterable[str] = (
        "expired" if entry.get("expired") else "active",
        f"stale: {entry.get('stale_reason')}" if entry.get("stale") else "",
    )
    return "; ".join(s for s in states if s)

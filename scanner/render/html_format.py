"""One self-contained HTML file for auditors, that opens at 100,000 repositories.

The page holds what is small as markup (the incomplete-run notice, a summary per account, the
evidence, the controls with their remediation, the waivers) and every verdict once, as compact
JSON (scanner.render.html_data), from which its script draws the matrices and the findings a
page at a time, filtered. Rows where every cell passes are folded until asked for.

Everything the page needs is inline (CSS and the script, both pinned by a Content Security
Policy hash), so it opens offline and fetches nothing. Every value from AWS or from a results
file passes through `_e` (markup) or `script_json` (data), and the script builds elements with
textContent only, never markup from data.
"""

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from scanner.evaluate.results import STATUSES, Results
from scanner.render.html_data import report_data, script_json
from scanner.render.incomplete import collection_errors, describe, headline
from scanner.render.matrix import TITLES, control_types, status_totals
from scanner.text_safety import for_terminal

NAME_HEADERS = {
    "repository": "Repository",
    "vpc": "VPC",
    "registry": "Registry",
    "ecs-service": "Cluster/service",
    "lambda-function": "Function",
    "pusher": "Role",
}
_FINDING_STATUSES = ("FAIL", "ERROR", "WAIVED", "SUPPRESSED")
_SEVERITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
_REMEDIATION_LABELS = {"cli": "AWS CLI", "terraform": "Terraform"}


def render(results: Results) -> str:
    style, script = _asset("html_report.css"), _asset("html_report.js")
    body = "\n".join(
        [
            "<h1>ecrscan compliance report</h1>",
            _incomplete(results.metadata),
            _accounts(results),
            _filters(results),
            *(
                _matrix(t, results)
                for t in dict.fromkeys(t for c in results.controls for t in control_types(c))
            ),
            _findings(),
            _controls(results),
            _evidence(results.metadata),
            _waivers(results.metadata.get("waivers")),
        ]
    )
    data = script_json(report_data(results))
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy(style, script)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(_title(results.metadata))}</title>\n<style>{style}</style>\n</head>\n"
        f'<body>\n{body}\n<script type="application/json" id="report-data">{data}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def _types(results: Results) -> list[str]:
    return list(dict.fromkeys(t for c in results.controls for t in control_types(c)))


def _e(value: Any) -> str:
    """Escape for text and double-quoted attributes alike; control characters shown."""
    return escape(for_terminal(value), quote=True)


def _e_lines(value: Any) -> str:
    """_e for text whose line breaks are its own (a Terraform snippet)."""
    return "\n".join(_e(line) for line in str(value).split("\n"))


@cache
def _asset(name: str) -> str:
    return (resources.files("scanner.render") / name).read_text(encoding="utf-8")


def _policy(style: str, script: str) -> str:
    """No fetches at all; only the page's own style and script run, pinned by their hashes.
    (The JSON data block is not a script the browser runs.)"""

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return (
        f"default-src 'none'; style-src {digest(style)}; script-src {digest(script)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _title(metadata: dict[str, Any]) -> str:
    snapshot = metadata.get("snapshot") or {}
    return f"ecrscan report: {snapshot.get('account_id', '')} {metadata.get('evaluated_at', '')}"


def _incomplete(metadata: dict[str, Any]) -> str:
    errors = collection_errors(metadata)
    if not errors:
        return ""
    items = "".join(f"<li>{_e(describe(error))}</li>" for error in errors)
    return (
        f'<section id="incomplete" class="banner" role="alert"><h2>Incomplete collection</h2>'
        f"<p>{_e(headline(errors))}.</p><ul>{items}</ul></section>"
    )


def _accounts(results: Results) -> str:
    """Per account: resources and verdicts, each account a link that filters the page."""
    counts = Counter((r.account_id, r.status) for r in results.results)
    resources = Counter(
        account for account, _ in {(r.account_id, r.resource_id) for r in results.results}
    )
    accounts = sorted(resources)
    head = "".join(f"<th>{_badge(s)}</th>" for s in STATUSES)
    rows = "".join(
        f'<tr><th scope="row"><a href="#account={_e(account)}">{_e(account)}</a></th>'
        f"<td>{resources[account]:,}</td>"
        + "".join(f"<td>{counts[(account, s)]:,}</td>" for s in STATUSES)
        + "</tr>"
        for account in accounts
    )
    totals = status_totals(results.results)
    foot = (
        f'<tr class="total"><th scope="row">All {len(accounts):,} account(s)</th>'
        f"<td>{sum(resources.values()):,}</td>"
        + "".join(f"<td>{totals[s]:,}</td>" for s in STATUSES)
        + "</tr>"
    )
    return (
        f'<section id="accounts"><h2>Summary by account</h2><p>{len(results.results):,} '
        f'verdicts over {len(results.controls)} controls.</p><div class="scroll">'
        f'<table class="counts"><thead><tr><th>Account</th><th>Resources</th>{head}</tr>'
        f"</thead><tbody>{rows}</tbody><tfoot>{foot}</tfoot></table></div></section>"
    )


def _badge(status: str) -> str:
    return f'<span class="badge {status_class(status)}">{_e(status)}</span>'


def status_class(status: str) -> str:
    return "s-" + "".join(ch for ch in status.lower() if ch.isalpha())


def _filters(results: Results) -> str:
    seen = {(r.account_id, r.region, r.severity, r.status) for r in results.results}
    choices = {
        "account": sorted({account for account, *_ in seen}),
        "region": sorted({region for _, region, *_ in seen}),
        "control": [c["id"] for c in results.controls],
        "severity": [s for s in _SEVERITY_ORDER if any(key[2] == s for key in seen)],
        "status": [s for s in STATUSES if any(key[3] == s for key in seen)],
    }
    selects = "".join(
        f'<label>{name.capitalize()}<select name="{name}"><option value="">All</option>'
        + "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in values)
        + "</select></label>"
        for name, values in choices.items()
    )
    return (
        f'<form class="filters" id="filters">{selects}'
        '<label>Resource<input type="search" name="name" placeholder="name contains"></label>'
        '<label class="check"><input type="checkbox" name="passing"> Show resources where '
        "every cell passes</label>"
        '<button type="reset">Clear</button><span id="shown" aria-live="polite"></span></form>'
    )


def _matrix(resource_type: str, results: Results) -> str:
    controls = [c for c in results.controls if resource_type in control_types(c)]
    head = "".join(
        f'<th class="control" data-column="{_e(c["id"])}" title="{_e(c.get("title"))}">'
        f"<code>{_e(c['id'])}</code></th>"
        for c in controls
    )
    title = TITLES.get(resource_type, resource_type.capitalize())
    name = NAME_HEADERS.get(resource_type, "Resource")
    return (
        f'<section class="matrix" id="matrix-{_e(resource_type)}" data-type="{_e(resource_type)}">'
        f'<h2>{_e(title)} <span class="count"></span></h2><table class="grid"><thead><tr>'
        f"<th>Account</th><th>Region</th><th>{_e(name)}</th>{head}</tr></thead>"
        '<tbody></tbody></table><nav class="pager"></nav></section>'
    )


def _findings() -> str:
    return (
        '<section id="findings"><h2>Findings <span class="count"></span></h2>'
        '<table class="findings"><thead><tr><th>Status</th><th>Severity</th><th>Control</th>'
        "<th>Account</th><th>Region</th><th>Resource</th><th>Reason</th>"
        "<th>Waiver or suppression</th></tr></thead><tbody></tbody></table>"
        '<nav class="pager"></nav></section>'
    )


def _controls(results: Results) -> str:
    failing: Counter = Counter(
        r.control_id for r in results.results if r.status in _FINDING_STATUSES
    )
    articles = [_control(c, failing[c["id"]]) for c in results.controls]
    return f'<section id="controls"><h2>Controls</h2>{"".join(articles)}</section>'


def _control(control: dict[str, Any], failing: int) -> str:
    frameworks = "; ".join(
        f"{name} {', '.join(ids)}" for name, ids in (control.get("frameworks") or {}).items()
    )
    findings = (
        f'<p><a href="#control={_e(control["id"])}">{failing:,} finding(s)</a></p>'
        if failing
        else '<p class="muted">No failing resources.</p>'
    )
    return (
        f'<article class="control" id="control-{_e(control["id"])}" '
        f'data-control="{_e(control["id"])}"><h3>{_e(control.get("title"))} '
        f"<code>{_e(control['id'])}</code></h3><p><strong>{_e(control.get('severity'))}</strong>"
        f" · {_e(', '.join(control_types(control)))}"
        f"{' · ' + _e(frameworks) if frameworks else ''}</p>"
        f"<p>{_e(control.get('description'))}</p>{findings}"
        f"{_remediation(control.get('remediation') or {})}</article>"
    )


def _remediation(remediation: dict[str, str]) -> str:
    if not remediation:
        return ""
    parts = "".join(
        f"<h5>{_e(_REMEDIATION_LABELS.get(kind, kind))}</h5><pre>{_e_lines(text)}</pre>"
        for kind, text in remediation.items()
    )
    return f"<h4>Remediation</h4>{parts}"


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
        ("Tool", f"{tool.get('name', 'ecrscan')} {tool.get('version', '')}"),
        ("Engine", metadata.get("engine")),
        ("Caller", caller.get("arn") or snapshot.get("caller_arn")),
        ("Accounts", ", ".join(evidence.get("accounts") or [snapshot.get("account_id") or ""])),
        ("Regions", ", ".join(evidence.get("regions") or snapshot.get("regions") or [])),
        # A snapshot written before collection times were recorded has only collected_at,
        # taken when collection ended: never shown as the start.
        ("Collection started", collection.get("started_at") or "not recorded"),
        (
            "Collection finished",
            collection.get("finished_at") or snapshot.get("collected_at") or "not recorded",
        ),
        ("Evaluation started", evaluation.get("started_at") or "not recorded"),
        ("Evaluation finished", evaluation.get("finished_at") or metadata.get("evaluated_at")),
        ("Policy bundle digest", metadata.get("policy_digest")),
        ("Configuration digest", evidence.get("config_digest") or "not recorded"),
        ("Snapshot digest", evidence.get("snapshot_digest") or "not recorded"),
    ]
    if waivers:
        facts.append(("Waivers", f"{waivers.get('file')} ({waivers.get('digest')})"))
        facts.append(("Waivers judged as of", waivers.get("as_of")))
    return facts


def _waivers(waivers: dict[str, Any] | None) -> str:
    if not waivers:
        return '<section id="waivers"><h2>Waivers</h2><p>No waiver file was applied.</p></section>'
    rows = "".join(_waiver_row(entry) for entry in waivers.get("entries") or ())
    return (
        f'<section id="waivers"><h2>Waivers</h2><p>{_e(waivers.get("file"))}, judged as of '
        f"{_e(waivers.get('as_of'))}: {_e(waivers.get('rule'))}.</p><table><thead><tr>"
        "<th>#</th><th>Control</th><th>Selector</th><th>Reason</th><th>Approver</th>"
        "<th>Expires</th><th>State</th><th>Waived</th></tr></thead>"
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

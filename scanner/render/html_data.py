"""The HTML report's data: every verdict once, as compact JSON the page's script renders on demand.

A 100,000-repository scan holds over a million verdicts; written as markup they made a 560 MB
page. Here each resource is one row, `[type, account, region, name, statuses, reasons, extra]`:
- `statuses`: one character per control of the row's type, the index into `statuses` (or `-`
  for a control that did not judge the resource);
- `reasons`: per control, an index into `reasons`, a table of distinct texts. A reason that
  names its own resource holds `\\u0001` in its place, and the row's image digest `\\u0002`
  (shortened to 12 hex digits), so the thousands of "no replication rule copies team/app-1"
  reasons share one text;
- `extra` (only when needed): `d` the digest, `i` a resource id that does not follow its type's
  pattern, `n` the resource name when the row's name adds its source, `s` a source (IaC),
  `x` {control: exception summary index}, `v` {control: severity}.

Every text is escaped for display first (control characters become visible escapes) and the
JSON is safe inside <script>: `<`, `>` and `&` are \\u escapes, so no value can end the element.
"""

import re
from functools import lru_cache
from typing import Any

from scanner.audit.waivers import exception_summary
from scanner.evaluate.results import STATUSES, Result, Results
from scanner.render.matrix import control_types, row_names
from scanner.text_safety import for_terminal, json_text

NAME, DIGEST, ACCOUNT, REGION = "\u0001", "\u0002", "\u0003", "\u0004"
NOT_JUDGED = "-"
_DIGEST = re.compile(r"sha256:([0-9a-f]{12})[0-9a-f]{52}")
_STATUS_CODES = {status: str(index) for index, status in enumerate(STATUSES)}
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@lru_cache(maxsize=65536)
def _shown(text: str) -> str:
    """for_terminal, remembered: most reasons repeat across resources."""
    return for_terminal(text)


class _Table:
    """Distinct values, each stored once and named by its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        return self.index.setdefault(value, len(self.index))

    @property
    def values(self) -> list[str]:
        return list(self.index)


def report_data(results: Results) -> dict[str, Any]:
    controls = results.controls
    types = list(dict.fromkeys(t for c in controls for t in control_types(c)))
    columns = {t: [c["id"] for c in controls if t in control_types(c)] for t in types}
    severity_of = {c["id"]: c.get("severity") for c in controls}
    accounts, regions, reasons, exceptions = _Table(), _Table(), _Table(), _Table()
    grouped = _by_resource(results.results)
    names = row_names(results.results)
    templates = {t: _id_template(grouped, t) for t in types}
    rows, plain = [], set()
    for resource_id, cells in grouped.items():
        first = next(iter(cells.values()))
        if first.resource_type not in columns:
            continue  # a result of a type no control in the metadata has
        row = _Row(first, names[resource_id], accounts, regions, plain)
        for control_id in columns[first.resource_type]:
            row.cell(cells.get(control_id), severity_of.get(control_id), reasons, exceptions)
        rows.append(row.encoded(types.index(first.resource_type), templates[first.resource_type]))
    account_names, region_names = accounts.values, regions.values
    rows.sort(key=lambda r: (r[0], account_names[r[1]], region_names[r[2]], r[3]))
    return {
        "statuses": list(STATUSES),
        "types": [
            {"type": t, "controls": [i for i, c in enumerate(controls) if t in control_types(c)]}
            for t in types
        ],
        "controls": [_control(c) for c in controls],
        "accounts": accounts.values,
        "regions": regions.values,
        "reasons": reasons.values,
        "exceptions": exceptions.values,
        "idTemplates": [templates[t] for t in types],
        "rows": rows,
    }


def script_json(data: dict[str, Any]) -> str:
    """Compact JSON that cannot end a <script> element or open a comment in it."""
    text = json_text(data, separators=(",", ":"))
    return re.sub("[<>&]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _by_resource(results: list[Result]) -> dict[str, dict[str, Result]]:
    grouped: dict[str, dict[str, Result]] = {}
    for result in results:
        grouped.setdefault(result.resource_id, {})[result.control_id] = result
    return grouped


def _id_template(grouped: dict[str, dict[str, Result]], resource_type: str) -> str:
    """The resource id pattern of a type, from its first resource: `arn:aws:ecr:\u0004:
    \u0003:repository/\u0001`. Rows whose id it rebuilds carry no id of their own."""
    for cells in grouped.values():
        first = next(iter(cells.values()))
        if first.resource_type == resource_type:
            resource_id, *parts = _shown_parts(first)
            for value, marker in zip(parts, (NAME, ACCOUNT, REGION), strict=True):
                resource_id = resource_id.replace(value, marker) if value else resource_id
            return resource_id
    return ""


def _shown_parts(result: Result) -> tuple[str, str, str, str]:
    """(resource id, name, account, region) as the page shows them: escaped."""
    return (
        for_terminal(result.resource_id),
        for_terminal(result.resource_name),
        for_terminal(result.account_id),
        for_terminal(result.region),
    )


def _fill(template: str, result: Result) -> str:
    """The id the page's script rebuilds from the template (markers in this order)."""
    _, name, account, region = _shown_parts(result)
    return template.replace(NAME, name).replace(ACCOUNT, account).replace(REGION, region)


class _Row:
    def __init__(
        self, first: Result, name: str, accounts: _Table, regions: _Table, plain: set[str]
    ) -> None:
        self.first = first
        self.name = for_terminal(name)
        self.resource_name = for_terminal(first.resource_name)
        self.account = accounts(for_terminal(first.account_id))
        self.region = regions(for_terminal(first.region))
        self.statuses: list[str] = []
        self.reasons: list[int] = []
        self.extra: dict[str, Any] = {}
        self.digest: str | None = None
        # Reasons already seen to need no marker: skipping the markers is always lossless.
        self.plain = plain

    def cell(self, result: Result | None, severity, reasons: _Table, exceptions: _Table) -> None:
        column = len(self.statuses)
        if result is None:
            self.statuses.append(NOT_JUDGED)
            self.reasons.append(-1)
            return
        self.statuses.append(_STATUS_CODES[result.status])
        reason = result.reason
        if not (reason.isascii() and reason.isprintable()):
            reason = _shown(reason)
        self.reasons.append(reasons(self._template(reason)))
        if result.exception is not None:
            summary = exception_summary(result.exception)
            if summary:
                self.extra.setdefault("x", {})[column] = exceptions(for_terminal(summary))
        if result.severity != severity:
            self.extra.setdefault("v", {})[column] = result.severity

    def _template(self, reason: str) -> str:
        """The reason with this row's name and image digest as markers (see the docstring)."""
        if reason in self.plain:  # a reason that names neither (most): nothing to replace
            return reason
        if "sha256:" in reason:
            found = _DIGEST.search(reason)
            if found and self.digest is None:
                self.digest = found.group(1)
            if found and found.group(1) == self.digest:
                reason = reason.replace(found.group(0), DIGEST)
            return _DIGEST.sub(r"sha256:\1", self._named(reason))  # others: shortened
        if self.resource_name and self.resource_name in reason:
            return reason.replace(self.resource_name, NAME)
        self.plain.add(reason)
        return reason

    def _named(self, reason: str) -> str:
        return reason.replace(self.resource_name, NAME) if self.resource_name else reason

    def encoded(self, type_index: int, id_template: str) -> list:
        if self.digest:
            self.extra["d"] = self.digest
        if _fill(id_template, self.first) != for_terminal(self.first.resource_id):
            self.extra["i"] = for_terminal(self.first.resource_id)
        if self.name != self.resource_name:  # a shared name, told apart by its source
            self.extra["n"] = self.resource_name
        source = _source_text(self.first.source)
        if source:
            self.extra["s"] = source
        row = [type_index, self.account, self.region, self.name, "".join(self.statuses)]
        return [*row, self.reasons, self.extra] if self.extra else [*row, self.reasons]


def _source_text(source: dict[str, Any] | None) -> str:
    if not source or not source.get("file"):
        return ""
    line = f":{source['line']}" if isinstance(source.get("line"), int) else ""
    name = source.get("address") or source.get("logical_id") or ""
    return for_terminal(f"{source['file']}{line} {name}".strip())


def _control(control: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": for_terminal(control["id"]),
        "type": ", ".join(control_types(control)),
        "severity": control.get("severity"),
        "title": for_terminal(control.get("title")),
    }

"""`ecrscan diff OLD NEW`: what changed between two scans.

A result's identity is its control id and resource id. Each side is a results file, a stored scan
id, or `latest` / `previous` (the two newest stored scans); an existing file always wins.
"""

import argparse
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from tabulate import tabulate

from scanner.audit import history
from scanner.audit.diff import Diff, compare
from scanner.cli.options import emit
from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import Result, Results, load_results
from scanner.text_safety import for_terminal, json_text, neutralise_log_commands

_KEYWORDS = {"latest": 0, "previous": 1}


@dataclass
class Side:
    label: str
    results: Results


def register(commands) -> None:
    parser = commands.add_parser(
        "diff",
        help="compare two scans: new failures, fixed, still failing, new and removed resources",
        description="Compare two scans, each a results file (--format json), a stored scan id "
        "(see `ecrscan history`) or `latest`/`previous`.",
    )
    parser.add_argument("old", metavar="OLD", help="the earlier scan")
    parser.add_argument("new", metavar="NEW", help="the later scan")
    parser.add_argument("--db", metavar="FILE", help="history database for scan ids")
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table (default) or json (every change, with both results)",
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--fail-on-new", action="store_true", help="exit 1 when there are new failures"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    old, new = _side(args.old, args.db), _side(args.new, args.db)
    diff = compare(old.results, new.results)
    text = _json(diff, old, new) if args.format == "json" else for_display(_table(diff, old, new))
    emit(text, args.output)
    return ExitCode.FAILURES if args.fail_on_new and diff.new_failures else ExitCode.OK


def _side(spec: str, db: str | None) -> Side:
    if Path(spec).is_file():
        return Side(spec, load_results(spec))
    scan_id = _scan_id(spec, db)
    with history.open_history(db) as connection:
        return Side(f"scan {scan_id}", history.load_scan(connection, scan_id))


def _scan_id(spec: str, db: str | None) -> int:
    if re.fullmatch(r"\d+", spec):
        return int(spec)
    if spec in _KEYWORDS:
        with history.open_history(db) as connection:
            ids = history.latest_ids(connection, 2)
        if len(ids) <= _KEYWORDS[spec]:
            raise InputError(f"{spec}: the history database holds only {len(ids)} scan(s)")
        return ids[_KEYWORDS[spec]]
    raise InputError(f"{spec}: no such results file, nor a scan id, 'latest' or 'previous'")


def _where(result: Result) -> str:
    return f"{result.account_id} {result.region} {result.resource_name}"


def _table(diff: Diff, old: Side, new: Side) -> str:
    sections = [_header(old, new)]
    sections.append(
        _section(
            "New failures",
            [[r.severity, r.control_id, _where(r), r.reason] for r in diff.new_failures],
            ["severity", "control", "resource", "reason"],
        )
    )
    sections.append(
        _section(
            "Fixed",
            [[a.control_id, _where(a), f"{a.status} -> {b.status}"] for a, b in diff.fixed],
            ["control", "resource", "change"],
        )
    )
    sections.append(
        _section(
            "Still failing",
            [[r.severity, r.control_id, _where(r), r.reason] for r in diff.still_failing],
            ["severity", "control", "resource", "reason"],
        )
    )
    sections.append(
        _section(
            "Other status changes",
            [_change_row(a, b) for a, b in diff.other_changes],
            ["control", "resource", "change"],
        )
    )
    sections.append(_resource_section("New resources", diff.new_resources))
    sections.append(_resource_section("Removed resources", diff.removed_resources))
    sections.append(_totals(diff))
    return "\n\n".join(sections) + "\n"


def _resource_section(title: str, resources: list[Result]) -> str:
    rows = [[r.resource_type, _where(r), r.resource_id] for r in resources]
    return _section(title, rows, ["type", "resource", "id"])


def _change_row(was: Result | None, now: Result | None) -> list[str]:
    either = now or was
    before = was.status if was else "absent"
    after = now.status if now else "not evaluated"
    return [either.control_id, _where(either), f"{before} -> {after}"]


def for_display(text: str) -> str:
    """The finished table with no line a CI runner would run (its cells are escaped already)."""
    return neutralise_log_commands(text)


def _header(old: Side, new: Side) -> str:
    lines = [for_terminal(f"Comparing {old.label} ({_when(old)}) with {new.label} ({_when(new)})")]
    old_digest = old.results.metadata.get("policy_digest")
    new_digest = new.results.metadata.get("policy_digest")
    if old_digest != new_digest:
        lines.append(for_terminal(f"note: the policies differ ({old_digest} -> {new_digest})"))
    return "\n".join(lines)


def _when(side: Side) -> str:
    snapshot = side.results.metadata.get("snapshot") or {}
    return f"collected {snapshot.get('collected_at', 'unknown')}"


def _section(title: str, rows: list[list], headers: list[str]) -> str:
    if not rows:
        return f"{title} (0)"
    cells = [[for_terminal(cell) for cell in row] for row in rows]  # one line each, inert
    return f"{title} ({len(rows)})\n" + tabulate(
        cells,
        headers=headers,
        tablefmt="simple",
        maxcolwidths=[None] * (len(headers) - 1) + [80],
        disable_numparse=True,
    )


def _totals(diff: Diff) -> str:
    return (
        f"{len(diff.new_failures)} new failure(s), {len(diff.fixed)} fixed, "
        f"{len(diff.still_failing)} still failing, {len(diff.other_changes)} other change(s), "
        f"{len(diff.new_resources)} new resource(s), {len(diff.removed_resources)} removed"
    )


def _json(diff: Diff, old: Side, new: Side) -> str:
    def side(s: Side) -> dict:
        metadata = s.results.metadata
        return {
            "label": s.label,
            "collected_at": (metadata.get("snapshot") or {}).get("collected_at"),
            "evaluated_at": metadata.get("evaluated_at"),
            "policy_digest": metadata.get("policy_digest"),
        }

    def pair(was: Result | None, now: Result | None) -> dict:
        return {"old": asdict(was) if was else None, "new": asdict(now) if now else None}

    document = {
        "old": side(old),
        "new": side(new),
        "new_failures": [asdict(r) for r in diff.new_failures],
        "fixed": [pair(a, b) for a, b in diff.fixed],
        "still_failing": [asdict(r) for r in diff.still_failing],
        "other_changes": [pair(a, b) for a, b in diff.other_changes],
        "new_resources": [_resource(r) for r in diff.new_resources],
        "removed_resources": [_resource(r) for r in diff.removed_resources],
    }
    return json_text(document, indent=2) + "\n"


def _resource(result: Result) -> dict:
    return {
        "resource_id": result.resource_id,
        "resource_type": result.resource_type,
        "resource_name": result.resource_name,
        "account_id": result.account_id,
        "region": result.region,
    }

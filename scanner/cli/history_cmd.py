"""`ecrscan history`: list, show and import the scans kept in the local history database."""

import argparse
from dataclasses import asdict

from tabulate import tabulate

from scanner.audit import history
from scanner.cli.options import add_output_options, emit, emit_all
from scanner.cli.run_options import RunOptions
from scanner.evaluate.results import STATUSES, load_results
from scanner.text_safety import for_terminal, json_text, neutralise_log_commands

_DB_HELP = f"history database (default: {history.default_db_path()})"


def register(commands) -> None:
    parser = commands.add_parser(
        "history",
        help="list, show and import scans kept in the local history database",
        description="Scans recorded with `scan --history` or `evaluate --history` (or imported "
        "from results files) live in a SQLite database. Without a subcommand: list them. "
        "Compare two with `ecrscan diff OLD_ID NEW_ID`.",
    )
    parser.add_argument("--db", metavar="FILE", help=_DB_HELP)
    parser.set_defaults(handler=run_list, format="table")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    listing = actions.add_parser("list", help="list the stored scans (the default)")
    _add_db(listing)
    listing.add_argument(
        "--format", choices=["table", "json"], default="table", help="table (default) or json"
    )
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="render one stored scan in any report format")
    _add_db(show)
    show.add_argument("scan_id", metavar="ID", type=int, help="scan id (see `history list`)")
    add_output_options(show, gate=False)
    show.set_defaults(handler=run_show)

    importing = actions.add_parser("import", help="record results files (--format json)")
    _add_db(importing)
    importing.add_argument("results", metavar="RESULTS", nargs="+", help="results JSON files")
    importing.set_defaults(handler=run_import)


def _add_db(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps `ecrscan history --db X list` working: a default here would overwrite X.
    parser.add_argument("--db", metavar="FILE", default=argparse.SUPPRESS, help=_DB_HELP)


def run_list(args: argparse.Namespace) -> int:
    with history.open_history(args.db) as connection:
        scans = history.list_scans(connection)
    if args.format == "json":
        emit(json_text([asdict(s) for s in scans], indent=2) + "\n", None)
    elif not scans:
        emit("No scans recorded yet: run `ecrscan scan --history`.\n", None)
    else:
        table = tabulate([_row(s) for s in scans], headers=_HEADERS, disable_numparse=True)
        emit(neutralise_log_commands(table) + "\n", None)
    return 0


_HEADERS = ["id", "evaluated", "collected", "accounts", "regions", *STATUSES]


def _row(scan: history.ScanRow) -> list:
    cells = [
        scan.id,
        scan.evaluated_at,
        scan.collected_at,
        ", ".join(str(a) for a in scan.accounts),
        ", ".join(str(r) for r in scan.regions),
        *(scan.counts.get(status, 0) for status in STATUSES),
    ]
    return [for_terminal(cell) for cell in cells]  # values from a results file: one line, inert


def run_show(args: argparse.Namespace) -> int:
    with history.open_history(args.db) as connection:
        results = history.load_scan(connection, args.scan_id)
    emit_all(results, RunOptions.from_args(args).output)
    return 0


def run_import(args: argparse.Namespace) -> int:
    documents = [(path, load_results(path)) for path in args.results]  # all valid, or none
    with history.open_history(args.db) as connection:
        for path, results in documents:
            scan_id, added = history.record(connection, results)
            print(for_terminal(f"{path}: {_import_note(connection, scan_id, added)}"))
    return 0


def _import_note(connection, scan_id: int, added: bool) -> str:
    if not added:
        return f"already imported: this exact results file is scan {scan_id}; not added again"
    twins = history.same_evidence(connection, scan_id)
    if not twins:
        return f"recorded as scan {scan_id}"
    earlier = ", ".join(str(t) for t in twins)
    return (
        f"recorded as scan {scan_id}; note: scan(s) {earlier} judged the same snapshot with "
        "the same policies and configuration"
    )

"""`ecrscan merge RESULTS... --output FILE`: one results file from the shards of a large scan
(the rules are in scanner.audit.merge)."""

import argparse

from scanner.audit.merge import merge
from scanner.audit.overlay import overlay
from scanner.cli.options import emit
from scanner.errors import ExitCode
from scanner.evaluate.results import load_results
from scanner.render.incomplete import warn_if_incomplete
from scanner.render.json_format import render


def register(commands) -> None:
    parser = commands.add_parser(
        "merge",
        help="merge the results files of a sharded scan into one",
        description="Merge results files (from `--format json`) written by shards of one scan: "
        "same policies, same configuration, disjoint accounts. Exits 0 when the merged file is "
        "written, 3 when a shard's collection was incomplete (the file is written too); gate "
        "on it with `ecrscan report MERGED --fail-on ...`.",
    )
    parser.add_argument("results", metavar="RESULTS", nargs="+", help="results JSON files")
    parser.add_argument(
        "--update",
        action="append",
        metavar="NEWER",
        help="a later results file (such as a `scan --repository` re-check) whose cells replace "
        "the merged ones by control and resource; repeat, oldest first",
    )
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    shards = [(path, load_results(path)) for path in args.results]
    merged = merge(shards)
    for path in args.update or ():
        merged = overlay(merged, load_results(path), label=path)
    emit(render(merged), args.output)
    # The merged file is written either way; an incomplete shard makes the whole incomplete.
    return ExitCode.UNDECIDED if warn_if_incomplete(merged.metadata) else ExitCode.OK

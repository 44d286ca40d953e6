"""`ecrscan collect`: snapshot an account's ECR estate into a JSON file."""

import argparse
import json
import sys

from scanner import snapshot as snapshots
from scanner.cli.options import emit
from scanner.errors import ExitCode


def register(commands) -> None:
    parser = commands.add_parser(
        "collect",
        help="snapshot every ECR repository and VPC endpoint into a JSON file",
        description="Collect a snapshot with read-only calls (Describe/Get/List/BatchGet). "
        "Evaluate it later, offline, with `ecrscan evaluate`.",
    )
    add_collection_options(parser)
    parser.add_argument(
        "--output", metavar="FILE", help="write the snapshot here (default: stdout)"
    )
    parser.set_defaults(handler=run)


def add_collection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("collection")
    group.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    group.add_argument(
        "--region",
        action="append",
        metavar="REGION",
        help="region to scan; repeat for several; 'all' = every region enabled for the account "
        "(default: the profile's region)",
    )
    group.add_argument(
        "--endpoint-url", metavar="URL", help="send every AWS call here (emulators such as moto)"
    )
    group.add_argument(
        "--max-workers",
        type=int,
        default=8,
        metavar="N",
        help="concurrent per-repository calls (default: 8)",
    )


def collect(args: argparse.Namespace) -> dict:
    from scanner.collect import collect_snapshot, open_session

    session = open_session(args.profile)
    regions = args.region or [session.region_name or "us-east-1"]
    return collect_snapshot(
        session, regions, endpoint_url=args.endpoint_url, max_workers=args.max_workers
    )


def run(args: argparse.Namespace) -> int:
    snapshot = collect(args)
    if args.output:
        snapshots.save(snapshot, args.output)
    else:
        emit(json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n", None)
    errors = _count_errors(snapshot)
    if errors:
        print(f"ecrscan: {errors} collection error(s) recorded in the snapshot", file=sys.stderr)
        return ExitCode.UNDECIDED
    return ExitCode.OK


def _count_errors(snapshot: dict) -> int:
    count = len(snapshot["errors"])
    for scope in snapshot["inventory"]:
        count += (
            len(scope["errors"])
            + len(scope["registry"]["errors"])
            + len(scope["network"]["errors"])
        )
        count += sum(len(r["errors"]) for r in scope["repositories"] or ())
    return count

"""`ecrscan collect`: snapshot an account's ECR estate into a JSON file."""

import argparse
import json
import re
import sys

from scanner import snapshot as snapshots
from scanner.cli.options import emit
from scanner.errors import ExitCode, InputError


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
        help="region to scan; repeat for several; 'all' = every region enabled for each account "
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
    add_retry_options(group)
    add_account_options(parser)


def collect(args: argparse.Namespace) -> dict:
    from scanner.collect import collect_snapshot, open_session
    from scanner.collect.progress import Progress

    plan = account_plan(args)  # refuse bad account options before any AWS call
    session = open_session(args.profile)
    regions = args.region or [session.region_name or "us-east-1"]
    return collect_snapshot(
        session,
        regions,
        endpoint_url=args.endpoint_url,
        max_workers=args.max_workers,
        accounts=plan,
        progress=Progress.on(sys.stderr, quiet=args.quiet),
        clients=client_factory(args, session),
    )


def add_retry_options(group) -> None:
    """Retry budget, timeouts and deadline; README "Retries, timeouts and the deadline"."""
    from scanner.collect.session import (
        CONNECT_TIMEOUT,
        MAX_ATTEMPTS,
        READ_TIMEOUT,
        RETRY_MODE,
        RETRY_MODES,
    )

    group.add_argument(
        "--max-attempts",
        type=_positive(int),
        default=MAX_ATTEMPTS,
        metavar="N",
        help=f"attempts per AWS call, the first included, before it is recorded as failed "
        f"(default: {MAX_ATTEMPTS})",
    )
    for name, default in (("connect", CONNECT_TIMEOUT), ("read", READ_TIMEOUT)):
        group.add_argument(
            f"--{name}-timeout",
            type=_positive(float),
            default=default,
            metavar="SECONDS",
            help=f"{name} timeout of each attempt (default: {default})",
        )
    group.add_argument(
        "--retry-mode",
        choices=RETRY_MODES,
        default=RETRY_MODE,
        help="botocore retry mode: adaptive also slows a throttled client down (default: "
        f"{RETRY_MODE})",
    )
    group.add_argument(
        "--deadline",
        type=_duration,
        metavar="DURATION",
        help="stop calling AWS after this long (90, 90s, 15m, 1h): what is not collected by "
        "then is recorded as DeadlineExceeded, the snapshot is still written, exit 3",
    )


def client_factory(args: argparse.Namespace, session):
    """The caller's clients, with the retry budget and deadline the options ask for."""
    from scanner.collect.calls import Deadline
    from scanner.collect.session import ClientFactory, RetryBudget

    return ClientFactory(
        session,
        endpoint_url=args.endpoint_url,
        max_workers=args.max_workers,
        budget=RetryBudget(
            args.max_attempts, args.connect_timeout, args.read_timeout, args.retry_mode
        ),
        deadline=Deadline(args.deadline) if args.deadline else None,
    )


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its message
    return parse


_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def _duration(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text.lower())
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90, 90s, 15m or 1h")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


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
    from scanner.collect.collector import inventory_errors

    iam = sum(len(section["errors"]) for section in (snapshot.get("iam") or {}).values())
    return len(snapshot["errors"]) + iam + sum(inventory_errors(s) for s in snapshot["inventory"])


def add_account_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "several accounts",
        "Scan other accounts by assuming --role-name in each; the caller's own account is "
        "scanned with the caller's credentials. An account whose role cannot be assumed gets "
        "ERROR cells (exit 3); the scan goes on.",
    )
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--org",
        action="store_true",
        help="every ACTIVE account of the organisation (run from the management account or a "
        "delegated administrator)",
    )
    which.add_argument("--accounts", metavar="IDS", help="comma-separated account ids")
    which.add_argument(
        "--accounts-file", metavar="FILE", help="account ids, one per line; '#' starts a comment"
    )
    group.add_argument(
        "--role-name", metavar="NAME", help="the role to assume in each account (ecrscan-audit)"
    )
    group.add_argument(
        "--external-id", metavar="ID", help="the external id the role's trust policy requires"
    )
    group.add_argument(
        "--quiet",
        action="store_true",
        help="no progress line on stderr (it is drawn only when stderr is a terminal)",
    )


# IAM role names (with an optional path) and STS external ids, as STS validates them.
_ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,512}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


def account_plan(args: argparse.Namespace):
    """The AccountPlan the account options describe, or None for the caller's account alone."""
    from scanner.collect.accounts import AccountPlan, parse_account_ids, read_accounts_file

    many = args.org or args.accounts is not None or args.accounts_file is not None
    if not many:
        if args.role_name or args.external_id:
            raise InputError(
                "--role-name and --external-id need --org, --accounts or --accounts-file"
            )
        return None
    if not args.role_name or not _ROLE_NAME.match(args.role_name):
        raise InputError(
            "--org, --accounts and --accounts-file need --role-name, the name of "
            "the role to assume in each account"
        )
    if args.external_id is not None and not _EXTERNAL_ID.match(args.external_id):
        raise InputError(
            "--external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-"
        )
    ids = ()
    if args.accounts is not None:
        ids = tuple(parse_account_ids(args.accounts))
    elif args.accounts_file is not None:
        ids = tuple(read_accounts_file(args.accounts_file))
    return AccountPlan(args.role_name, args.external_id, organization=args.org, account_ids=ids)

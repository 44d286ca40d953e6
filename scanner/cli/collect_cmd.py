"""`ecrscan collect`: snapshot an account's ECR estate into a JSON file."""

import argparse
import math
import re
import sys

from scanner import snapshot as snapshots
from scanner.cli.options import emit
from scanner.errors import ExitCode, InputError
from scanner.text_safety import json_text


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
        "--repository",
        action="append",
        metavar="NAME",
        help="collect only this repository (repeat for several) with the registry settings, in "
        "a handful of requests; VPC controls are regional and run only when --controls names "
        "them. Its results merge into a full scan's with `ecrscan merge FULL --update ...`",
    )
    group.add_argument(
        "--max-workers",
        type=_positive(int, most=MAX_WORKERS),
        default=8,
        metavar="N",
        help=f"concurrent per-repository calls, 1 to {MAX_WORKERS} (default: 8)",
    )
    add_retry_options(group)
    add_account_options(parser)


def collect(args: argparse.Namespace, network: bool = False) -> dict:
    """The snapshot the collection options ask for; network: a --repository scan also collects
    the region's network (its VPC controls were asked for)."""
    from scanner.collect import collect_snapshot, open_session
    from scanner.collect.progress import Progress
    from scanner.collect.regions import check_region_names
    from scanner.collect.session import check_endpoint_url

    # Refuse bad options before any AWS call.
    plan = account_plan(args)
    selection = repository_selection(args, network)
    if args.region:
        check_region_names(args.region)
    check_endpoint_url(args.endpoint_url)
    session = open_session(args.profile)
    regions = args.region or [_default_region(session)]
    return collect_snapshot(
        session,
        regions,
        endpoint_url=args.endpoint_url,
        max_workers=args.max_workers,
        accounts=plan,
        progress=Progress.on(sys.stderr, quiet=args.quiet),
        clients=client_factory(args, session),
        selection=selection,
    )


# Where a scan goes when neither --region nor the AWS configuration names a region.
FALLBACK_REGION = "us-east-1"


def _default_region(session) -> str:
    """The configured region (AWS_REGION, AWS_DEFAULT_REGION, the profile), checked; or the
    fallback, said on stderr: a scan of the wrong region would find nothing and read clean."""
    from scanner.collect.regions import check_region_names

    if session.region_name:
        check_region_names([session.region_name], source="the configured region")
        return session.region_name
    print(
        f"ecrscan: no region given (--region) or configured (AWS_REGION, AWS_DEFAULT_REGION, "
        f"the profile's region): scanning {FALLBACK_REGION}",
        file=sys.stderr,
    )
    return FALLBACK_REGION


# ECR's repository name rule (2 to 256 characters).
_REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def repository_selection(args: argparse.Namespace, network: bool = False):
    """The Selection `--repository` asks for, or None for a full scan."""
    from scanner.collect.targeted import Selection

    names = getattr(args, "repository", None)
    if not names:
        return None
    for name in names:
        if not (2 <= len(name) <= 256 and _REPOSITORY_NAME.match(name)):
            raise InputError(f"--repository {name!r} is not an ECR repository name")
    return Selection(tuple(dict.fromkeys(names)), network=network)


def add_retry_options(group) -> None:
    """Retry budget, timeouts and deadline; docs/usage.md "Retries, timeouts and the deadline"."""
    from scanner.collect.retry_defaults import (
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


# Threads and connections per region; ECR's per-account rate limits make more pointless.
MAX_WORKERS = 64


def _positive(kind, most: float = math.inf):
    def parse(text: str):
        value = kind(text)
        if not 0 < value <= most or not math.isfinite(value):
            limit = "" if most == math.inf else f" and at most {most}"
            raise argparse.ArgumentTypeError(f"must be a number greater than 0{limit}, not {text}")
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
        emit(json_text(snapshot, indent=2) + "\n", None)  # C1 controls as \\u escapes
    warning = incomplete_warning(snapshot)
    if warning:
        print(warning, file=sys.stderr)
        return ExitCode.UNDECIDED
    return ExitCode.OK


# What to do about the top-level errors users meet most.
_HINTS = {
    "ListAccounts": "--org needs the management account or a delegated administrator; "
    "or name the accounts with --accounts",
    "DescribeRegions": "allow ec2:DescribeRegions, or name the regions with --region",
    "AssumeRole": "check --role-name and that role's trust policy in that account",
}


_SCOPE = (("account_id", "account"), ("region", "region"))


def incomplete_warning(snapshot: dict) -> str | None:
    """One stderr line when the snapshot records errors; it names the first top-level error
    (a whole account or region left unseen), which outranks the per-field ones."""
    from scanner.collect.collector import inventory_errors
    from scanner.text_safety import for_terminal, neutralise_log_commands

    top = snapshot["errors"]
    iam = sum(len(section["errors"]) for section in (snapshot.get("iam") or {}).values())
    total = len(top) + iam + sum(inventory_errors(entry) for entry in snapshot["inventory"])
    if not total:
        return None
    counted = f"{total} collection error(s) recorded in the snapshot"
    if not top:
        return f"ecrscan: {counted}"
    first = top[0]
    where = ", ".join(f"{label} {first[k]}" for k, label in _SCOPE if first.get(k))
    text = f"{first['operation']} failed with {first['code']}" + (f" ({where})" if where else "")
    more = f" and {len(top) - 1} more" if len(top) > 1 else ""
    hint = f": {_HINTS[first['operation']]}" if first["operation"] in _HINTS else ""
    line = f"ecrscan: warning: collection incomplete: {text}{more}{hint}; {counted}"
    return neutralise_log_commands(for_terminal(line))


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
        help="no progress on stderr (a line redrawn on a terminal; a plain line every 20 s "
        "when stderr is a file or pipe, as in CI)",
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

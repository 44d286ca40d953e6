"""`ecrscan export securityhub RESULTS`: import a results file's findings into AWS Security Hub.

The one ecrscan command that writes to AWS. It runs under its own role (`ecrscan iam-policy
--export` prints that role's policy), never the read-only scanning role.
"""

import argparse
import json
import re
import sys

from scanner.cli.options import emit
from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import load_results

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
# Refusals printed on stderr; the rest are counted (all of them are in --output's report).
SHOWN_REFUSALS = 20


def register(commands) -> None:
    export = commands.add_parser(
        "export",
        help="send a results file's findings to AWS Security Hub",
        description="Send findings to a service that collects them. Exporting writes to AWS, so "
        "it runs under its own role, never the read-only scanning role.",
    )
    targets = export.add_subparsers(dest="target", metavar="TARGET", required=True)
    hub = targets.add_parser(
        "securityhub",
        help="import the findings into AWS Security Hub (BatchImportFindings)",
        description="Import every finding of RESULTS (from `--format json`) into AWS Security "
        "Hub as ASFF: one finding per control and resource, updated in place on the next import. "
        "Each finding goes to its own account's hub in its resource's region (or --region). "
        "Exit 0 when all were imported, 3 when Security Hub refused some (each is listed).",
    )
    hub.add_argument("results", metavar="RESULTS", help="results JSON file")
    hub.add_argument("--profile", help="AWS profile of the export role")
    hub.add_argument(
        "--region",
        metavar="REGION",
        help="import every finding into this region's Security Hub (default: each finding's "
        "own region; aggregate them with Security Hub's cross-region aggregation)",
    )
    hub.add_argument("--endpoint-url", metavar="URL", help="send every AWS call here (emulators)")
    hub.add_argument(
        "--role-name",
        metavar="NAME",
        help="for findings of other accounts: the role to assume in each, which may call "
        "securityhub:BatchImportFindings (Security Hub imports a finding only from its account)",
    )
    hub.add_argument("--external-id", metavar="ID", help="the external id that role requires")
    hub.add_argument("--output", metavar="FILE", help="also write the import report (JSON) to FILE")
    from scanner.cli.collect_cmd import add_retry_options

    add_retry_options(hub.add_argument_group("retries"))
    hub.set_defaults(handler=run, max_workers=1)


def run(args: argparse.Namespace) -> int:
    from scanner.cli.collect_cmd import client_factory
    from scanner.collect import open_session
    from scanner.export.securityhub import export_findings
    from scanner.export.sessions import AccountClients, caller_identity
    from scanner.render.asff_format import findings as asff_findings

    if args.region is not None and not _REGION.match(args.region):
        raise InputError(f"--region {args.region!r} is not an AWS region name")
    results = load_results(args.results)
    findings = asff_findings(results, import_region=args.region)
    session = open_session(args.profile)
    home = args.region or session.region_name or "us-east-1"
    base = client_factory(args, session)
    account, partition = caller_identity(base, home)
    _refuse_foreign_accounts(findings, account, args.role_name)
    clients = AccountClients(base, account, partition, home, args.role_name, args.external_id)
    report = export_findings(findings, clients)
    if args.output:
        emit(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", args.output)
    _tell(report)
    return ExitCode.UNDECIDED if report.refused else ExitCode.OK


def _refuse_foreign_accounts(findings, caller: str, role_name: str | None) -> None:
    """Before any import: findings of other accounts need a role there, and findings of an
    unknown account (planned infrastructure) cannot go to any hub."""
    accounts = sorted({str(f["AwsAccountId"]) for f in findings})
    unknown = [a for a in accounts if not (a.isdigit() and len(a) == 12)]
    if unknown:
        raise InputError(
            f"findings of account {unknown[0]!r} cannot be imported: Security Hub needs the "
            "12-digit account that owns them (for ecrscan iac, set account_id in the config)"
        )
    foreign = [a for a in accounts if a != caller]
    if foreign and not role_name:
        raise InputError(
            f"the results hold findings of {len(foreign)} account(s) besides {caller} "
            f"({', '.join(foreign[:5])}); Security Hub imports a finding only from its own "
            "account: give --role-name, a role in each that may call BatchImportFindings"
        )


def _tell(report) -> None:
    print(
        f"ecrscan: imported {report.imported_count} finding(s) into Security Hub", file=sys.stderr
    )
    for (account, region), count in sorted(report.imported.items()):
        print(f"  {account} {region}: {count}", file=sys.stderr)
    if report.refused:
        print(f"ecrscan: Security Hub refused {len(report.refused)} finding(s):", file=sys.stderr)
        for refused in report.refused[:SHOWN_REFUSALS]:
            line = f"  {refused.id}: {refused.code}: {refused.message}"
            print(_inert(line), file=sys.stderr)
        if len(report.refused) > SHOWN_REFUSALS:
            print(f"  ... and {len(report.refused) - SHOWN_REFUSALS} more", file=sys.stderr)


def _inert(text: str) -> str:
    """Control characters (from an AWS message that echoes input) escaped for the terminal."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)

"""`ecrscan iac PATH...`: judge planned infrastructure (Terraform plans, CloudFormation
templates) with the same controls, before it is applied. docs/ci.md shows the CI jobs."""

import argparse
import sys

from scanner import snapshot as snapshots
from scanner.audit.suppressions import suppressions_by_resource
from scanner.cli.audit_trail import AuditTrail
from scanner.cli.options import (
    add_evaluation_options,
    add_output_options,
    catalogue_from,
    check_workers,
    config_from,
    engine_from,
    policies_from,
)
from scanner.cli.pipeline import judge, publish
from scanner.cli.run_options import RunOptions
from scanner.errors import InputError
from scanner.evaluate.metadata import record
from scanner.iac import Settings, load_sources
from scanner.iac.sources import parse_stack_env
from scanner.iac.suppressions import check_known


def register(commands) -> None:
    parser = commands.add_parser(
        "iac",
        help="judge Terraform plans and CloudFormation templates before they are applied",
        description="Turn Terraform plan JSON (`terraform show -json plan.out`) and "
        "CloudFormation templates (YAML or JSON) into a snapshot and judge it with the same "
        "controls. Values known only after apply are ERROR, never PASS.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="Terraform plan JSON, CloudFormation templates, directories to walk for them, "
        "CDK cloud assemblies (cdk.out)",
    )
    parser.add_argument(
        "--account-id",
        metavar="ID",
        help="the account that will own the resources (default: account_id in --config, else "
        "what the plan tells: data.aws_caller_identity, allowed_account_ids)",
    )
    parser.add_argument(
        "--region",
        metavar="REGION",
        help="the region a CloudFormation template is deployed to (Terraform plans name theirs "
        "in the provider; this is their fallback)",
    )
    parser.add_argument(
        "--stack-env",
        action="append",
        default=[],
        metavar="GLOB=aws://ACCOUNT/REGION",
        help="the account and region of the sources whose path (or CDK stack name) matches "
        "GLOB; repeatable, first match wins; overrides a CDK environment, --account-id and "
        "--region (either part may be unknown-account / unknown-region)",
    )
    parser.add_argument(
        "--skip-unrecognised",
        action="store_true",
        help="skip, with a note on stderr, a named file that is neither a Terraform plan nor a "
        "CloudFormation template (as files found in a directory always are)",
    )
    parser.add_argument(
        "--save-snapshot", metavar="FILE", help="also keep the snapshot built from the sources"
    )
    add_evaluation_options(parser)
    add_output_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    options = RunOptions.from_args(args)  # refuses conflicting outputs before any work
    check_workers(options.engine)
    config = config_from(options.selection)
    catalogue = catalogue_from(options.selection)  # suppressions may name any control
    policies = policies_from(options.selection, catalogue)
    if args.account_id is not None and not (
        args.account_id.isdigit() and len(args.account_id) == 12
    ):
        raise InputError(f"--account-id {args.account_id!r} is not a 12-digit account id")
    settings = Settings(account_id=args.account_id or config.account_id, region=args.region)
    envs = [parse_stack_env(text) for text in args.stack_env]
    notes: list[str] = []
    snapshot = load_sources(
        args.paths,
        settings,
        stack_envs=envs,
        skip_unrecognised=args.skip_unrecognised,
        notes=notes,
    )
    for note in notes:
        print(f"ecrscan: note: {note}", file=sys.stderr)
    suppressions = suppressions_by_resource(snapshot)
    known = {c.id for c in catalogue.controls}
    for resource_id, by_control in suppressions.items():
        check_known(
            [{"control_id": c, "reason": r} for c, r in by_control.items()], known, resource_id
        )
    if args.save_snapshot:
        snapshots.save(snapshot, args.save_snapshot)
    engine_factory = engine_from(options.engine)
    trail = AuditTrail(options.audit)  # iac takes no waivers and keeps no history
    results = judge(
        snapshot, policies, config, trail, engine=options.engine, engine_factory=engine_factory
    )
    record(results, "sources", list(args.paths))
    code = publish(results, options)
    _warn_unknown_owner(snapshot)
    return code


def _warn_unknown_owner(snapshot: dict) -> None:
    if any(scope["account_id"] == "unknown" for scope in snapshot["inventory"]):
        print(
            "ecrscan: note: the owning account is not in the sources; pass --account-id so "
            "repository policies that name accounts can be judged",
            file=sys.stderr,
        )

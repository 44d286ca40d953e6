"""`ecrscan evaluate SNAPSHOT`, `ecrscan report RESULTS` and `ecrscan scan`."""

import argparse

from scanner import snapshot as snapshots
from scanner.audit.baseline import apply_baseline, gating
from scanner.cli import audit_trail, collect_cmd
from scanner.cli.options import (
    add_evaluation_options,
    add_output_options,
    check_workers,
    config_from,
    emit_all,
    engine_from,
    policies_from,
)
from scanner.cli.pipeline import judge
from scanner.clock import utc_now
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.results import Results, exit_code, load_results
from scanner.render import RENDERERS
from scanner.render.incomplete import warn_if_incomplete
from scanner.resources import policy_dir


def register(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="judge a stored snapshot with the controls",
        description="Evaluate a snapshot (from `ecrscan collect`) offline; report the verdicts.",
    )
    evaluate.add_argument("snapshot", metavar="SNAPSHOT", help="snapshot JSON file")
    add_evaluation_options(evaluate)
    audit_trail.add_waiver_options(evaluate)
    audit_trail.add_history_options(evaluate)
    add_output_options(evaluate)
    evaluate.set_defaults(handler=run_evaluate)

    report = commands.add_parser(
        "report",
        help="render a results file again in any format",
        description="Render a results file (from `--format json`) again, in any format: "
        + ", ".join(sorted(RENDERERS))
        + ". Waivers and a baseline can be applied; the exit code gates as `evaluate` does.",
    )
    report.add_argument("results", metavar="RESULTS", help="results JSON file")
    audit_trail.add_waiver_options(report)
    add_output_options(report)
    report.set_defaults(handler=run_report)

    scan = commands.add_parser(
        "scan",
        help="collect, evaluate and report in one go",
        description="Collect a snapshot from AWS, evaluate it and report the verdicts.",
    )
    collect_cmd.add_collection_options(scan)
    scan.add_argument("--save-snapshot", metavar="FILE", help="also keep the snapshot as evidence")
    add_evaluation_options(scan)
    audit_trail.add_waiver_options(scan)
    audit_trail.add_history_options(scan)
    add_output_options(scan)
    scan.set_defaults(handler=run_scan)


def run_evaluate(args: argparse.Namespace) -> int:
    check_workers(args)
    catalogue = load_policies(args.policy_dir or policy_dir())
    policies, config = policies_from(args, catalogue), config_from(args)
    audit_trail.prepare(args, catalogue.ids())
    snapshot = snapshots.load(args.snapshot)
    return publish(_judge(snapshot, policies, config, args), args)


def run_report(args: argparse.Namespace) -> int:
    results = load_results(args.results)
    judged_with = {c["id"] for c in results.controls}
    audit_trail.prepare(args, load_policies(policy_dir()).ids() | judged_with)
    return publish(audit_trail.finish(results, args), args)


def run_scan(args: argparse.Namespace) -> int:
    check_workers(args)
    catalogue = load_policies(args.policy_dir or policy_dir())
    policies, config = policies_from(args, catalogue), config_from(args)  # before AWS calls
    # A --repository scan collects the region's network only when --controls asks for VPC ones.
    args.repository_network = bool(args.controls) and any(
        c.resource_type == "vpc" for c in policies.controls
    )
    audit_trail.prepare(args, catalogue.ids())
    snapshot = collect_cmd.collect(args)
    collected = utc_now()
    if args.save_snapshot:
        snapshots.save(snapshot, args.save_snapshot)
    return publish(_judge(snapshot, policies, config, args, collection_finished_at=collected), args)


def _judge(snapshot, policies, config, args, **kwargs) -> Results:
    return judge(
        snapshot,
        policies,
        config,
        args,
        engine_factory=engine_from(args),
        workers=args.workers,
        **kwargs,
    )


def publish(results: Results, args: argparse.Namespace) -> int:
    """Every requested format, then the exit code; failures a --baseline knew do not count."""
    if getattr(args, "baseline", None):
        apply_baseline(results, args.baseline)
    emit_all(results, args)
    incomplete = warn_if_incomplete(results.metadata)
    if getattr(args, "soft_fail", False):
        return 0
    errors_from = args.fail_on if getattr(args, "errors_follow_fail_on", False) else "LOW"
    return exit_code(gating(results.results), args.fail_on, errors_from, incomplete=incomplete)

"""`ecrscan evaluate SNAPSHOT`, `ecrscan report RESULTS` and `ecrscan scan`."""

import argparse

from scanner import snapshot as snapshots
from scanner.cli import audit_trail, collect_cmd
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
from scanner.clock import utc_now
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.results import load_results
from scanner.render import RENDERERS
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
    options = RunOptions.from_args(args)
    check_workers(options.engine)
    catalogue = catalogue_from(options.selection)
    policies, config = policies_from(options.selection, catalogue), config_from(options.selection)
    trail = audit_trail.prepare(options.audit, catalogue.ids())
    snapshot = snapshots.load(args.snapshot)
    engine_factory = engine_from(options.engine)
    results = judge(
        snapshot, policies, config, trail, engine=options.engine, engine_factory=engine_factory
    )
    return publish(results, options)


def run_report(args: argparse.Namespace) -> int:
    options = RunOptions.from_args(args)
    results = load_results(args.results)
    judged_with = {c["id"] for c in results.controls}
    trail = audit_trail.prepare(options.audit, load_policies(policy_dir()).ids() | judged_with)
    return publish(trail.finish(results), options)


def run_scan(args: argparse.Namespace) -> int:
    options = RunOptions.from_args(args)
    check_workers(options.engine)
    catalogue = catalogue_from(options.selection)
    policies = policies_from(options.selection, catalogue)
    config = config_from(options.selection)  # before AWS calls: a typo costs nothing
    trail = audit_trail.prepare(options.audit, catalogue.ids())
    engine_factory = engine_from(options.engine)
    # A --repository scan collects the region's network only when --controls asks for VPC ones.
    network = options.selection.controls is not None and any(
        c.applies_to("vpc") for c in policies.controls
    )
    snapshot = collect_cmd.collect(args, network=network)
    collected = utc_now()
    if args.save_snapshot:
        snapshots.save(snapshot, args.save_snapshot)
    results = judge(
        snapshot,
        policies,
        config,
        trail,
        engine=options.engine,
        engine_factory=engine_factory,
        collection_finished_at=collected,
    )
    return publish(results, options)

"""`ecrscan evaluate SNAPSHOT`, `ecrscan report RESULTS` and `ecrscan scan`."""

import argparse

from scanner import snapshot as snapshots
from scanner.cli import collect_cmd
from scanner.cli.options import (
    add_evaluation_options,
    add_output_options,
    check_workers,
    config_from,
    emit,
    policies_from,
)
from scanner.evaluate.engines import ENGINES
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.evaluate.results import Results, exit_code, load_results
from scanner.render import RENDERERS


def register(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="judge a stored snapshot with the controls",
        description="Evaluate a snapshot (from `ecrscan collect`) offline; report the verdicts.",
    )
    evaluate.add_argument("snapshot", metavar="SNAPSHOT", help="snapshot JSON file")
    add_evaluation_options(evaluate)
    add_output_options(evaluate)
    evaluate.set_defaults(handler=run_evaluate)

    report = commands.add_parser(
        "report",
        help="render a results file again in any format",
        description="Render a results file (from `--format json`) as a table, CSV or JSON.",
    )
    report.add_argument("results", metavar="RESULTS", help="results JSON file")
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
    add_output_options(scan)
    scan.set_defaults(handler=run_scan)


def run_evaluate(args: argparse.Namespace) -> int:
    check_workers(args)
    policies, config = policies_from(args), config_from(args)
    snapshot = snapshots.load(args.snapshot)
    return publish(
        evaluate_snapshot(
            snapshot, policies, config, engine_factory=ENGINES[args.engine], workers=args.workers
        ),
        args,
    )


def run_report(args: argparse.Namespace) -> int:
    return publish(load_results(args.results), args)


def run_scan(args: argparse.Namespace) -> int:
    check_workers(args)
    policies, config = policies_from(args), config_from(args)  # fail fast, before AWS calls
    snapshot = collect_cmd.collect(args)
    if args.save_snapshot:
        snapshots.save(snapshot, args.save_snapshot)
    return publish(
        evaluate_snapshot(
            snapshot, policies, config, engine_factory=ENGINES[args.engine], workers=args.workers
        ),
        args,
    )


def publish(results: Results, args: argparse.Namespace) -> int:
    emit(RENDERERS[args.format](results), args.output)
    return exit_code(results.results, args.fail_on)

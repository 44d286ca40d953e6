"""Options shared by several commands, defined once."""

import argparse
import sys
from pathlib import Path

from scanner.config import load_config
from scanner.errors import InputError
from scanner.evaluate.catalog import SEVERITIES, PolicySet, load_policies
from scanner.evaluate.engines import ENGINES
from scanner.fileio import write_text_atomic
from scanner.render import RENDERERS
from scanner.resources import policy_dir


def add_evaluation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evaluation")
    group.add_argument(
        "--config",
        metavar="FILE",
        help="YAML configuration (trusted accounts, organisation, VPC scope)",
    )
    group.add_argument(
        "--controls",
        metavar="IDS",
        help="comma-separated control ids to run (default: all)",
    )
    group.add_argument(
        "--policy-dir",
        metavar="DIR",
        type=Path,
        help="evaluate the Rego controls in DIR instead of the bundled ones",
    )
    group.add_argument(
        "--engine",
        choices=sorted(ENGINES),
        default="regopy",
        help="Rego engine: regopy (embedded, default) or opa-embedded (Go OPA, optional wheel)",
    )
    group.add_argument(
        "--workers", type=int, default=2, metavar="N", help="evaluation threads (default: 2)"
    )


def add_output_options(parser: argparse.ArgumentParser, gate: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        choices=sorted(RENDERERS),
        default="table",
        help="output format (default: table)",
    )
    group.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    if gate:
        add_gate_option(group)


def add_gate_option(group) -> None:
    group.add_argument(
        "--fail-on",
        type=str.upper,
        choices=SEVERITIES,
        default="LOW",
        metavar="SEVERITY",
        help="exit 1 for failures of this severity or higher: LOW (default), MEDIUM, HIGH, "
        "CRITICAL",
    )


def policies_from(args: argparse.Namespace) -> PolicySet:
    policies = load_policies(args.policy_dir or policy_dir())
    ids = [i.strip() for i in (args.controls or "").split(",") if i.strip()]
    return policies.select(ids)


def config_from(args: argparse.Namespace):
    return load_config(args.config)


def check_workers(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise InputError("--workers must be at least 1")


def emit(text: str, output: str | None) -> None:
    if output:
        write_text_atomic(text, output)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()

"""`ecrscan controls`: the catalogue, straight from the METADATA blocks."""

import argparse
import json
from pathlib import Path

from tabulate import tabulate

from scanner.catalog_docs import controls_markdown
from scanner.cli.options import emit
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "controls",
        help="list the controls and what they check",
        description="List every control: id, resource type, severity, desired state.",
    )
    parser.add_argument(
        "--format",
        choices=["table", "markdown", "json"],
        default="table",
        help="table (default), markdown (the README's table) or json (each control's metadata)",
    )
    parser.add_argument(
        "--policy-dir", metavar="DIR", type=Path, help="list the controls in DIR instead"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    controls = load_policies(args.policy_dir or policy_dir()).controls
    if args.format == "markdown":
        emit(controls_markdown(controls), None)
    elif args.format == "json":
        emit(json.dumps([c.summary() for c in controls], indent=2) + "\n", None)
    else:
        rows = [[c.id, ", ".join(c.resource_types), c.severity, c.title] for c in controls]
        emit(tabulate(rows, headers=["id", "resource", "severity", "desired state"]) + "\n", None)
    return 0

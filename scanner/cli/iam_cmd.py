"""`ecrscan iam-policy`: the read-only IAM policy the collector needs.

Generated from the permission declared beside each collector call, so it cannot drift from
what the collector does.
"""

import argparse
import json

from scanner.cli.options import emit


def register(commands) -> None:
    parser = commands.add_parser(
        "iam-policy",
        help="print the least-privilege IAM policy that collection needs",
        description="Print the read-only IAM policy document for the scanning role, generated "
        "from the operations the collector declares.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scanner.collect import iam_policy

    emit(json.dumps(iam_policy(), indent=2) + "\n", None)
    return 0

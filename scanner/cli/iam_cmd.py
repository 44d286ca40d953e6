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
    parser.add_argument(
        "--role-name",
        metavar="NAME",
        help="print instead the policy of the scanner's central role for multi-account scans: "
        "the read-only policy plus organizations:ListAccounts and sts:AssumeRole on role NAME "
        "in every account (the same NAME as scan --role-name)",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="print instead the policy of the export role (`ecrscan export securityhub`): "
        "securityhub:BatchImportFindings, and with --role-name sts:AssumeRole on that role "
        "in each account whose findings it imports",
    )
    parser.add_argument(
        "--doctor",
        action="store_true",
        help="also allow what `ecrscan doctor` reads of one role (iam:GetRole, its policies and "
        "instance profile)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scanner.collect import iam_policy
    from scanner.collect.permissions import central_role_policy, export_policy

    if args.export:
        document = export_policy(args.role_name)
    elif args.role_name:
        document = central_role_policy(args.role_name)
    else:
        document = iam_policy(args.doctor)
    emit(json.dumps(document, indent=2) + "\n", None)
    return 0

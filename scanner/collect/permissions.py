"""Every AWS operation the collector may call, and the IAM action each one needs.

This table is the single declaration: `calls.call` and `calls.paginate` refuse any operation that
is not in it, a test proves that every call made during a collection is declared, and the
read-only IAM policy users attach is generated from it, so the documentation cannot drift.
"""

from typing import Any

# Marks an operation that any authenticated principal may call without an IAM permission.
NO_PERMISSION_NEEDED = None

DECLARED_OPERATIONS: dict[tuple[str, str], str | None] = {
    # Who is calling: works for any valid credentials, even with every action denied.
    ("sts", "GetCallerIdentity"): NO_PERMISSION_NEEDED,
    # Which regions the account has enabled (only for `--region all`).
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    # Registry-wide settings, once per region.
    ("ecr", "DescribeRegistry"): "ecr:DescribeRegistry",
    ("ecr", "GetRegistryScanningConfiguration"): "ecr:GetRegistryScanningConfiguration",
    ("ecr", "GetRegistryPolicy"): "ecr:GetRegistryPolicy",
    ("ecr", "DescribePullThroughCacheRules"): "ecr:DescribePullThroughCacheRules",
    ("ecr", "DescribeRepositoryCreationTemplates"): "ecr:DescribeRepositoryCreationTemplates",
    # Repositories and what hangs off each one.
    ("ecr", "DescribeRepositories"): "ecr:DescribeRepositories",
    # Every repository's tags in one listing per region, 100 a page (scanner.collect.tags).
    ("resourcegroupstaggingapi", "GetResources"): "tag:GetResources",
    ("ecr", "GetLifecyclePolicy"): "ecr:GetLifecyclePolicy",
    ("ecr", "GetRepositoryPolicy"): "ecr:GetRepositoryPolicy",
    ("ecr", "DescribeImages"): "ecr:DescribeImages",
    ("ecr", "BatchGetRepositoryScanningConfiguration"): (
        "ecr:BatchGetRepositoryScanningConfiguration"
    ),
    # Who manages each KMS key that encrypts a repository (customer or AWS).
    ("kms", "DescribeKey"): "kms:DescribeKey",
    # Findings for the newest image of each repository, under ENHANCED scanning only.
    ("inspector2", "ListFindings"): "inspector2:ListFindings",
    # The network paths to ECR: VPC endpoints and routes to the internet.
    ("ec2", "DescribeVpcs"): "ec2:DescribeVpcs",
    ("ec2", "DescribeSubnets"): "ec2:DescribeSubnets",
    ("ec2", "DescribeRouteTables"): "ec2:DescribeRouteTables",
    ("ec2", "DescribeVpcEndpoints"): "ec2:DescribeVpcEndpoints",
    ("ec2", "DescribeSecurityGroups"): "ec2:DescribeSecurityGroups",
    ("ec2", "DescribeNatGateways"): "ec2:DescribeNatGateways",
    # What pulls images (scanner.collect.consumers): ECS services, their task definitions and,
    # for EC2-hosted services, the container instances that pull for them.
    ("ecs", "ListClusters"): "ecs:ListClusters",
    ("ecs", "ListServices"): "ecs:ListServices",
    ("ecs", "DescribeServices"): "ecs:DescribeServices",
    ("ecs", "DescribeTaskDefinition"): "ecs:DescribeTaskDefinition",
    ("ecs", "ListContainerInstances"): "ecs:ListContainerInstances",
    ("ecs", "DescribeContainerInstances"): "ecs:DescribeContainerInstances",
    ("ec2", "DescribeInstances"): "ec2:DescribeInstances",
    # Lambda functions packaged as container images.
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("lambda", "GetFunction"): "lambda:GetFunction",
    # Who may pull and push: every role and the managed policies they use, once per account.
    ("iam", "GetAccountAuthorizationDetails"): "iam:GetAccountAuthorizationDetails",
}

# `ecrscan doctor` reads one role, not the whole account: the role, its inline and attached
# policies and, for an EC2-hosted service, its instance profile. Read-only like the rest; kept out
# of the collection policy, which never calls them (`ecrscan iam-policy --doctor` adds them).
DOCTOR_OPERATIONS: dict[tuple[str, str], str] = {
    ("iam", "GetRole"): "iam:GetRole",
    ("iam", "ListRolePolicies"): "iam:ListRolePolicies",
    ("iam", "GetRolePolicy"): "iam:GetRolePolicy",
    ("iam", "ListAttachedRolePolicies"): "iam:ListAttachedRolePolicies",
    ("iam", "GetPolicy"): "iam:GetPolicy",
    ("iam", "GetPolicyVersion"): "iam:GetPolicyVersion",
    ("iam", "GetInstanceProfile"): "iam:GetInstanceProfile",
}

# Verbs of operations that only read. A declared operation starting with anything else is a bug.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "BatchGet")

# Reaching other accounts (`--org`, `--accounts`): only the scanner's central role needs these,
# never the member-account roles, so they stay out of the read-only table and its policy and are
# granted by central_role_policy(). AssumeRole changes nothing; it only issues credentials.
ACCOUNT_ACCESS_OPERATIONS: dict[tuple[str, str], str] = {
    ("organizations", "ListAccounts"): "organizations:ListAccounts",
    ("sts", "AssumeRole"): "sts:AssumeRole",
}


# Writing findings to Security Hub (`ecrscan export securityhub`, the Lambda of the continuous
# mode). Never part of the scanning role: the export runs under a separate role whose policy is
# export_policy() (`ecrscan iam-policy --export`), and the collector refuses these operations.
EXPORT_OPERATIONS: dict[tuple[str, str], str] = {
    ("securityhub", "BatchImportFindings"): "securityhub:BatchImportFindings",
}

# The continuous mode's results store (scanner.export.results_store): each re-check's results
# and the latest state, in the S3 location the deployment names. Granted on that bucket only.
RESULTS_STORE_OPERATIONS: dict[tuple[str, str], str] = {
    ("s3", "PutObject"): "s3:PutObject",
    ("s3", "GetObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}


class UndeclaredOperationError(Exception):
    """The collector tried an operation missing from DECLARED_OPERATIONS (a programming error)."""


def is_declared(service: str, operation: str) -> bool:
    key = (service, operation)
    return (
        key in DECLARED_OPERATIONS or key in ACCOUNT_ACCESS_OPERATIONS or key in DOCTOR_OPERATIONS
    )


def require_declared(service: str, operation: str) -> None:
    if not is_declared(service, operation):
        raise UndeclaredOperationError(
            f"{service}:{operation} is not declared in scanner.collect.permissions"
        )


def required_actions() -> list[str]:
    """The IAM actions a collection needs, sorted and without duplicates."""
    return sorted({action for action in DECLARED_OPERATIONS.values() if action})


def iam_policy(doctor: bool = False) -> dict[str, Any]:
    """The least-privilege, read-only IAM policy document that lets ecrscan collect (and, with
    doctor, run `ecrscan doctor`)."""
    actions = required_actions()
    if doctor:
        actions = sorted(set(actions) | set(DOCTOR_OPERATIONS.values()))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcrscanReadOnly",
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
            }
        ],
    }


def central_role_policy(role_name: str, partition: str = "aws") -> dict[str, Any]:
    """The scanner's own role for multi-account scans: read-only in its account, plus listing the
    organisation's accounts and assuming `role_name` (and nothing else) in each of them."""
    document = iam_policy()
    document["Statement"].append(
        {
            "Sid": "EcrscanListAccounts",
            "Effect": "Allow",
            "Action": [ACCOUNT_ACCESS_OPERATIONS[("organizations", "ListAccounts")]],
            "Resource": "*",
        }
    )
    document["Statement"].append(
        {
            "Sid": "EcrscanAssumeAuditRole",
            "Effect": "Allow",
            "Action": [ACCOUNT_ACCESS_OPERATIONS[("sts", "AssumeRole")]],
            "Resource": f"arn:{partition}:iam::*:role/{role_name}",
        }
    )
    return document


def export_policy(role_name: str | None = None, partition: str = "aws") -> dict[str, Any]:
    """The export role's policy: BatchImportFindings only (findings land in the hub of the
    caller's own account), plus, for results of several accounts, sts:AssumeRole on `role_name`
    in each of them, since Security Hub imports a finding only from its own account."""
    statements = [
        {
            "Sid": "EcrscanImportFindings",
            "Effect": "Allow",
            "Action": sorted(EXPORT_OPERATIONS.values()),
            "Resource": f"arn:{partition}:securityhub:*:*:product/*/default",
        }
    ]
    if role_name:
        statements.append(
            {
                "Sid": "EcrscanAssumeExportRole",
                "Effect": "Allow",
                "Action": [ACCOUNT_ACCESS_OPERATIONS[("sts", "AssumeRole")]],
                "Resource": f"arn:{partition}:iam::*:role/{role_name}",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}

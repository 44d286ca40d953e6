"""The few AWS managed policies that grant an ECR pull, for judging roles that IaC declares.

A Terraform plan or CloudFormation template attaches AWS managed policies by ARN
(`arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`); their documents are
AWS's, never in the source, and `ecrscan iac` calls no AWS API. So the policies an execution
role usually gets its pull permissions from are kept here, each the default version AWS
publishes in the AWS Managed Policy Reference Guide
(https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<PolicyName>.html), with that
version's id. AWS rarely edits these (the version ids say when it did); a live scan reads the
current version instead (GetAccountAuthorizationDetails).

Any other AWS managed policy a role attaches is a policy whose document ecrscan iac does not
hold: it can neither grant nor be ignored (it might deny), so the cells it decides are ERROR,
naming it. The live scan (`ecrscan scan`) judges such roles with every document.
"""

from typing import Any

REFERENCE = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/{name}.html"
_PULL = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
]
_READ = [
    *_PULL,
    "ecr:GetRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:ListImages",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:GetLifecyclePolicy",
    "ecr:GetLifecyclePolicyPreview",
    "ecr:ListTagsForResource",
    "ecr:DescribeImageScanFindings",
]
_PUSH = [
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]


def _allow(actions: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": "*"}


# "<path><name>" after arn:<partition>:iam::aws:policy/ -> (default version id, document).
POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    "service-role/AmazonECSTaskExecutionRolePolicy": (
        "v1",
        {
            "Version": "2012-10-17",
            "Statement": [
                _allow([*_PULL, "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"])
            ],
        },
    ),
    "AmazonEC2ContainerRegistryReadOnly": (
        "v3",
        {"Version": "2012-10-17", "Statement": [_allow(_READ)]},
    ),
    "AmazonEC2ContainerRegistryPullOnly": (
        "v1",
        {
            "Version": "2012-10-17",
            "Statement": [
                _allow(
                    [
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchImportUpstreamImage",
                    ]
                )
            ],
        },
    ),
    "AmazonEC2ContainerRegistryPowerUser": (
        "v3",
        {"Version": "2012-10-17", "Statement": [_allow([*_READ, *_PUSH])]},
    ),
    "AmazonEC2ContainerRegistryFullAccess": (
        "v3",
        {
            "Version": "2012-10-17",
            "Statement": [
                _allow(["ecr:*", "cloudtrail:LookupEvents"]),
                {
                    "Effect": "Allow",
                    "Action": ["iam:CreateServiceLinkedRole"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"iam:AWSServiceName": ["replication.ecr.amazonaws.com"]}
                    },
                },
            ],
        },
    ),
    "AdministratorAccess": (
        "v1",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    ),
}


def aws_managed_name(arn: str) -> str | None:
    """`path/Name` of an AWS managed policy ARN (arn:<partition>:iam::aws:policy/...), else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2:5] != ["iam", "", "aws"]:
        return None
    resource = parts[5]
    return resource[len("policy/") :] if resource.startswith("policy/") else None


def vendored(arn: str) -> dict[str, Any] | None:
    """The snapshot's managed-policy item for an AWS managed policy ecrscan holds, else None."""
    name = aws_managed_name(arn)
    if name not in POLICIES:
        return None
    version, document = POLICIES[name]
    short = name.rsplit("/", 1)[-1]
    return {
        "Arn": arn,
        "PolicyName": short,
        "DefaultVersionId": version,
        "Document": document,
        "vendored": f"AWS managed policy {version}, as published at {REFERENCE.format(name=short)}",
    }

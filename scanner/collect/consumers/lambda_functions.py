"""A region's Lambda functions packaged as container images.

Requests: ListFunctions pages, then one GetFunction per function whose PackageType is Image (the
image URI and the digest Lambda resolved it to are only in GetFunction's Code). Zip functions
pull nothing from ECR and are left out.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, attempt, call, paginate
from scanner.collect.concurrency import map_concurrently
from scanner.collect.consumers.image_uri import parse_image_uri
from scanner.collect.jsonable import to_json

# Environment variables stay out of the snapshot: they may hold credentials.
CONFIGURATION_FIELDS = (
    "FunctionName",
    "FunctionArn",
    "Role",
    "PackageType",
    "State",
    "LastUpdateStatus",
    "Architectures",
    "VpcConfig",
)


def collect_lambda_functions(
    lam: BaseClient, errors: dict[str, ErrorRecord], max_workers: int
) -> list[dict[str, Any]] | None:
    """One record per image function, or None when the functions could not be listed."""
    functions = attempt(
        errors, "lambdaFunctions", lambda: paginate(lam, "ListFunctions", "Functions")
    )
    if functions is None:
        return None
    images = [f for f in functions if f.get("PackageType") == "Image"]
    return map_concurrently(
        lambda function: function_record(lam, function), images, max_workers, "ecrscan-lambda"
    )


def function_record(lam: BaseClient, listed: dict[str, Any]) -> dict[str, Any]:
    """The consumer record of one function; `listed` needs FunctionArn (and FunctionName), and
    stands in for GetFunction's Configuration if that call fails."""
    errors: dict[str, ErrorRecord] = {}
    try:
        answer = call(lam, "GetFunction", FunctionName=listed["FunctionArn"])
    except OperationFailed as failure:
        errors["function"] = failure.record
        answer = {"Configuration": listed, "Code": None}
    configuration = to_json(
        {
            f: answer["Configuration"][f]
            for f in CONFIGURATION_FIELDS
            if f in answer["Configuration"]
        }
    )
    code = to_json(answer.get("Code"))
    return {
        "kind": "lambda-function",
        "arn": configuration["FunctionArn"],
        "name": configuration["FunctionName"],
        "function": {
            "Configuration": configuration,
            "Code": code,
            "Tags": answer.get("Tags") or {},
        },
        "derived": {
            "images": [] if code is None else [_image(code)],
            "identities": [{"kind": "lambda-service", "functionArn": configuration["FunctionArn"]}],
            "network": _network(configuration),
        },
        "errors": errors,
    }


def _image(code: dict[str, Any]) -> dict[str, Any]:
    """The configured ImageUri, and the digest Lambda resolved it to: what the function runs."""
    parsed = parse_image_uri(code.get("ImageUri"))
    resolved = parse_image_uri(code.get("ResolvedImageUri")) if code.get("ResolvedImageUri") else {}
    return parsed | {
        "container": None,
        "taskDefinitionArn": None,
        "resolvedDigest": resolved.get("digest"),
        "privateRegistryCredentials": False,
        "errors": {},
    }


def _network(configuration: dict[str, Any]) -> dict[str, Any]:
    """Lambda pulls the image through its own service when the function is deployed, never
    from the function's VPC; the VPC settings are kept for the record."""
    vpc = configuration.get("VpcConfig") or {}
    return {
        "launchType": None,
        "networkModes": [],
        "pullsFrom": "lambda-service",
        "subnets": sorted(vpc.get("SubnetIds") or ()),
        "securityGroups": sorted(vpc.get("SecurityGroupIds") or ()),
        "assignPublicIp": None,
    }

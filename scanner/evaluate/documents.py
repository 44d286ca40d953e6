"""Snapshot in, one small input document per resource out.

Each document carries only what the policies read (parsing the input is half the cost of a
query), under the snapshot's own field names; docs/policies.md describes the shapes.
Regions whose repositories or VPCs could not be listed yield gaps: rows that must show ERROR.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_REPOSITORY_FIELDS = (
    "repositoryArn",
    "registryId",
    "repositoryName",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "imageScanningConfiguration",
    "encryptionConfiguration",
)
_REGISTRY_ERRORS = ("scanningConfiguration",)
_NETWORK_ERRORS = ("subnets", "routeTables", "vpcEndpoints")


@dataclass(frozen=True)
class Resource:
    resource_type: str
    resource_id: str
    name: str
    account_id: str
    region: str
    document: dict[str, Any]
    source: dict[str, Any] | None = None  # where an IaC source declared it


@dataclass(frozen=True)
class Gap:
    """A region where a whole kind of resource could not be listed."""

    resource_type: str
    resource_id: str
    account_id: str
    region: str
    error: dict[str, str]


def resources(snapshot: dict[str, Any]) -> Iterator[Resource]:
    partition = snapshot["partition"]
    for scope in snapshot["inventory"]:
        yield from _repositories(scope)
        yield from _vpcs(scope, partition)


def gaps(snapshot: dict[str, Any]) -> Iterator[Gap]:
    partition = snapshot["partition"]
    for scope in snapshot["inventory"]:
        account, region = scope["account_id"], scope["region"]
        if scope["repositories"] is None:
            yield Gap(
                "repository",
                f"arn:{partition}:ecr:{region}:{account}:repository/*",
                account,
                region,
                scope["errors"].get("repositories") or _unknown_error("DescribeRepositories"),
            )
        network = scope["network"]
        if network["vpcs"] is None:
            yield Gap(
                "vpc",
                f"arn:{partition}:ec2:{region}:{account}:vpc/*",
                account,
                region,
                network["errors"].get("vpcs") or _unknown_error("DescribeVpcs"),
            )


def _unknown_error(operation: str) -> dict[str, str]:
    return {"operation": operation, "code": "Unknown", "message": "not collected"}


def _repositories(scope: dict[str, Any]) -> Iterator[Resource]:
    registry = scope["registry"]
    registry_view = {
        "scanningConfiguration": registry["scanningConfiguration"],
        "errors": _pick(registry["errors"], _REGISTRY_ERRORS),
    }
    for record in scope["repositories"] or ():
        repository = record["repository"]
        yield Resource(
            resource_type="repository",
            resource_id=repository["repositoryArn"],
            name=repository["repositoryName"],
            account_id=scope["account_id"],
            region=scope["region"],
            document={
                "account_id": scope["account_id"],
                "region": scope["region"],
                "repository": _pick(repository, _REPOSITORY_FIELDS),
                "scanningConfiguration": record["scanningConfiguration"],
                "registry": registry_view,
                "derived": {
                    "lifecyclePolicy": record["derived"]["lifecyclePolicy"],
                    "repositoryPolicy": record["derived"]["repositoryPolicy"],
                },
                "errors": record["errors"],
            },
            source=record.get("source"),
        )


def _vpcs(scope: dict[str, Any], partition: str) -> Iterator[Resource]:
    network = scope["network"]
    errors = _pick(network["errors"], _NETWORK_ERRORS)
    account, region = scope["account_id"], scope["region"]
    for record in network["vpcs"] or ():
        vpc_id = record["vpc"]["VpcId"]
        yield Resource(
            resource_type="vpc",
            resource_id=f"arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
            name=vpc_id,
            account_id=account,
            region=region,
            document={
                "account_id": account,
                "region": region,
                "vpc": record["vpc"],
                "subnets": record["subnets"],
                "routeTables": record["routeTables"],
                "vpcEndpoints": record["vpcEndpoints"],
                "errors": errors,
            },
            source=record.get("source"),
        )


def _pick(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: mapping[key] for key in keys if key in mapping}

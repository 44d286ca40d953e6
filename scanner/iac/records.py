"""Snapshot records for planned infrastructure, shaped exactly like the live collector's.

The adapters (Terraform plans, CloudFormation templates) describe what will exist once the
change is applied; this module turns that into the records of scanner/snapshot/schema.json, so
the same Rego controls judge planned and live estates alike. A value the source cannot know
before apply or deploy becomes an entry under the record's `errors`, keyed by the field it would
have filled, and so an ERROR cell, never a PASS.
"""

from dataclasses import dataclass, field
from typing import Any

from scanner import __version__
from scanner.collect.policy_text import parse_optional_policy_text

UNKNOWN = "unknown"  # an account or region that the source does not tell
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Unknown:
    """A value known only once the change is applied (or the stack deployed)."""

    message: str


@dataclass(frozen=True)
class SourceKind:
    """How one kind of source names its unknowns: `{operation, code, message}` in `errors`."""

    operation: str  # "terraform plan"
    code: str  # "UnknownUntilApply"

    def error(self, message: str) -> dict[str, str]:
        return {"operation": self.operation, "code": self.code, "message": message}


TERRAFORM = SourceKind("terraform plan", "UnknownUntilApply")
CLOUDFORMATION = SourceKind("cloudformation template", "UnknownUntilDeploy")
ACCOUNT_CODE = "UnknownAccount"
REGION_CODE = "UnknownRegion"


def account_hint(kind: SourceKind, what: str) -> dict[str, str]:
    return {
        "operation": kind.operation,
        "code": ACCOUNT_CODE,
        "message": f"the account that owns {what} is not in the source; pass --account-id "
        "(or set account_id in the configuration)",
    }


def region_hint(kind: SourceKind, what: str) -> dict[str, str]:
    return {
        "operation": kind.operation,
        "code": REGION_CODE,
        "message": f"the region of {what} is not in the source; pass --region",
    }


@dataclass
class Scope:
    """What one (account, region) will hold: the registry, repositories and VPCs."""

    account_id: str
    region: str
    partition: str = "aws"
    registry: dict[str, Any] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)  # by source key
    vpcs: dict[str, dict[str, Any]] = field(default_factory=dict)  # by VpcId
    network_errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.registry = self.registry or empty_registry(self.account_id)


class Estate:
    """Every scope the sources describe, merged into one snapshot."""

    def __init__(self, partition: str = "aws"):
        self.partition = partition
        self.scopes: dict[tuple[str, str], Scope] = {}

    def scope(self, account_id: str, region: str) -> Scope:
        key = (account_id, region)
        if key not in self.scopes:
            self.scopes[key] = Scope(account_id, region, self.partition)
        return self.scopes[key]

    def snapshot(self, collected_at: str) -> dict[str, Any]:
        scopes = sorted(self.scopes.values(), key=lambda s: (s.account_id, s.region))
        accounts = {s.account_id for s in scopes}
        account = accounts.pop() if len(accounts) == 1 else UNKNOWN
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "ecrscan", "version": __version__},
            "collected_at": collected_at,
            "account_id": account,
            "partition": self.partition,
            "caller_arn": "",
            "regions": sorted({s.region for s in scopes}),
            "errors": [],
            "inventory": [_region_inventory(s) for s in scopes],
        }


def _region_inventory(scope: Scope) -> dict[str, Any]:
    return {
        "account_id": scope.account_id,
        "region": scope.region,
        "registry": scope.registry,
        "repositories": list(scope.repositories.values()),
        "network": {
            "vpcs": [finish_vpc(v) for v in scope.vpcs.values()],
            "errors": scope.network_errors,
        },
        "errors": {},
    }


def empty_registry(account_id: str) -> dict[str, Any]:
    """A registry the source does not configure: AWS's defaults (BASIC scanning, no rules).

    With no registry rules, a repository's own scanOnPush decides, as it does in AWS.
    """
    return {
        "registryId": None if account_id == UNKNOWN else account_id,
        "scanningConfiguration": {"scanType": "BASIC", "rules": []},
        "replicationConfiguration": {"rules": []},
        "registryPolicy": None,
        "derived": {"registryPolicy": None},
        "errors": {},
    }


def set_registry_policy(registry: dict[str, Any], text: str) -> None:
    registry["registryPolicy"] = {"registryId": registry["registryId"] or "", "policyText": text}
    registry["derived"]["registryPolicy"] = parse_optional_policy_text(text)


def repository_arn(scope: Scope, name: str) -> str:
    return f"arn:{scope.partition}:ecr:{scope.region}:{scope.account_id}:repository/{name}"


def repository_record(
    scope: Scope, name: str, settings: dict[str, Any], tags: dict[str, str], source: dict
) -> dict[str, Any]:
    """A repository as DescribeRepositories will describe it once created."""
    account = scope.account_id
    repository = {
        "repositoryArn": repository_arn(scope, name),
        "registryId": "" if account == UNKNOWN else account,
        "repositoryName": name,
        **settings,
    }
    return {
        "source": source,
        "repository": repository,
        "tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        "lifecyclePolicy": None,
        "repositoryPolicy": None,
        # Only configuration is known: the control derives the effective setting from the
        # registry's rules, as AWS will.
        "scanningConfiguration": None,
        "derived": {"lifecyclePolicy": None, "repositoryPolicy": None, "imageSummary": None},
        "errors": {},
    }


def set_lifecycle_policy(record: dict[str, Any], text: str) -> None:
    record["lifecyclePolicy"] = {"lifecyclePolicyText": text}
    record["derived"]["lifecyclePolicy"] = parse_optional_policy_text(text)


def set_repository_policy(record: dict[str, Any], text: str) -> None:
    record["repositoryPolicy"] = {"policyText": text}
    record["derived"]["repositoryPolicy"] = parse_optional_policy_text(text)


def vpc_record(
    vpc_id: str, cidr: Any, tags: dict[str, str], source: dict, main: str | None = None
) -> dict[str, Any]:
    """A VPC with the main route table AWS creates with it (only the local route)."""
    vpc = {"VpcId": vpc_id, "State": "available", "IsDefault": False}
    if isinstance(cidr, str):
        vpc["CidrBlock"] = cidr
    vpc["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    main = main or main_route_table_id(vpc_id)
    return {
        "source": source,
        "vpc": vpc,
        "subnets": [],
        "routeTables": [
            {
                "RouteTableId": main,
                "VpcId": vpc_id,
                "Associations": [{"Main": True, "RouteTableId": main}],
                "Routes": [_local_route(cidr)],
            }
        ],
        "vpcEndpoints": [],
        "errors": {},
    }


def main_route_table_id(vpc_id: str) -> str:
    return f"{vpc_id}/main-route-table"


def _local_route(cidr: Any) -> dict[str, Any]:
    route = {"GatewayId": "local", "State": "active"}
    if isinstance(cidr, str):
        route["DestinationCidrBlock"] = cidr
    return route


def find_route_table(vpc: dict[str, Any], table_id: str) -> dict[str, Any] | None:
    return next((t for t in vpc["routeTables"] if t["RouteTableId"] == table_id), None)


def finish_vpc(vpc: dict[str, Any]) -> dict[str, Any]:
    """Parse endpoint policies into derived, as the collector does; drop empty errors."""
    vpc["derived"] = {
        "vpcEndpointPolicies": {
            e["VpcEndpointId"]: parse_optional_policy_text(e.get("PolicyDocument"))
            for e in vpc["vpcEndpoints"]
        }
    }
    if not vpc.get("errors"):
        vpc.pop("errors", None)
    return vpc

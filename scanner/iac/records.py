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

    @property
    def document(self) -> str:
        """What a user calls one source of this kind: "plan", "template"."""
        return self.operation.rsplit(" ", 1)[-1]


TERRAFORM = SourceKind("terraform plan", "UnknownUntilApply")
CLOUDFORMATION = SourceKind("cloudformation template", "UnknownUntilDeploy")
ACCOUNT_CODE = "UnknownAccount"
REGION_CODE = "UnknownRegion"


def account_hint(kind: SourceKind, what: str) -> dict[str, str]:
    return {
        "operation": kind.operation,
        "code": ACCOUNT_CODE,
        "message": f"the account that owns {what} is not in the source; pass --account-id "
        "or --stack-env (or set account_id in the configuration)",
    }


def region_hint(kind: SourceKind, what: str) -> dict[str, str]:
    return {
        "operation": kind.operation,
        "code": REGION_CODE,
        "message": f"the region of {what} is not in the source; pass --region or --stack-env",
    }


def resource_id(file: str, kind: str, name: str) -> str:
    """The identity of a resource a source declares, in every result: its source, never a line.

    `iac:<file>#<kind>/<name>`: the file as the run names it (relative to the working directory
    when under it), the kind (repository, vpc, registry, ecs-service, lambda-function; iam-role
    and iam-policy in stand-in ARNs) and the Terraform address or
    CloudFormation logical id (for a registry, its region). `%` and `#` in the file are written
    %25 and %23, so the first `#` ends the file and distinct sources never share an id.
    """
    escaped = file.replace("%", "%25").replace("#", "%23")
    return f"iac:{escaped}#{kind}/{name}"


@dataclass
class Scope:
    """What one (account, region) will hold: the registry, repositories and VPCs.

    A scope whose account or region the source does not tell belongs to that source alone
    (`source`): another source's registry settings may be another account's or region's.
    """

    account_id: str
    region: str
    partition: str = "aws"
    source: dict[str, Any] | None = None  # {"file", "id"} of a scope bound to one source
    registry: dict[str, Any] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)  # by resource id
    vpcs: dict[str, dict[str, Any]] = field(default_factory=dict)  # by resource id
    network_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    nat_gateways: list[dict[str, Any]] = field(default_factory=list)
    consumers: list[dict[str, Any]] = field(default_factory=list)  # services and functions

    def __post_init__(self) -> None:
        self.registry = self.registry or empty_registry(self.account_id)


class Estate:
    """Every scope the sources describe, merged into one snapshot.

    Sources that name the same account and region share its scope (one registry, as in AWS);
    a source whose account or region is unknown gets scopes of its own.
    """

    def __init__(self, partition: str = "aws"):
        self.partition = partition
        self.scopes: dict[tuple[str, ...], Scope] = {}
        self.iam: dict[str, Any] = {}  # account -> iam_records.AccountIam
        # The repositories (record ids) the sources create: no image is in them before apply.
        self.planned_repositories: set[str] = set()

    def scope(self, account_id: str, region: str, file: str) -> Scope:
        bound = UNKNOWN in (account_id, region)
        key = (account_id, region, file) if bound else (account_id, region)
        if key not in self.scopes:
            source = {"file": file, "id": resource_id(file, "registry", region)} if bound else None
            self.scopes[key] = Scope(account_id, region, self.partition, source)
        return self.scopes[key]

    def snapshot(self, collected_at: str) -> dict[str, Any]:
        scopes = sorted(
            self.scopes.values(),
            key=lambda s: (s.account_id, s.region, (s.source or {}).get("file", "")),
        )
        accounts = {s.account_id for s in scopes}
        account = accounts.pop() if len(accounts) == 1 else UNKNOWN
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "ecrscan", "version": __version__},
            "collected_at": collected_at,
            "account_id": account,
            "partition": self.partition,
            "origin": "iac",  # planned: controls of live state (images) are N/A
            "caller_arn": "",
            "regions": sorted({s.region for s in scopes}),
            "errors": [],
            "inventory": [_region_inventory(s) for s in scopes],
        } | ({"iam": {a: self.iam[a].section() for a in sorted(self.iam)}} if self.iam else {})


def _region_inventory(scope: Scope) -> dict[str, Any]:
    entry = {"source": scope.source} if scope.source else {}
    return entry | {
        "account_id": scope.account_id,
        "region": scope.region,
        "registry": scope.registry,
        "repositories": list(scope.repositories.values()),
        "network": {
            "vpcs": [finish_vpc(v) for v in scope.vpcs.values()],
            "natGateways": scope.nat_gateways,
            "errors": scope.network_errors,
        },
        "consumers": scope.consumers,
        "errors": {},
    }


def empty_registry(account_id: str) -> dict[str, Any]:
    """A registry the source does not configure: AWS's defaults (BASIC scanning, no rules).

    With no registry rules, a repository's own scanOnPush decides, as it does in AWS. `declared`
    lists the settings a source declares (see declare): the controls of the others are N/A, as
    a plan that does not manage a setting says nothing about it.
    """
    return {
        "registryId": None if account_id == UNKNOWN else account_id,
        "declared": [],
        "scanningConfiguration": {"scanType": "BASIC", "rules": []},
        "replicationConfiguration": {"rules": []},
        "registryPolicy": None,
        "pullThroughCacheRules": [],
        "repositoryCreationTemplates": [],
        "derived": {"registryPolicy": None},
        "errors": {},
    }


def declare(registry: dict[str, Any], setting: str) -> None:
    """Record that a source manages a registry setting, so its control judges it."""
    registry["declared"] = sorted({*registry["declared"], setting})


def pull_through_cache_rule(prefix: Any, upstream: Any) -> dict[str, Any]:
    """An item of DescribePullThroughCacheRules."""
    rule = {"ecrRepositoryPrefix": prefix}
    if isinstance(upstream, str):
        rule["upstreamRegistryUrl"] = upstream
    return rule


def creation_template(
    prefix: str, applied_for: Any, mutability: Any, lifecycle: Any
) -> dict[str, Any]:
    """An item of DescribeRepositoryCreationTemplates (AWS's defaults where unset)."""
    template = {
        "prefix": prefix,
        "appliedFor": [a for a in applied_for or [] if isinstance(a, str)],
        "imageTagMutability": mutability if isinstance(mutability, str) else "MUTABLE",
    }
    if isinstance(lifecycle, str) and lifecycle:
        template["lifecyclePolicy"] = lifecycle
    return template


# Who manages a repository's KMS key, as DescribeKey's KeyMetadata would say once applied: a
# key the source declares is the customer's (its id is its address until apply); KMS without a
# key, or the aws/ecr alias, is the AWS managed key.
AWS_MANAGED_KEY = {"KeyId": "alias/aws/ecr", "KeyManager": "AWS"}


def alias_key(key: str) -> dict[str, Any] | None:
    """The key an alias names, bare (alias/name) or as an ARN (arn:...:alias/name): KMS
    reserves alias/aws/ for AWS managed keys, so any other alias names a customer managed key.
    None for a key id or key ARN, whose manager the source alone cannot tell."""
    alias = key.split(":", 5)[5] if key.startswith("arn:") and key.count(":") >= 5 else key
    if not alias.startswith("alias/") or alias == "alias/":
        return None
    manager = "AWS" if alias.startswith("alias/aws/") else "CUSTOMER"
    return customer_key(key, key) | {"KeyManager": manager}


def customer_key(key_id: str, arn: Any) -> dict[str, Any]:
    key = {"KeyId": key_id, "KeyManager": "CUSTOMER"}
    if isinstance(arn, str) and arn.startswith("arn:"):
        key["Arn"] = arn
    return key


def undeclared_key(kind: SourceKind, key: str) -> dict[str, str]:
    return {
        "operation": kind.operation,
        "code": "UndeclaredKey",
        "message": f"KMS key {key} is not declared in this source, so who manages it (KeyManager) "
        "is unknown; declare the key in the source or list its ARN in kms_key_arns",
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
        "source": source | {"id": resource_id(source["file"], "repository", _name_in(source))},
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


def _name_in(source: dict[str, Any]) -> str:
    return source.get("address") or source["logical_id"]


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
        "source": source | {"id": resource_id(source["file"], "vpc", _name_in(source))},
        "vpc": vpc,
        "subnets": [],
        "routeTables": [
            {
                "RouteTableId": main,
                "VpcId": vpc_id,
                "Associations": [{"Main": True, "RouteTableId": main}],
                "Routes": [local_route(cidr)],
            }
        ],
        "vpcEndpoints": [],
        "securityGroups": [],
        "errors": {},
    }


def main_route_table_id(vpc_id: str) -> str:
    return f"{vpc_id}/main-route-table"


def local_route(cidr: Any) -> dict[str, Any]:
    route = {"GatewayId": "local", "State": "active"}
    if isinstance(cidr, str):
        route["DestinationCidrBlock"] = cidr
    return route


def find_route_table(vpc: dict[str, Any], table_id: str) -> dict[str, Any] | None:
    return next((t for t in vpc["routeTables"] if t["RouteTableId"] == table_id), None)


def serves_a_subnet(vpc: dict[str, Any], table: dict[str, Any]) -> bool:
    """A table decides a subnet's routes when associated with it, or as the VPC's main table
    of every subnet without an explicit association (as AWS routes them)."""
    if any(a.get("SubnetId") for a in table["Associations"]):
        return True
    if not any(a.get("Main") is True for a in table["Associations"]):
        return False
    explicit = {a.get("SubnetId") for t in vpc["routeTables"] for a in t["Associations"]}
    return any(s["SubnetId"] not in explicit for s in vpc["subnets"])


def is_public(table: dict[str, Any]) -> bool:
    """What the controls call a public table: a route to an internet gateway (igw-)."""
    return any(str(r.get("GatewayId", "")).startswith("igw-") for r in table["Routes"])


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

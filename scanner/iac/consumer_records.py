"""Snapshot records for planned consumers (ECS services, Lambda functions) and NAT gateways.

Shaped like the live collector's (docs/consumers.md), so the consumer controls judge a plan or
template as they judge a live estate: a service's task definition with its containers' images,
who pulls (the execution role), and where the pulls leave from (the service's awsvpc subnets);
a function's image. What planned infrastructure cannot tell is an error record under the field
it would fill, never a guess:

- the owning account or region unknown (`account`, `region`): every consumer control needs both
  (same-account or cross-account, the region's endpoints);
- a value known only after apply (`taskDefinitions`, `function`, `networkConfiguration`,
  `name`), or a task definition the sources do not declare;
- the container instances of an EC2-hosted service (`containerInstances`): they exist at run
  time only.

Whether an image exists is live state: see settle_lookups.
"""

from typing import Any

from scanner.collect.consumers.image_uri import parse_image_uri
from scanner.iac.records import UNKNOWN, Estate, Scope, SourceKind, account_hint, region_hint
from scanner.iac.records import resource_id as make_id

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def image_reference(uri: Any, container: Any = None, task_definition: Any = None) -> dict:
    """One image a consumer names, parsed as the collector parses it."""
    return parse_image_uri(uri) | {
        "container": container if isinstance(container, str) else None,
        "taskDefinitionArn": task_definition,
        "resolvedDigest": None,
        "privateRegistryCredentials": False,
        "errors": {},
    }


def nonempty_text(value: Any) -> str | None:
    """A field the snapshot keeps as AWS would: a non-empty string, else null."""
    return value if isinstance(value, str) and value else None


def not_declared(kind: SourceKind, message: str) -> dict[str, str]:
    return {"operation": kind.operation, "code": "NotDeclared", "message": message}


def scope_errors(kind: SourceKind, scope: Scope, what: str) -> dict[str, dict[str, str]]:
    """A consumer is judged in its own account and region: unknown, nothing can be decided."""
    errors = {}
    if scope.account_id == UNKNOWN:
        errors["account"] = account_hint(kind, what)
    if scope.region == UNKNOWN:
        errors["region"] = region_hint(kind, what)
    return errors


def launch_type(declared: Any, providers: list[Any]) -> str:
    """FARGATE, EC2 or EXTERNAL, as ECS decides it (scanner.collect's launch_type)."""
    if isinstance(declared, str) and declared:
        return declared
    names = [p for p in providers if isinstance(p, str)]
    if names and all(p in FARGATE_PROVIDERS for p in names):
        return "FARGATE"
    return "EC2"


def task_network(kind: str, modes: list[str], awsvpc: dict[str, Any]) -> dict[str, Any]:
    """derived.network of a service: Fargate tasks pull through their own interface."""
    public = awsvpc.get("assignPublicIp")
    return {
        "launchType": kind,
        "networkModes": sorted(set(modes)),
        "pullsFrom": {"FARGATE": "task", "EC2": "container-instance"}.get(kind, "on-premises"),
        "subnets": sorted(set(awsvpc.get("subnets") or [])),
        "securityGroups": sorted(set(awsvpc.get("securityGroups") or [])),
        "assignPublicIp": public if isinstance(public, str) else None,
    }


def function_network(subnets: list[str], groups: list[str]) -> dict[str, Any]:
    """Lambda pulls through its own service; the function's VPC is kept for the record."""
    return {
        "launchType": None,
        "networkModes": [],
        "pullsFrom": "lambda-service",
        "subnets": sorted(set(subnets)),
        "securityGroups": sorted(set(groups)),
        "assignPublicIp": None,
    }


def execution_identities(role: Any, kind: str, unknown: dict | None) -> list[dict[str, Any]]:
    """Who pulls a task's images: its execution role; without one, on Fargate no one, and on
    EC2 the container instances' role, which only run time tells (no identity here: the
    service's containerInstances error makes the pull permission ERROR)."""
    if unknown is not None:
        return [{"kind": "execution-role", "arn": "(known after apply)", "error": unknown}]
    if isinstance(role, str) and role:
        return [{"kind": "execution-role", "arn": role}]
    if kind == "EC2":
        return []
    return [{"kind": "none", "launchType": kind}]


def service_parts(
    kind: SourceKind,
    service: dict[str, Any],
    definition: tuple | None,
    identities: list[dict[str, Any]],
    awsvpc: dict[str, Any],
    errors: dict[str, Any],
    who: str,
) -> dict[str, Any]:
    """What service_record takes for an ECS service, from either tool: `definition` is the task
    definition it runs as (record, images, role) when the source declares it, and `who` names
    the service in the ERROR an EC2-hosted one gets."""
    launch = service["launchType"]
    if launch == "EC2":
        errors["containerInstances"] = not_declared(
            kind,
            f"{who} runs on EC2 container instances, which exist only at run time: which "
            f"subnets and instance roles pull its images is not in the {kind.document}",
        )
    definitions = [definition[0]] if definition else []
    return {
        "service": service,
        "taskDefinitions": definitions,
        "images": definition[1] if definition else [],
        "identities": identities,
        "network": task_network(
            launch, [d.get("networkMode") or "bridge" for d in definitions], awsvpc
        ),
        "errors": errors,
    }


def service_record(
    scope: Scope, source: dict[str, Any], cluster: str, name: str, parts: dict[str, Any]
) -> dict[str, Any]:
    """parts: service, taskDefinitions, images, identities, network, errors."""
    where = f"{scope.region}:{scope.account_id}"
    return {
        "source": source | {"id": make_id(source["file"], "ecs-service", _name_in(source))},
        "kind": "ecs-service",
        "arn": f"arn:{scope.partition}:ecs:{where}:service/{cluster}/{name}",
        "name": f"{cluster}/{name}",
        "service": parts["service"],
        "taskDefinitions": parts["taskDefinitions"],
        "containerInstances": None,
        "derived": {
            "images": parts["images"],
            "identities": parts["identities"],
            "network": parts["network"],
        },
        "errors": parts["errors"],
    }


def function_arn(scope: Scope, name: str) -> str:
    return f"arn:{scope.partition}:lambda:{scope.region}:{scope.account_id}:function:{name}"


def function_record(
    scope: Scope, source: dict[str, Any], name: str, known: bool, parts: dict[str, Any]
) -> dict[str, Any]:
    """parts: configuration, code, tags, images, network, errors. A name the deploy generates
    leaves the function's ARN unknown: conditions on aws:SourceArn then stay undecided."""
    arn = function_arn(scope, name)
    return {
        "source": source | {"id": make_id(source["file"], "lambda-function", _name_in(source))},
        "kind": "lambda-function",
        "arn": arn,
        "name": name,
        "function": {
            "Configuration": parts["configuration"] | {"FunctionName": name, "FunctionArn": arn},
            "Code": parts["code"],
            "Tags": parts["tags"],
        },
        "derived": {
            "images": parts["images"],
            "identities": [{"kind": "lambda-service", "functionArn": arn if known else None}],
            "network": parts["network"],
        },
        "errors": parts["errors"],
    }


def _name_in(source: dict[str, Any]) -> str:
    return source.get("address") or source["logical_id"]


def nat_gateway(
    gateway_id: str, subnet: Any, vpc: Any, connectivity: Any, source: dict[str, Any]
) -> dict[str, Any]:
    """A DescribeNatGateways item: a created gateway is judged as it will be, available."""
    gateway = {"NatGatewayId": gateway_id, "State": "available", "source": source}
    gateway["ConnectivityType"] = connectivity if isinstance(connectivity, str) else "public"
    if isinstance(subnet, str):
        gateway["SubnetId"] = subnet
    if isinstance(vpc, str):
        gateway["VpcId"] = vpc
    return gateway


# -- whether the images exist ----------------------------------------------------------------


def settle_lookups(estate: Estate) -> None:
    """`lookup` of every image reference, once all sources are read.

    ecrscan iac reads no registry, so whether an image exists is not known, and the controls of
    live state are N/A: `planned` when the image's repository is created by the sources (no
    image can be in it before apply), `unverified` for any other ECR image. A Terraform plan
    that read the image with a data source at plan time has already set `found`.
    """
    for scope in estate.scopes.values():
        for consumer in scope.consumers:
            for image in consumer["derived"]["images"]:
                if "lookup" not in image:
                    _settle(estate, image)


def _settle(estate: Estate, image: dict[str, Any]) -> None:
    image["imageDetail"] = None
    if image.get("registry") != "ecr":
        image["lookup"] = "not-ecr"
        return
    owner = estate.scopes.get((image["registryId"], image["region"]))
    record = next(
        (
            r
            for r in (owner.repositories.values() if owner else ())
            if r["repository"]["repositoryName"] == image["repositoryName"]
        ),
        None,
    )
    planned = record is not None and record["source"]["id"] in estate.planned_repositories
    image["lookup"] = "planned" if planned else "unverified"

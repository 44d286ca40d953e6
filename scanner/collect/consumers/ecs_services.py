"""A region's ECS services, each with the task definitions its deployments run.

Requests: ListClusters and ListServices pages, one DescribeServices per 10 services (with their
tags), one DescribeTaskDefinition per distinct task definition the PRIMARY and ACTIVE
deployments use, and for clusters with EC2-hosted services the container instances
(scanner.collect.consumers.container_instances). A cluster whose services could not be listed or
described leaves errors["ecsServices"]: the services it did list are still judged, and the
region's ecs-service row "*" is ERROR for the rest.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, attempt, call, paginate
from scanner.collect.concurrency import map_concurrently
from scanner.collect.consumers.container_instances import ClusterInstances, cluster_instances
from scanner.collect.consumers.image_uri import parse_image_uri
from scanner.collect.jsonable import to_json

DESCRIBE_SERVICES_BATCH = 10  # DescribeServices' limit
SERVICE_FIELDS = (
    "serviceArn",
    "serviceName",
    "clusterArn",
    "status",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "platformFamily",
    "taskDefinition",
    "desiredCount",
    "runningCount",
    "networkConfiguration",
    "tags",
)
DEPLOYMENT_FIELDS = (
    "id",
    "status",
    "taskDefinition",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "networkConfiguration",
    "desiredCount",
    "runningCount",
    "rolloutState",
)
# Environment, secrets and commands stay out of the snapshot: they are not ECR's business and
# may hold credentials.
TASK_DEFINITION_FIELDS = (
    "taskDefinitionArn",
    "family",
    "revision",
    "status",
    "executionRoleArn",
    "taskRoleArn",
    "networkMode",
    "requiresCompatibilities",
)
CONTAINER_FIELDS = ("name", "image", "essential", "repositoryCredentials")
LIVE_DEPLOYMENTS = ("PRIMARY", "ACTIVE")
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


def collect_ecs_services(
    ecs: BaseClient, ec2: BaseClient, errors: dict[str, ErrorRecord], max_workers: int
) -> list[dict[str, Any]] | None:
    """Every service of every cluster in the region, or None when the clusters could not be
    listed (errors["ecsServices"])."""
    clusters = attempt(errors, "ecsServices", lambda: paginate(ecs, "ListClusters", "clusterArns"))
    if clusters is None:
        return None
    services: list[dict[str, Any]] = []
    for cluster in clusters:
        services += _cluster_services(ecs, cluster, errors)
    return service_records(ecs, ec2, services, max_workers)


def service_records(
    ecs: BaseClient, ec2: BaseClient, services: list[dict[str, Any]], max_workers: int
) -> list[dict[str, Any]]:
    """The consumer record of each described service (DescribeServices items, as JSON)."""
    definitions = _task_definitions(ecs, services, max_workers)
    instances = _instances_by_cluster(ecs, ec2, services)
    return [_record(s, definitions, instances) for s in services]


def _cluster_services(
    ecs: BaseClient, cluster: str, errors: dict[str, ErrorRecord]
) -> list[dict[str, Any]]:
    arns = attempt(
        errors,
        "ecsServices",
        lambda: paginate(ecs, "ListServices", "serviceArns", cluster=cluster),
    )
    described: list[dict[str, Any]] = []
    for start in range(0, len(arns or ()), DESCRIBE_SERVICES_BATCH):
        batch = arns[start : start + DESCRIBE_SERVICES_BATCH]
        answer = attempt(
            errors,
            "ecsServices",
            lambda b=batch: call(
                ecs, "DescribeServices", cluster=cluster, services=b, include=["TAGS"]
            ),
        )
        if answer is None:
            continue
        for failure in answer.get("failures", []):
            if failure.get("reason") != "MISSING":  # deleted since it was listed
                errors["ecsServices"] = _failure_record("DescribeServices", failure)
        described += to_json(answer.get("services", []))
    return described


def _failure_record(operation: str, failure: dict[str, Any]) -> ErrorRecord:
    return {
        "operation": operation,
        "code": str(failure.get("reason") or "Failure"),
        "message": f"{failure.get('arn', '?')}: {failure.get('detail') or failure.get('reason')}",
    }


def live_task_definitions(service: dict[str, Any]) -> list[str]:
    """The task definitions of the PRIMARY and ACTIVE deployments (the service's own when it
    lists none, as with an external deployment controller), once each, in order."""
    arns = [
        d["taskDefinition"]
        for d in service.get("deployments") or ()
        if d.get("status") in LIVE_DEPLOYMENTS and d.get("taskDefinition")
    ]
    if not arns and service.get("taskDefinition"):
        arns = [service["taskDefinition"]]
    return list(dict.fromkeys(arns))


def _task_definitions(
    ecs: BaseClient, services: list[dict[str, Any]], max_workers: int
) -> dict[str, dict[str, Any]]:
    """{arn: trimmed task definition, or an error record}, each described once."""
    arns = sorted(
        {arn for s in services if s.get("status") != "INACTIVE" for arn in live_task_definitions(s)}
    )
    described = map_concurrently(
        lambda arn: _describe_task_definition(ecs, arn), arns, max_workers, "ecrscan-taskdef"
    )
    return dict(zip(arns, described, strict=True))


def _describe_task_definition(ecs: BaseClient, arn: str) -> dict[str, Any]:
    try:
        definition = call(ecs, "DescribeTaskDefinition", taskDefinition=arn)["taskDefinition"]
    except OperationFailed as failure:
        return {"error": failure.record}
    trimmed = {f: definition[f] for f in TASK_DEFINITION_FIELDS if f in definition}
    trimmed["containerDefinitions"] = [
        {f: c[f] for f in CONTAINER_FIELDS if f in c}
        for c in definition.get("containerDefinitions", [])
    ]
    return to_json(trimmed)


def launch_type(service: dict[str, Any]) -> str:
    """FARGATE, EC2 or EXTERNAL; a capacity provider strategy of Fargate providers only is
    FARGATE, any other provider is backed by EC2 instances, and ECS's own default is EC2."""
    if service.get("launchType"):
        return service["launchType"]
    providers = [p.get("capacityProvider") for p in service.get("capacityProviderStrategy") or ()]
    if providers and all(p in FARGATE_PROVIDERS for p in providers):
        return "FARGATE"
    return "EC2"


def _instances_by_cluster(
    ecs: BaseClient, ec2: BaseClient, services: list[dict[str, Any]]
) -> dict[str, ClusterInstances]:
    """Container instances of each cluster that hosts an EC2-launched service: they pull its
    images, through their own subnets and, without an execution role, with their own role."""
    clusters = sorted({s["clusterArn"] for s in services if launch_type(s) == "EC2"})
    return {cluster: cluster_instances(ecs, ec2, cluster) for cluster in clusters}


def _record(
    service: dict[str, Any],
    definitions: dict[str, dict[str, Any]],
    instances: dict[str, ClusterInstances],
) -> dict[str, Any]:
    errors: dict[str, ErrorRecord] = {}
    used = [definitions.get(arn) for arn in live_task_definitions(service)]
    failed = [d["error"] for d in used if d is not None and "error" in d]
    if failed:
        errors["taskDefinitions"] = failed[0]
    task_definitions = [d for d in used if d is not None and "error" not in d]
    kind = launch_type(service)
    hosts = instances.get(service["clusterArn"]) if kind == "EC2" else None
    if hosts is not None and hosts.error is not None:
        errors["containerInstances"] = hosts.error
    return {
        "kind": "ecs-service",
        "arn": service["serviceArn"],
        "name": f"{service['clusterArn'].rsplit('/', 1)[-1]}/{service['serviceName']}",
        "service": _trim_service(service),
        "taskDefinitions": task_definitions,
        "containerInstances": None if hosts is None else hosts.instances,
        "derived": {
            "images": _images(task_definitions),
            "identities": _identities(task_definitions, kind, hosts),
            "network": _network(service, kind, task_definitions),
        },
        "errors": errors,
    }


def _trim_service(service: dict[str, Any]) -> dict[str, Any]:
    trimmed = {f: service[f] for f in SERVICE_FIELDS if f in service}
    trimmed["deployments"] = [
        {f: d[f] for f in DEPLOYMENT_FIELDS if f in d}
        for d in service.get("deployments") or ()
        if d.get("status") in LIVE_DEPLOYMENTS
    ]
    return trimmed


def _images(task_definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each distinct image the live task definitions name, parsed, with the first container
    that names it."""
    images: dict[str, dict[str, Any]] = {}
    for definition in task_definitions:
        for container in definition["containerDefinitions"]:
            uri = container.get("image")
            key = uri if isinstance(uri, str) else repr(uri)
            if key not in images:
                images[key] = parse_image_uri(uri) | {
                    "container": container.get("name"),
                    "taskDefinitionArn": definition["taskDefinitionArn"],
                    "resolvedDigest": None,
                    "privateRegistryCredentials": "repositoryCredentials" in container,
                    "errors": {},
                }
    return list(images.values())


def _identities(
    task_definitions: list[dict[str, Any]], kind: str, hosts: ClusterInstances | None
) -> list[dict[str, Any]]:
    """Who pulls: the execution role where the task definition names one; otherwise, on EC2,
    the role of each container instance's profile; on Fargate, no one (the pull fails)."""
    identities: list[dict[str, Any]] = []
    for definition in task_definitions:
        role = definition.get("executionRoleArn")
        if role:
            identities.append({"kind": "execution-role", "arn": role})
        elif kind == "EC2" and hosts is not None:
            identities += [
                {"kind": "container-instance-role", "instanceProfileArn": arn}
                for arn in hosts.profile_arns()
            ]
        else:
            identities.append({"kind": "none", "launchType": kind})
    unique = {repr(sorted(i.items())): i for i in identities}
    return list(unique.values())


def _network(
    service: dict[str, Any], kind: str, task_definitions: list[dict[str, Any]]
) -> dict[str, Any]:
    """Where the pulls come from: the task's own interface (Fargate), or the container
    instances, whose subnets are in containerInstances (EC2)."""
    configs = [d.get("networkConfiguration") for d in service.get("deployments") or ()]
    configs = [c for c in configs if c] or [service.get("networkConfiguration")]
    vpc_configs = [(c or {}).get("awsvpcConfiguration") or {} for c in configs]
    public = {c.get("assignPublicIp") for c in vpc_configs if c.get("assignPublicIp")}
    modes = sorted({d.get("networkMode") or "bridge" for d in task_definitions})
    return {
        "launchType": kind,
        "networkModes": modes,
        "pullsFrom": {"FARGATE": "task", "EC2": "container-instance"}.get(kind, "on-premises"),
        "subnets": sorted({s for c in vpc_configs for s in c.get("subnets") or ()}),
        "securityGroups": sorted({g for c in vpc_configs for g in c.get("securityGroups") or ()}),
        # DISABLED wins when deployments disagree: a task without a public IP must still pull.
        "assignPublicIp": "DISABLED"
        if "DISABLED" in public
        else (public.pop() if public else None),
    }

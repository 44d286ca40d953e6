"""What pulls images: AWS::ECS::Service with the AWS::ECS::TaskDefinition it runs, and
AWS::Lambda::Function with PackageType Image (Code.ImageUri).

A service is judged through the task definition of the template it references (one the template
does not declare names images nobody can see), with the execution role it references, the
cluster's name, its launch type (LaunchType, else the capacity provider strategy, else the
cluster's default strategy) and the awsvpc NetworkConfiguration. A name the template leaves
out is generated at deploy time: the service or function is named by its logical id.
"""

from typing import Any

from scanner.iac import consumer_records as consumers
from scanner.iac.cloudformation import iam
from scanner.iac.cloudformation.context import Context, Resource, items, tags_of
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import CLOUDFORMATION, Unknown

_CONTAINER_FIELDS = {
    "Name": "name",
    "Image": "image",
    "Essential": "essential",
    "RepositoryCredentials": "repositoryCredentials",
}


def service(context: Context, resource: Resource) -> None:
    scope = context.scope
    errors = consumers.scope_errors(CLOUDFORMATION, scope, resource.logical_id)
    cluster = _cluster(context, resource, errors)
    name = resource.get("ServiceName")
    if not isinstance(name, str) or not name:
        errors["name"] = _generated(context, resource, "ServiceName", name)
        name = resource.logical_id
    definition = _task_definition(context, resource, errors)
    kind = _launch_type(context, resource)
    awsvpc = _awsvpc(context, resource, errors)
    tags = tags_of(resource)
    service = {
        "serviceName": name,
        "clusterArn": f"arn:{scope.partition}:ecs:{scope.region}:{scope.account_id}:"
        f"cluster/{cluster}",
        "launchType": kind,
        "networkConfiguration": {"awsvpcConfiguration": awsvpc},
        "tags": [{"key": k, "value": v} for k, v in sorted(tags.items())],
        "deployments": [],
    }
    parts = consumers.service_parts(
        CLOUDFORMATION,
        service,
        definition,
        _identities(context, definition[2] if definition else None, kind),
        awsvpc,
        errors,
        resource.logical_id,
    )
    record = consumers.service_record(scope, context.source(resource), cluster, name, parts)
    context.suppress(record, resource)
    scope.consumers.append(record)


def _generated(context: Context, resource: Resource, field: str, value: Any) -> dict:
    unknown = (
        value
        if isinstance(value, Unknown)
        else Unknown("not set: CloudFormation generates the name at deploy time")
    )
    return context.error(resource, field, unknown)


def _cluster(context: Context, resource: Resource, errors: dict) -> str:
    raw = context.raw(resource, "Cluster")
    if raw is None:
        return "default"  # ECS runs a service without a cluster in the default one
    name = context.intrinsics.resolve(raw)
    if isinstance(name, str) and name:
        return name.rsplit("/", 1)[-1]  # a name, or a cluster ARN
    errors["name"] = context.error(
        resource, "Cluster", first_unknown(name) or Unknown("not a cluster name")
    )
    declared = context.declared(raw, "AWS::ECS::Cluster")
    return declared[0] if declared else "(known at deploy)"


def _launch_type(context: Context, resource: Resource) -> str:
    declared = resource.get("LaunchType")
    providers = _providers(resource.get("CapacityProviderStrategy"))
    if not providers and not isinstance(declared, str):
        providers = _cluster_default(context, context.raw(resource, "Cluster"))
    return consumers.launch_type(declared if isinstance(declared, str) else None, providers)


def _providers(strategy: Any) -> list[Any]:
    return [p.get("CapacityProvider") for p in items(strategy) if isinstance(p, dict)]


def _cluster_default(context: Context, raw_cluster: Any) -> list[Any]:
    """The default capacity provider strategy of the template's cluster, on the cluster or
    in an AWS::ECS::ClusterCapacityProviderAssociations naming it."""
    declared = context.declared(raw_cluster, "AWS::ECS::Cluster")
    if declared is None:
        return []
    for logical_id, body in context.template["Resources"].items():
        if not isinstance(body, dict) or not isinstance(body.get("Properties"), dict):
            continue
        properties = body["Properties"]
        own = logical_id == declared[0]
        association = body.get("Type") == "AWS::ECS::ClusterCapacityProviderAssociations" and (
            context.declared(properties.get("Cluster"), "AWS::ECS::Cluster") == declared
        )
        if own or association:
            strategy = context.intrinsics.resolve(properties.get("DefaultCapacityProviderStrategy"))
            if _providers(strategy):
                return _providers(strategy)
    return []


def _awsvpc(context: Context, resource: Resource, errors: dict) -> dict[str, Any]:
    configuration = resource.get("NetworkConfiguration")
    awsvpc = configuration.get("AwsvpcConfiguration") if isinstance(configuration, dict) else None
    awsvpc = awsvpc if isinstance(awsvpc, dict) else {}
    subnets, public = awsvpc.get("Subnets"), awsvpc.get("AssignPublicIp")
    unknown = first_unknown([subnets, public])
    if unknown:
        errors["networkConfiguration"] = context.error(resource, "NetworkConfiguration", unknown)
    groups = awsvpc.get("SecurityGroups")
    return {
        "subnets": [s for s in items(subnets) if isinstance(s, str)],
        "securityGroups": [g for g in items(groups) if isinstance(g, str)],
        "assignPublicIp": "ENABLED" if public == "ENABLED" else "DISABLED",
    }


def _task_definition(
    context: Context, resource: Resource, errors: dict
) -> tuple[dict, list, Any] | None:
    raw = context.raw(resource, "TaskDefinition")
    declared = context.declared(raw, "AWS::ECS::TaskDefinition")
    if declared is None:
        value = resource.get("TaskDefinition")
        unknown = first_unknown(value)
        errors["taskDefinitions"] = (
            context.error(resource, "TaskDefinition", unknown)
            if unknown
            else consumers.not_declared(
                CLOUDFORMATION,
                f"{resource.logical_id} runs task definition {value}, which this template "
                "does not declare, so the images it names are unknown",
            )
        )
        return None
    definition = Resource(context, declared[0], declared[1])
    containers = _containers(context, definition, errors)
    if containers is None:
        return None
    role = _execution_role(context, definition)
    trimmed = {
        "taskDefinitionArn": definition.logical_id,
        "family": consumers.nonempty_text(definition.get("Family")),
        "executionRoleArn": role if isinstance(role, str) else None,
        "taskRoleArn": consumers.nonempty_text(definition.get("TaskRoleArn")),
        "networkMode": consumers.nonempty_text(definition.get("NetworkMode")),
        "requiresCompatibilities": [
            c for c in items(definition.get("RequiresCompatibilities")) if isinstance(c, str)
        ],
        "containerDefinitions": containers,
    }
    images = []
    for container in containers:
        if container.get("image") not in [i["uri"] for i in images]:
            images.append(
                consumers.image_reference(
                    container.get("image"), container.get("name"), definition.logical_id
                )
                | {"privateRegistryCredentials": "repositoryCredentials" in container}
            )
    return trimmed, images, role


def _containers(context: Context, definition: Resource, errors: dict) -> list[dict] | None:
    listed = definition.get("ContainerDefinitions")
    unknown = first_unknown(listed)
    if unknown:
        errors["taskDefinitions"] = context.error(definition, "ContainerDefinitions", unknown)
        return None
    return [
        {new: c[old] for old, new in _CONTAINER_FIELDS.items() if old in c}
        for c in items(listed)
        if isinstance(c, dict)
    ]


def _execution_role(context: Context, definition: Resource) -> Any:
    """The execution role's ARN: a role of the template, a known ARN, None, or Unknown."""
    raw = context.raw(definition, "ExecutionRoleArn")
    declared = context.declared(raw, "AWS::IAM::Role")
    if declared:
        return iam.role_arn(context, *declared)
    value = definition.get("ExecutionRoleArn")
    return first_unknown(value) or consumers.nonempty_text(value)


def _identities(context: Context, role: Any, kind: str) -> list[dict[str, Any]]:
    unknown = CLOUDFORMATION.error(role.message) if isinstance(role, Unknown) else None
    return consumers.execution_identities(role, kind, unknown)


def function(context: Context, resource: Resource) -> None:
    package = resource.get("PackageType")
    if package != "Image" and not isinstance(package, Unknown):
        return  # a zip function pulls nothing from ECR
    scope = context.scope
    errors = consumers.scope_errors(CLOUDFORMATION, scope, resource.logical_id)
    name = resource.get("FunctionName")
    known = isinstance(name, str) and bool(name)
    if not known:
        errors["name"] = _generated(context, resource, "FunctionName", name)
    code = resource.get("Code")
    uri = code.get("ImageUri") if isinstance(code, dict) else None
    if first_unknown([package, uri]) or not isinstance(uri, str):
        errors["function"] = context.error(
            resource, "Code.ImageUri", first_unknown([package, uri]) or Unknown("not set")
        )
    vpc = resource.get("VpcConfig") if isinstance(resource.get("VpcConfig"), dict) else {}
    subnets = [s for s in items(vpc.get("SubnetIds")) if isinstance(s, str)]
    groups = [g for g in items(vpc.get("SecurityGroupIds")) if isinstance(g, str)]
    role = context.declared(context.raw(resource, "Role"), "AWS::IAM::Role")
    parts = {
        "configuration": {
            "Role": iam.role_arn(context, *role)
            if role
            else consumers.nonempty_text(resource.get("Role")),
            "PackageType": "Image",
            "VpcConfig": {"SubnetIds": subnets, "SecurityGroupIds": groups},
        },
        "code": {"ImageUri": uri} if isinstance(uri, str) else None,
        "tags": tags_of(resource),
        "images": [consumers.image_reference(uri)] if isinstance(uri, str) else [],
        "network": consumers.function_network(subnets, groups),
        "errors": errors,
    }
    record = consumers.function_record(
        scope, context.source(resource), name if known else resource.logical_id, known, parts
    )
    context.suppress(record, resource)
    scope.consumers.append(record)


# After IAM and the network: services link to roles, subnets and repositories.
STEPS = (
    ("AWS::ECS::Service", service),
    ("AWS::Lambda::Function", function),
)

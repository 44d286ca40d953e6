"""What pulls images: aws_ecs_service with the aws_ecs_task_definition it runs, and
aws_lambda_function with package_type Image.

A service is judged through the task definition it references (a task definition no service of
the plan runs is not a consumer: what would run it is not in the plan), with the execution role
the task definition references, the cluster's name, its launch type (launch_type, else the
capacity provider strategy, else the cluster's default strategy) and the awsvpc
network_configuration. A `data "aws_ecr_image"` the plan read names an image that exists.
"""

import json
from datetime import UTC, datetime
from typing import Any

from scanner.collect.consumers.image_uri import parse_image_uri
from scanner.collect.policy_text import parse_policy_text
from scanner.iac import consumer_records as consumers
from scanner.iac.records import TERRAFORM, Unknown
from scanner.iac.terraform import iam
from scanner.iac.terraform.context import Context, blocks_of
from scanner.iac.terraform.plan import Instance

_CONTAINER_FIELDS = ("name", "image", "essential", "repositoryCredentials")


def service(context: Context, instance: Instance) -> None:
    scope = context.scope(instance)
    errors = consumers.scope_errors(TERRAFORM, scope, instance.address)
    cluster = _cluster(context, instance, errors)
    name = instance.value("name")
    if not isinstance(name, str) or not name:
        errors["name"] = context.error(_unknown(instance, "name", name))
        name = instance.address
    definition = _task_definition(context, instance, errors)
    kind = _launch_type(context, instance, cluster)
    awsvpc = _awsvpc(context, instance, errors)
    parts = consumers.service_parts(
        TERRAFORM,
        _service_fields(context, instance, cluster, kind, awsvpc),
        definition,
        _identities(context, definition[2] if definition else None, kind),
        awsvpc,
        errors,
        instance.address,
    )
    record = consumers.service_record(scope, context.source(instance), cluster, name, parts)
    context.suppress(record, instance, context.tags(instance))
    _read_images(context, record["derived"]["images"])
    scope.consumers.append(record)


def _unknown(instance: Instance, field: str, value: Any) -> Unknown:
    if isinstance(value, Unknown):
        return value
    return Unknown(f"{instance.address}.{field} is not set")


def _cluster(context: Context, instance: Instance, errors: dict) -> str:
    clusters = _targets(context, instance, "cluster", "aws_ecs_cluster")
    name = clusters[0].value("name") if clusters else context.configured(instance, "cluster")
    if name is None:
        return "default"  # ECS runs a service without a cluster in the default one
    if isinstance(name, str) and name:
        return name.rsplit("/", 1)[-1]  # a name, or a cluster ARN
    errors["name"] = context.error(_unknown(instance, "cluster", name))
    return "(known after apply)"


def _targets(context: Context, instance: Instance, name: str, kind: str) -> list[Instance]:
    return [
        t.instance
        for t in context.plan.targets(instance, name)
        if t.instance is not None and t.instance.type == kind
    ]


def _launch_type(context: Context, instance: Instance, cluster: str) -> str:
    declared = context.configured(instance, "launch_type")
    providers = _providers(instance.value("capacity_provider_strategy"))
    if not providers and not isinstance(declared, str):
        for default in context.plan.of_type("aws_ecs_cluster_capacity_providers"):
            if default.value("cluster_name") == cluster:
                providers = _providers(default.value("default_capacity_provider_strategy"))
    return consumers.launch_type(declared if isinstance(declared, str) else None, providers)


def _providers(blocks: Any) -> list[Any]:
    return [b.get("capacity_provider") for b in blocks_of(blocks) if isinstance(b, dict)]


def _awsvpc(context: Context, instance: Instance, errors: dict) -> dict[str, Any]:
    """networkConfiguration.awsvpcConfiguration, as DescribeServices spells it."""
    subnets = context.block_ids(instance, "network_configuration", "subnets")
    groups = context.block_ids(instance, "network_configuration", "security_groups")
    public = instance.value("network_configuration", 0, "assign_public_ip")
    unknown = next((v for v in (subnets, public) if isinstance(v, Unknown)), None)
    if unknown:
        errors["networkConfiguration"] = context.error(unknown)
    return {
        "subnets": [] if isinstance(subnets, Unknown) else subnets,
        "securityGroups": [] if isinstance(groups, Unknown) else groups,
        "assignPublicIp": "ENABLED" if public is True else "DISABLED",
    }


def _service_fields(
    context: Context, instance: Instance, cluster: str, kind: str, awsvpc: dict
) -> dict[str, Any]:
    tags = context.tags(instance)
    scope = context.scope(instance)
    where = f"{scope.partition}:ecs:{scope.region}:{scope.account_id}"
    return {
        "serviceName": consumers.nonempty_text(instance.value("name")),
        "clusterArn": f"arn:{where}:cluster/{cluster}",
        "launchType": kind,
        "desiredCount": instance.value("desired_count")
        if isinstance(instance.value("desired_count"), int)
        else None,
        "networkConfiguration": {"awsvpcConfiguration": awsvpc},
        "tags": [{"key": k, "value": v} for k, v in sorted(tags.items())],
        "deployments": [],
    }


# -- the task definition ---------------------------------------------------------------------


def _task_definition(
    context: Context, instance: Instance, errors: dict
) -> tuple[dict, list, Any] | None:
    """(trimmed task definition, its images, its execution role) or None, with the reason in
    errors["taskDefinitions"]."""
    found = _targets(context, instance, "task_definition", "aws_ecs_task_definition")
    if not found:
        value = instance.value("task_definition")
        errors["taskDefinitions"] = (
            context.error(value)
            if isinstance(value, Unknown)
            else consumers.not_declared(
                TERRAFORM,
                f"{instance.address} runs task definition {value}, which this plan does not "
                "declare, so the images it names are unknown",
            )
        )
        return None
    definition = found[0]
    containers = _containers(definition, errors)
    if containers is None:
        return None
    arn = context.id_of(definition, None)
    known = definition.value("arn")
    arn = known if isinstance(known, str) and known else arn
    role = _execution_role(context, definition)
    trimmed = {
        "taskDefinitionArn": arn,
        "family": consumers.nonempty_text(definition.value("family")),
        "executionRoleArn": role if isinstance(role, str) else None,
        "taskRoleArn": consumers.nonempty_text(definition.value("task_role_arn")),
        "networkMode": consumers.nonempty_text(definition.value("network_mode")),
        "requiresCompatibilities": sorted(
            c for c in blocks_of(definition.value("requires_compatibilities")) if isinstance(c, str)
        ),
        "containerDefinitions": containers,
    }
    return trimmed, _images(containers, arn), role


def _containers(definition: Instance, errors: dict) -> list[dict] | None:
    text = definition.value("container_definitions")
    if isinstance(text, Unknown):
        references = (definition.expression("container_definitions") or {}).get("references")
        uses = [r for r in references or [] if isinstance(r, str)][:3]
        hint = f" (it uses {', '.join(uses)})" if uses else ""
        errors["taskDefinitions"] = TERRAFORM.error(text.message + hint)
        return None
    parsed = parse_policy_text(text) if isinstance(text, str) else {"parseError": "missing"}
    listed = parsed.get("document")
    if not isinstance(listed, list) or not all(isinstance(c, dict) for c in listed):
        errors["taskDefinitions"] = {
            "operation": TERRAFORM.operation,
            "code": "InvalidContainerDefinitions",
            "message": f"{definition.address}.container_definitions is not a JSON list of "
            f"container definitions ({parsed.get('parseError', 'another shape')})",
        }
        return None
    return [{f: c[f] for f in _CONTAINER_FIELDS if f in c} for c in listed]


def _images(containers: list[dict], arn: str) -> list[dict[str, Any]]:
    images: dict[str, dict[str, Any]] = {}
    for container in containers:
        uri = container.get("image")
        key = uri if isinstance(uri, str) else json.dumps(uri)
        if key not in images:
            images[key] = consumers.image_reference(uri, container.get("name"), arn) | {
                "privateRegistryCredentials": "repositoryCredentials" in container
            }
    return list(images.values())


def _execution_role(context: Context, definition: Instance) -> Any:
    """The execution role's ARN: a role of the plan, a known ARN, None, or Unknown."""
    roles = _targets(context, definition, "execution_role_arn", "aws_iam_role")
    if roles:
        record = context.roles.get(roles[0].address)
        return record["Arn"] if record else iam.role_arn(context, roles[0])
    return definition.value("execution_role_arn")


def _identities(context: Context, role: Any, kind: str) -> list[dict[str, Any]]:
    unknown = context.error(role) if isinstance(role, Unknown) else None
    return consumers.execution_identities(role, kind, unknown)


# -- Lambda ----------------------------------------------------------------------------------


def function(context: Context, instance: Instance) -> None:
    package = instance.value("package_type")
    if package != "Image" and not isinstance(package, Unknown):
        return  # a zip function pulls nothing from ECR
    scope = context.scope(instance)
    errors = consumers.scope_errors(TERRAFORM, scope, instance.address)
    name = instance.value("function_name")
    known = isinstance(name, str) and bool(name)
    if not known:
        errors["name"] = context.error(_unknown(instance, "function_name", name))
    uri = instance.value("image_uri")
    unknown = next((v for v in (package, uri) if isinstance(v, Unknown)), None)
    if unknown:
        errors["function"] = context.error(unknown)
    subnets = context.block_ids(instance, "vpc_config", "subnet_ids")
    groups = context.block_ids(instance, "vpc_config", "security_group_ids")
    role = _targets(context, instance, "role", "aws_iam_role")
    parts = {
        "configuration": {
            "Role": iam.role_arn(context, role[0])
            if role
            else consumers.nonempty_text(instance.value("role")),
            "PackageType": "Image",
            "VpcConfig": {
                "SubnetIds": [] if isinstance(subnets, Unknown) else subnets,
                "SecurityGroupIds": [] if isinstance(groups, Unknown) else groups,
            },
        },
        "code": {"ImageUri": uri} if isinstance(uri, str) else None,
        "tags": context.tags(instance),
        "images": [] if unknown else [consumers.image_reference(uri)],
        "network": consumers.function_network(
            [] if isinstance(subnets, Unknown) else subnets,
            [] if isinstance(groups, Unknown) else groups,
        ),
        "errors": errors,
    }
    record = consumers.function_record(
        scope, context.source(instance), name if known else instance.address, known, parts
    )
    context.suppress(record, instance, context.tags(instance))
    _read_images(context, record["derived"]["images"])
    scope.consumers.append(record)


# -- images the plan read --------------------------------------------------------------------


def _read_images(context: Context, images: list[dict[str, Any]]) -> None:
    """An image a `data "aws_ecr_image"` read at plan time exists: lookup `found`."""
    for image in images:
        if image.get("registry") != "ecr":
            continue
        for (_, base), values in sorted(context.plan.data.items()):
            if base.startswith("aws_ecr_image.") and _same_image(context, image, values):
                image["lookup"], image["imageDetail"] = "found", _detail(values)
                break


def _same_image(context: Context, image: dict[str, Any], values: dict[str, Any]) -> bool:
    read = parse_image_uri(values.get("image_uri")) if values.get("image_uri") else {}
    registry = read.get("registryId") or values.get("registry_id") or context.account
    region = read.get("region") or context.plan.provider_setting("aws", "region")
    if (registry, region, values.get("repository_name")) != (
        image["registryId"],
        image["region"],
        image["repositoryName"],
    ):
        return False
    if image.get("digest"):
        return values.get("image_digest") == image["digest"]
    tags = values.get("image_tags") if isinstance(values.get("image_tags"), list) else []
    return image["tag"] in tags or values.get("image_tag") == image["tag"]


def _detail(values: dict[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    if isinstance(values.get("image_digest"), str):
        detail["imageDigest"] = values["image_digest"]
    tags = values.get("image_tags")
    detail["imageTags"] = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    pushed = values.get("image_pushed_at")
    if isinstance(pushed, int | float) and not isinstance(pushed, bool) and 0 <= pushed < 2**34:
        moment = datetime.fromtimestamp(pushed, UTC).replace(microsecond=0)
        detail["imagePushedAt"] = moment.isoformat()
    return detail


# After IAM and the network: services link to roles, subnets and repositories.
STEPS = (
    ("aws_ecs_service", service),
    ("aws_lambda_function", function),
)

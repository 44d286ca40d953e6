"""CloudFormation templates (YAML or JSON) in, snapshot records out.

A template describes one stack in one account and region, which the template itself never
names: --account-id and --region fill AWS::AccountId and AWS::Region, and whatever depends on
them stays unknown without. An endpoint is judged as it will be once created, available.

One module per resource family, each with its STEPS: (resource type, function) in the order
they must run: repositories and the network first, then IAM, then the consumers (ECS
services, Lambda functions) that link to all three. A new family is a new module added here.
"""

from typing import Any

from scanner.errors import InputError
from scanner.iac.cloudformation import (
    consumers,
    ecr,
    endpoints,
    iam,
    network,
    registry,
    security_groups,
)
from scanner.iac.cloudformation.context import Context, Resource
from scanner.iac.records import UNKNOWN, Estate
from scanner.iac.settings import Settings

STEPS = (
    *ecr.STEPS,
    *registry.STEPS,
    *security_groups.STEPS,
    *network.STEPS,
    *endpoints.STEPS,
    *iam.STEPS,
    *consumers.STEPS,
)


def is_template(document: Any) -> bool:
    return isinstance(document, dict) and (
        "AWSTemplateFormatVersion" in document or isinstance(document.get("Resources"), dict)
    )


def load(template: dict[str, Any], where: str, estate: Estate, settings: Settings) -> None:
    if not isinstance(template.get("Resources"), dict) or not template["Resources"]:
        raise InputError(f"{where}: CloudFormation template has no Resources")
    for section in ("Parameters", "Mappings", "Conditions"):
        if not isinstance(template.get(section) or {}, dict):
            raise InputError(f"{where}: the template's {section} is not an object")
    scope = estate.scope(settings.account_id or UNKNOWN, settings.region or UNKNOWN, where)
    context = Context(template, where, settings, scope, estate)
    by_type: dict[str, list[Resource]] = {}
    for resource in context.resources():
        by_type.setdefault(str(resource.type), []).append(resource)
    for resource_type, step in STEPS:
        for resource in by_type.get(resource_type, []):
            step(context, resource)
    network.finish(context)

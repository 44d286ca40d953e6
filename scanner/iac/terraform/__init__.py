"""Terraform plan JSON in, snapshot records out (the same records the live collector writes).

Resources are judged as they will be after apply: deletions are skipped, a resource planned for
creation takes the values AWS sets on creation (an endpoint becomes available; ids are the
resource's address, so links stay readable), and a configuration value that only apply can tell
becomes an `errors` entry (code UnknownUntilApply) that the controls report as ERROR.

One module per resource family, each with its STEPS: (resource type, function) in the order
they must run: repositories and the network first, then IAM, then the consumers (ECS
services, Lambda functions) that link to all three. A new family is a new module added here.
"""

from typing import Any

from scanner.iac.records import Estate
from scanner.iac.settings import Settings
from scanner.iac.terraform import (
    consumers,
    ecr,
    endpoints,
    iam,
    network,
    registry,
    security_groups,
)
from scanner.iac.terraform.context import Context
from scanner.iac.terraform.plan import Plan

STEPS = (
    *ecr.STEPS,
    *registry.STEPS,
    *security_groups.STEPS,
    *network.STEPS,
    *endpoints.STEPS,
    *iam.STEPS,
    *consumers.STEPS,
)


def load(document: Any, where: str, estate: Estate, settings: Settings) -> None:
    context = Context(Plan(document, where), where, estate, settings)
    for resource_type, step in STEPS:
        for instance in context.plan.of_type(resource_type):
            step(context, instance)
    network.finish(context)

"""Security groups and their ingress rules: what vpc-ecr-endpoints-depth reads of an endpoint."""

from typing import Any

from scanner.iac import security_group_records
from scanner.iac.records import TERRAFORM, Unknown
from scanner.iac.terraform.context import Context
from scanner.iac.terraform.plan import Instance


def security_group(context: Context, instance: Instance) -> None:
    group = security_group_records.security_group(context.id_of(instance))
    context.groups[group["GroupId"]] = group
    # Unknown but not written inline: the rules are separate resources, added below.
    rules = context.configured(instance, "ingress")
    if isinstance(rules, Unknown):
        context.group_errors[group["GroupId"]] = context.error(rules)
        return
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue  # a damaged plan; the group is judged on the rules it does hold
        group["IpPermissions"].append(
            security_group_records.ingress_permission(
                rule.get("protocol"),
                rule.get("from_port"),
                rule.get("to_port"),
                rule.get("cidr_blocks") or [],
            )
        )


def _rule_group(context: Context, instance: Instance) -> dict | None:
    ids = context.link(instance, "security_group_id")
    if isinstance(ids, Unknown):
        return None
    return next((context.groups[i] for i in ids if i in context.groups), None)


def _add_rule(context: Context, instance: Instance, protocol_name: str, cidrs: Any) -> None:
    group = _rule_group(context, instance)
    if group is None:
        return  # a group this source does not declare: its endpoints say so
    values = [instance.value(name) for name in (protocol_name, "from_port", "to_port")]
    unknown = next((v for v in (*values, cidrs) if isinstance(v, Unknown)), None)
    if unknown:
        context.group_errors[group["GroupId"]] = context.error(unknown)
        return
    group["IpPermissions"].append(security_group_records.ingress_permission(*values, cidrs or []))


def security_group_rule(context: Context, instance: Instance) -> None:
    if instance.value("type") == "ingress":
        _add_rule(context, instance, "protocol", instance.value("cidr_blocks"))


def ingress_rule(context: Context, instance: Instance) -> None:
    cidr = instance.value("cidr_ipv4")
    _add_rule(context, instance, "ip_protocol", [cidr] if isinstance(cidr, str) else cidr)


def endpoint_groups(context: Context, instance: Instance, vpc: dict, endpoint: dict) -> None:
    """Link an interface endpoint to its groups; a group it names that the plan does not
    declare, or a rule known only after apply, leaves the VPC's securityGroups unknown."""
    ids = context.link(instance, "security_group_ids")
    if isinstance(ids, Unknown):
        vpc["errors"]["securityGroups"] = context.error(ids)
        ids = []
    security_group_records.attach_groups(
        TERRAFORM, instance.address, vpc, endpoint, ids, context.groups, context.group_errors
    )


# Before the endpoints, which copy the groups they use.
STEPS = (
    ("aws_security_group", security_group),
    ("aws_security_group_rule", security_group_rule),
    ("aws_vpc_security_group_ingress_rule", ingress_rule),
)

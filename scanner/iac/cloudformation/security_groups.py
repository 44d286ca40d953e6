"""Security groups and their ingress rules: what vpc-ecr-endpoints-depth reads of an endpoint."""

from typing import Any

from scanner.iac import security_group_records
from scanner.iac.cloudformation.context import Context, Resource, items
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import CLOUDFORMATION


def security_group(context: Context, resource: Resource) -> None:
    group = security_group_records.security_group(resource.id)
    context.groups[resource.id] = group
    rules = resource.get("SecurityGroupIngress")
    if rules is not None and not isinstance(rules, list) and not first_unknown(rules):
        # A damaged template: which traffic the group admits cannot be known, never "none".
        context.group_errors[group["GroupId"]] = CLOUDFORMATION.error(
            f"{resource.logical_id}.SecurityGroupIngress is not a list of rules"
        )
        return
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        _add_rule(context, resource, group, rule)


def ingress(context: Context, resource: Resource) -> None:
    group_id = resource.get("GroupId")
    group = context.groups.get(group_id) if isinstance(group_id, str) else None
    if group is not None:  # else a group this source does not declare: its endpoints say so
        _add_rule(context, resource, group, resource.properties)


def _add_rule(context: Context, resource: Resource, group: dict, rule: Any) -> None:
    unknown = first_unknown(rule)
    if unknown:
        context.group_errors[group["GroupId"]] = context.error(
            resource, "SecurityGroupIngress", unknown
        )
        return
    if not isinstance(rule, dict):
        return
    group["IpPermissions"].append(
        security_group_records.ingress_permission(
            rule.get("IpProtocol"),
            rule.get("FromPort"),
            rule.get("ToPort"),
            [rule.get("CidrIp")],
        )
    )


def endpoint_groups(context: Context, resource: Resource, vpc: dict, endpoint: dict) -> None:
    """Link an interface endpoint to its groups; a group the template does not declare, or a
    rule known only at deploy time, leaves the VPC's securityGroups unknown."""
    ids = resource.get("SecurityGroupIds")
    if first_unknown(ids):
        vpc["errors"]["securityGroups"] = context.error(
            resource, "SecurityGroupIds", first_unknown(ids)
        )
        ids = []
    ids = [i for i in items(ids) if isinstance(i, str)]
    security_group_records.attach_groups(
        CLOUDFORMATION,
        resource.logical_id,
        vpc,
        endpoint,
        ids,
        context.groups,
        context.group_errors,
    )


# Before the endpoints, which copy the groups they use.
STEPS = (
    ("AWS::EC2::SecurityGroup", security_group),
    ("AWS::EC2::SecurityGroupIngress", ingress),
)

"""IAM roles and the policies they get: what decides whether an execution role may pull.

aws_iam_role (assume_role_policy, inline_policy blocks, managed_policy_arns,
permissions_boundary), aws_iam_policy, aws_iam_role_policy, aws_iam_role_policy_attachment and
aws_iam_policy_attachment become the account's `iam` section (scanner.iac.iam_records). Links
follow the configuration's references (a policy's ARN, a role's name, are unknown until apply
for planned ones), else the names and ARNs the plan knows.
"""

from typing import Any

from scanner.iac import iam_records
from scanner.iac.records import Unknown, resource_id
from scanner.iac.terraform.context import Context, blocks_of
from scanner.iac.terraform.plan import Instance


def _stand_in(context: Context, instance: Instance, kind: str) -> str:
    return resource_id(context.where, kind, instance.address)


def policy_arn(context: Context, instance: Instance) -> str:
    """The ARN an aws_iam_policy will have (or its stand-in)."""
    return _arn(context, instance, "policy")


def role_arn(context: Context, instance: Instance) -> str:
    """The ARN an aws_iam_role will have (or its stand-in)."""
    return _arn(context, instance, "role")


def _arn(context: Context, instance: Instance, kind: str) -> str:
    known = instance.value("arn")
    if isinstance(known, str) and known:
        return known
    return iam_records.arn(
        context.estate.partition,
        context.account,
        kind,
        instance.value("path"),
        instance.value("name"),
        _stand_in(context, instance, f"iam-{kind}"),
    )


def _document(instance: Instance, name: str) -> Any:
    return iam_records.document(instance.value(name), f"{instance.address}.{name}")


def managed_policy(context: Context, instance: Instance) -> None:
    name = instance.value("name")
    iam_records.account_iam(context.estate, context.account).add_policy(
        policy_arn(context, instance),
        name if isinstance(name, str) and name else instance.address,
        _document(instance, "policy"),
        context.source(instance),
    )


def role(context: Context, instance: Instance) -> None:
    name = instance.value("name")
    record = iam_records.role_record(
        role_arn(context, instance),
        name if isinstance(name, str) and name else instance.address,
        instance.value("path"),
        _document(instance, "assume_role_policy"),
        context.source(instance),
    )
    record = iam_records.account_iam(context.estate, context.account).add_role(record)
    context.roles[instance.address] = record
    _inline_blocks(context, instance, record)
    for arn in _policy_arns(context, instance, "managed_policy_arns", record):
        iam_records.attach(record, arn)
    boundary = _policy_arns(context, instance, "permissions_boundary", record)
    if boundary:
        iam_records.set_boundary(record, boundary[0])


def _inline_blocks(context: Context, instance: Instance, record: dict) -> None:
    """The inline_policy blocks, each with its own unknowns (a policy naming a repository's
    ARN is known only after apply; its name usually is not)."""
    configured = context.configured(instance, "inline_policy")
    if configured is None:
        return  # not written inline: AWS reports the role's inline policies after apply
    blocks = instance.after.get("inline_policy")
    if isinstance(configured, Unknown) and not isinstance(blocks, list):
        iam_records.add_inline(record, "inline_policy", {"parseError": configured.message})
        return
    for index, block in enumerate(blocks_of(blocks)):
        name = instance.value("inline_policy", index, "name")
        empty = not isinstance(block, dict) or not (block.get("name") or block.get("policy"))
        if empty and not isinstance(name, Unknown):
            continue  # the empty block the provider plans for a role without any
        label = name if isinstance(name, str) and name else f"inline_policy[{index}]"
        policy = iam_records.document(
            instance.value("inline_policy", index, "policy"), f"{instance.address}.inline_policy"
        )
        iam_records.add_inline(record, label, policy)


def _policy_arns(context: Context, instance: Instance, name: str, record: dict) -> list[str]:
    """The policy ARNs an argument names: referenced aws_iam_policy resources, else the
    plan's values. An argument known only after apply attaches policies no one can read."""
    arns = [
        policy_arn(context, t.instance)
        for t in context.plan.targets(instance, name)
        if t.instance is not None and t.instance.type == "aws_iam_policy"
    ]
    value = context.configured(instance, name)
    if isinstance(value, Unknown) and not arns:
        iam_records.unknown_attachments(
            record, value.message, _stand_in(context, instance, f"unknown-{name}")
        )
        return []
    values = [value] if isinstance(value, str) else blocks_of(value)
    return arns or [v for v in values if isinstance(v, str) and v]


def _roles(context: Context, instance: Instance, name: str) -> list[dict] | Unknown:
    """The roles of this plan an argument names (by reference, else by name)."""
    linked = [
        context.roles[t.instance.address]
        for t in context.plan.targets(instance, name)
        if t.instance is not None and t.instance.address in context.roles
    ]
    if linked:
        return linked
    value = instance.value(name)
    if isinstance(value, Unknown):
        return value
    names = (
        {value} if isinstance(value, str) else {v for v in blocks_of(value) if isinstance(v, str)}
    )
    return [r for r in context.roles.values() if r["RoleName"] in names or r["Arn"] in names]


def _each_role(context: Context, instance: Instance, name: str):
    """The roles a policy resource applies to. Which ones only apply tells: every role of the
    plan may get it, so each gets a policy nobody can read."""
    roles = _roles(context, instance, name)
    if isinstance(roles, Unknown):
        message = f"{instance.address} applies to a role known only after apply ({roles.message})"
        for record in context.roles.values():
            iam_records.add_inline(record, instance.address, {"parseError": message})
        return []
    return roles


def role_policy(context: Context, instance: Instance) -> None:
    name = instance.value("name")
    policy = _document(instance, "policy")
    for record in _each_role(context, instance, "role"):
        label = name if isinstance(name, str) and name else instance.address
        iam_records.add_inline(record, label, policy)


def attachment(context: Context, instance: Instance) -> None:
    """aws_iam_role_policy_attachment (role) and aws_iam_policy_attachment (roles)."""
    field = "roles" if instance.type == "aws_iam_policy_attachment" else "role"
    for record in _each_role(context, instance, field):
        for arn in _policy_arns(context, instance, "policy_arn", record):
            iam_records.attach(record, arn)


# Policies first (roles attach them by ARN), roles before what names them.
STEPS = (
    ("aws_iam_policy", managed_policy),
    ("aws_iam_role", role),
    ("aws_iam_role_policy", role_policy),
    ("aws_iam_role_policy_attachment", attachment),
    ("aws_iam_policy_attachment", attachment),
)

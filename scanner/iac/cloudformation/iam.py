"""IAM roles and the policies they get: what decides whether an execution role may pull.

AWS::IAM::Role (AssumeRolePolicyDocument, Policies, ManagedPolicyArns, PermissionsBoundary),
AWS::IAM::ManagedPolicy, AWS::IAM::Policy and AWS::IAM::RolePolicy become the account's `iam`
section (scanner.iac.iam_records). A policy or role the template names with Ref or Fn::GetAtt is
linked by logical id (its real name or ARN may exist only after deploy); one named by a string
is matched by name or ARN.
"""

from typing import Any

from scanner.iac import iam_records
from scanner.iac.cloudformation.context import Context, Resource, items
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import resource_id


def _document(value: Any, what: str) -> Any:
    unknown = first_unknown(value)
    return iam_records.document(unknown or value, what)


def _arn(context: Context, kind: str, logical_id: str, body: dict[str, Any], name: str) -> str:
    properties = body.get("Properties") if isinstance(body.get("Properties"), dict) else {}
    resolve = context.intrinsics.resolve
    return iam_records.arn(
        context.scope.partition,
        context.scope.account_id,
        kind,
        resolve(properties.get("Path")),
        resolve(properties.get(name)),
        resource_id(context.where, f"iam-{kind}", logical_id),
    )


def _iam(context: Context) -> iam_records.AccountIam:
    return iam_records.account_iam(context.estate, context.scope.account_id)


def role_arn(context: Context, logical_id: str, body: dict[str, Any]) -> str:
    record = context.roles.get(logical_id)
    return record["Arn"] if record else _arn(context, "role", logical_id, body, "RoleName")


def role(context: Context, resource: Resource) -> None:
    name = resource.get("RoleName")
    record = iam_records.role_record(
        role_arn(context, resource.logical_id, resource.body),
        name if isinstance(name, str) and name else resource.logical_id,
        resource.get("Path"),
        _document(resource.get("AssumeRolePolicyDocument"), resource.logical_id),
        context.source(resource),
    )
    record = _iam(context).add_role(record)
    context.roles[resource.logical_id] = record
    for policy in items(resource.get("Policies")):
        if isinstance(policy, dict):
            label = policy.get("PolicyName")
            iam_records.add_inline(
                record,
                label if isinstance(label, str) and label else "Policies",
                _document(policy.get("PolicyDocument"), f"{resource.logical_id}.Policies"),
            )
    raw = context.raw(resource, "ManagedPolicyArns")
    for item in raw if isinstance(raw, list) else []:
        _attach(context, resource, record, item, "ManagedPolicyArns")
    boundary = context.raw(resource, "PermissionsBoundary")
    if boundary is not None:
        arn = _policy_arn(context, resource, record, boundary, "PermissionsBoundary")
        if arn:
            iam_records.set_boundary(record, arn)


def _policy_arn(
    context: Context, resource: Resource, record: dict, raw: Any, field: str
) -> str | None:
    """The ARN a raw property names: a ManagedPolicy of the template, or the value itself. A
    value only the deploy tells attaches a policy nobody can read."""
    declared = context.declared(raw, "AWS::IAM::ManagedPolicy")
    if declared:
        return _arn(context, "policy", declared[0], declared[1], "ManagedPolicyName")
    value = context.intrinsics.resolve(raw)
    unknown = first_unknown(value)
    if unknown:
        stand_in = resource_id(context.where, f"unknown-{field}", resource.logical_id)
        iam_records.unknown_attachments(
            record, f"{resource.logical_id}.{field}: {unknown.message}", stand_in
        )
        return None
    return value if isinstance(value, str) and value else None


def _attach(context: Context, resource: Resource, record: dict, raw: Any, field: str) -> None:
    arn = _policy_arn(context, resource, record, raw, field)
    if arn:
        iam_records.attach(record, arn)


def _roles(context: Context, resource: Resource, raw: Any) -> list[dict[str, Any]]:
    """The roles of this template a Roles list (or one RoleName) names. One the deploy alone
    tells may be any of them: each gets a policy nobody can read."""
    found = []
    for item in raw if isinstance(raw, list) else [raw]:
        declared = context.declared(item, "AWS::IAM::Role")
        if declared:
            found += [context.roles[declared[0]]] if declared[0] in context.roles else []
            continue
        value = context.intrinsics.resolve(item)
        unknown = first_unknown(value)
        if unknown:
            message = f"{resource.logical_id} applies to a role known only at deploy time"
            for record in context.roles.values():
                iam_records.add_inline(record, resource.logical_id, {"parseError": message})
            continue
        found += [r for r in context.roles.values() if value in (r["RoleName"], r["Arn"])]
    return found


def managed_policy(context: Context, resource: Resource) -> None:
    name = resource.get("ManagedPolicyName")
    label = name if isinstance(name, str) and name else resource.logical_id
    arn = _arn(context, "policy", resource.logical_id, resource.body, "ManagedPolicyName")
    _iam(context).add_policy(
        arn,
        label,
        _document(resource.get("PolicyDocument"), resource.logical_id),
        context.source(resource),
    )
    for record in _roles(context, resource, context.raw(resource, "Roles") or []):
        iam_records.attach(record, arn, label)


def inline_policy(context: Context, resource: Resource) -> None:
    """AWS::IAM::Policy (Roles) and AWS::IAM::RolePolicy (RoleName): inline policies."""
    field = "RoleName" if resource.type == "AWS::IAM::RolePolicy" else "Roles"
    name = resource.get("PolicyName")
    label = name if isinstance(name, str) and name else resource.logical_id
    policy = _document(resource.get("PolicyDocument"), resource.logical_id)
    for record in _roles(context, resource, context.raw(resource, field) or []):
        iam_records.add_inline(record, label, policy)


# Roles first: the policies that follow attach to them.
STEPS = (
    ("AWS::IAM::Role", role),
    ("AWS::IAM::ManagedPolicy", managed_policy),
    ("AWS::IAM::Policy", inline_policy),
    ("AWS::IAM::RolePolicy", inline_policy),
)

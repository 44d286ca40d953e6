"""The pulling or pushing identity of a document: a role with every policy that decides for it.

A role is joined from the snapshot's IAM section of its own account: its inline policies, the
default version of each attached managed policy, its permissions boundary and its trust policy,
each labelled the way a reason names it ("AmazonECSTaskExecutionRolePolicy", "inline policy
pull"). `state` says whether the role was found: found, missing (the account was read and has
no such role), not-scanned (the account's IAM is not in the snapshot), undeclared (planned
infrastructure, `ecrscan iac`, names a role its sources do not declare: it may well exist) or
failed (errors; for planned infrastructure also a role ARN known only after apply, `arn`).
"""

from typing import Any

from scanner.evaluate.snapshot_index import SnapshotIndex


def role_account(arn: str, default: str) -> str:
    parts = arn.split(":")
    return parts[4] if arn.startswith("arn:") and len(parts) > 5 and parts[4] else default


def resolve(index: SnapshotIndex, identity: dict[str, Any], account: str) -> dict[str, Any]:
    """The document form of one identity from a consumer's derived.identities."""
    kind = identity.get("kind")
    if isinstance(identity.get("error"), dict):  # planned: which role, only apply tells
        return _unknown_role(identity, account)
    if kind == "execution-role":
        return _role(index, "execution-role", str(identity.get("arn")), account, by="arn")
    if kind == "container-instance-role":
        return _role(index, kind, str(identity.get("instanceProfileArn")), account, by="profile")
    if kind == "lambda-service":
        return {"kind": kind, "functionArn": identity.get("functionArn"), "account": account}
    return {"kind": "none", "launchType": identity.get("launchType"), "account": account}


def resolve_role(index: SnapshotIndex, arn: str) -> dict[str, Any]:
    """A configured role (a pusher), named by ARN."""
    return _role(index, "role", arn, role_account(arn, ""), by="arn")


def _role(index: SnapshotIndex, kind: str, name: str, account: str, by: str) -> dict[str, Any]:
    owner = role_account(name, account)
    base = {
        "kind": kind,
        "arn": name,
        "account": owner,
        "policies": [],
        "boundary": None,
        "trust": None,
        "errors": dict(index.iam_errors(owner)),
    }
    roles = index.roles(owner)
    if base["errors"]:
        return base | {"state": "failed"}
    role = None if roles is None else _find(roles, name, by)
    if role is None and index.origin == "iac":
        return base | {"state": "undeclared"}  # it may exist: the sources do not say
    if roles is None:
        return base | {"state": "not-scanned"}
    if role is None:
        return base | {"state": "missing"}
    # Planned: a role whose name the deploy generates has a stand-in ARN (scanner.iac.iam_records)
    # that conditions on aws:PrincipalArn must not be decided against.
    unknown_arn = {"arnUnknown": role["arnUnknown"]} if role.get("arnUnknown") else {}
    return (
        base
        | unknown_arn
        | {
            "state": "found",
            "arn": role["Arn"],
            "instanceProfileArn": name if by == "profile" else None,
            "policies": _policies(index, owner, role),
            "boundary": _boundary(index, owner, role),
            "trust": role.get("AssumeRolePolicyDocument"),
        }
    )


def _unknown_role(identity: dict[str, Any], account: str) -> dict[str, Any]:
    return {
        "kind": identity.get("kind"),
        "arn": str(identity.get("arn")),
        "account": account,
        "policies": [],
        "boundary": None,
        "trust": None,
        "errors": {"arn": identity["error"]},
        "state": "failed",
    }


def _find(roles: dict[str, dict[str, Any]], name: str, by: str) -> dict[str, Any] | None:
    """By ARN, or by name: IAM role and instance profile names are unique in an account, and a
    task definition may name its execution role without the ARN or without its path."""
    last = name.rsplit("/", 1)[-1]
    if by == "profile":
        return roles.get("profile:" + name) or roles.get("profile-name:" + last)
    return roles.get(name) or roles.get("name:" + last)


def _policies(index: SnapshotIndex, account: str, role: dict[str, Any]) -> list[dict[str, Any]]:
    found = [
        {"label": f"inline policy {p.get('PolicyName')}", "document": p.get("PolicyDocument")}
        for p in role.get("RolePolicyList") or ()
    ]
    for attached in role.get("AttachedManagedPolicies") or ():
        found.append(
            _managed(index, account, attached.get("PolicyArn"), attached.get("PolicyName"))
        )
    return found


def _managed(index: SnapshotIndex, account: str, arn: Any, name: Any) -> dict[str, Any]:
    policy = index.policy(account, str(arn))
    label = str(name or str(arn).rsplit("/", 1)[-1])
    if policy is None:
        # Fail closed: a policy whose document is unknown can neither grant nor be ignored.
        return {"label": label, "document": None, "unknown": True}
    return {"label": label, "document": policy.get("Document")}


def _boundary(index: SnapshotIndex, account: str, role: dict[str, Any]) -> dict[str, Any] | None:
    arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not isinstance(arn, str) or not arn:
        return None
    return _managed(index, account, arn, None) | {
        "label": "permissions boundary " + arn.rsplit("/", 1)[-1]
    }

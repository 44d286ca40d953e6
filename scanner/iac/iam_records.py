"""The IAM roles and policies planned infrastructure declares, as the snapshot's `iam` section.

Shaped like the live collector's (GetAccountAuthorizationDetails items: see
scanner/collect/consumers/iam_authorization.py), so the same consumer documents and controls
judge a planned execution role. What a source cannot tell before apply is never left out: a
policy document known only after apply, or a managed policy the sources do not declare (and
that is not one of the AWS managed policies in scanner.iac.aws_managed_policies), is kept as a
document `{"parseError": why}`, which can neither grant nor be ignored: the cells it decides
are ERROR, naming it.

A role's ARN is the one AWS will give it (`arn:aws:iam::ACCOUNT:role/PATH/NAME`) when the
source names the role and its account is known; otherwise (a generated name, an unknown
account) it is a stand-in built from the role's identity in the source, unique per source,
whose last segment is the Terraform address or logical id that reasons then name.
"""

from typing import Any

from scanner.collect.policy_text import parse_policy_text
from scanner.iac.aws_managed_policies import aws_managed_name, vendored
from scanner.iac.records import UNKNOWN, Estate, Unknown


def arn(partition: str, account: str, kind: str, path: Any, name: Any, stand_in: str) -> str:
    """The ARN of a role or customer managed policy (`kind`), or its stand-in."""
    if isinstance(name, str) and name and account != UNKNOWN:
        return f"arn:{partition}:iam::{account}:{kind}{_path(path)}{name}"
    return f"arn:{partition}:iam::{account}:{kind}/{stand_in}"


def _path(path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/"):
        return "/"
    return path


def document(value: Any, what: str) -> Any:
    """A policy as a JSON value: text parsed, an object kept, anything else a parseError."""
    if isinstance(value, Unknown):
        return {"parseError": value.message}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        parsed = parse_policy_text(value)
        return parsed.get("document", parsed)
    return {"parseError": f"{what} holds no policy document"}


def role_record(role_arn: str, name: str, path: Any, trust: Any, source: dict) -> dict[str, Any]:
    stand_in = role_arn.split(":", 5)[-1].startswith("role/iac:")
    return {
        **({"arnUnknown": "the role's name is generated when it is created"} if stand_in else {}),
        "Arn": role_arn,
        "RoleName": name,
        "Path": _path(path),
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
        "InstanceProfileList": [],
        "source": source,
    }


def add_inline(role: dict[str, Any], name: str, policy: Any) -> None:
    role["RolePolicyList"].append({"PolicyName": name, "PolicyDocument": policy})


def attach(role: dict[str, Any], policy_arn: str, name: str | None = None) -> None:
    if any(p["PolicyArn"] == policy_arn for p in role["AttachedManagedPolicies"]):
        return
    label = name or policy_arn.rsplit("/", 1)[-1]
    role["AttachedManagedPolicies"].append({"PolicyName": label, "PolicyArn": policy_arn})


def set_boundary(role: dict[str, Any], policy_arn: str) -> None:
    role["PermissionsBoundary"] = {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": policy_arn,
    }


def unknown_attachments(role: dict[str, Any], message: str, stand_in: str) -> None:
    """Policies are attached that only apply can tell: a stand-in no section declares."""
    role.setdefault("unknownAttachments", {})[stand_in] = message
    attach(role, stand_in, "policies known only after apply")


def account_iam(estate: Estate, account: str) -> "AccountIam":
    """The account's IAM section of the run, created on first use."""
    return estate.iam.setdefault(account, AccountIam())


class AccountIam:
    """One account's roles and customer managed policies, from every source of a run."""

    def __init__(self) -> None:
        self.roles: dict[str, dict[str, Any]] = {}  # by Arn
        self.policies: dict[str, dict[str, Any]] = {}  # customer managed, by Arn

    def add_role(self, role: dict[str, Any]) -> dict[str, Any]:
        return self.roles.setdefault(role["Arn"], role)

    def add_policy(self, policy_arn: str, name: str, policy: Any, source: dict) -> None:
        self.policies[policy_arn] = {
            "Arn": policy_arn,
            "PolicyName": name,
            "DefaultVersionId": "v1",
            "Document": policy,
            "source": source,
        }

    def section(self) -> dict[str, Any]:
        """The `iam` entry: the roles, and every managed policy one of them uses."""
        used: dict[str, str] = {}
        for role in self.roles.values():
            unknown = role.get("unknownAttachments") or {}
            for item in role["AttachedManagedPolicies"]:
                used.setdefault(item["PolicyArn"], unknown.get(item["PolicyArn"], ""))
            boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
            if boundary:
                used.setdefault(boundary, "")
        return {
            "roles": [_without_marks(r) for r in self.roles.values()],
            "policies": [self._policy(a, why) for a, why in sorted(used.items())],
            "errors": {},
        }

    def _policy(self, policy_arn: str, unknown: str) -> dict[str, Any]:
        found = self.policies.get(policy_arn) or vendored(policy_arn)
        if found is not None and not unknown:
            return found
        name = policy_arn.rsplit("/", 1)[-1]
        why = unknown or _undeclared(policy_arn)
        return {"Arn": policy_arn, "PolicyName": name, "Document": {"parseError": why}}


def _undeclared(policy_arn: str) -> str:
    if aws_managed_name(policy_arn) is not None:
        return (
            "an AWS managed policy whose document ecrscan iac does not hold (it holds those "
            "that grant an ECR pull; the live scan reads every one)"
        )
    return f"{policy_arn} is not declared in the IaC sources, so its document is unknown"


def _without_marks(role: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in role.items() if k != "unknownAttachments"}

"""An account's IAM roles and the managed policies they use, read once per account.

GetAccountAuthorizationDetails (filtered to roles and managed policies, 1,000 items a page)
answers in a few requests what GetRole, ListRolePolicies, GetRolePolicy,
ListAttachedRolePolicies and GetPolicyVersion would take per role. Only what judging a pull or
a push needs is kept: each role's inline policies, attached policies, permissions boundary,
trust policy and instance profiles, and the default version of each managed policy some role
attaches or uses as a boundary.
"""

import json
from typing import Any
from urllib.parse import unquote

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, call
from scanner.collect.jsonable import to_json

FILTER = ["Role", "LocalManagedPolicy", "AWSManagedPolicy"]
PAGE_SIZE = 1000
ROLE_FIELDS = (
    "Arn",
    "RoleName",
    "RoleId",
    "Path",
    "AssumeRolePolicyDocument",
    "RolePolicyList",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
)


def collect_authorization(iam: BaseClient) -> dict[str, Any]:
    """{"roles": [...] or None, "policies": [...] or None, "errors": {...}}."""
    errors: dict[str, ErrorRecord] = {}
    details = attempt(errors, "authorizationDetails", lambda: _pages(iam))
    if details is None:
        return {"roles": None, "policies": None, "errors": errors}
    roles, policies = details
    used = {p["PolicyArn"] for r in roles for p in r.get("AttachedManagedPolicies") or ()}
    used |= {(r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") for r in roles} - {
        None
    }
    return {
        "roles": [_role(r) for r in roles],
        "policies": [_policy(p) for p in policies if p.get("Arn") in used],
        "errors": {},
    }


def unreachable(error: ErrorRecord) -> dict[str, Any]:
    """The entry of an account that could not be entered."""
    return {"roles": None, "policies": None, "errors": {"authorizationDetails": dict(error)}}


def _pages(iam: BaseClient) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    roles: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    params: dict[str, Any] = {"Filter": FILTER, "MaxItems": PAGE_SIZE}
    while True:
        page = call(iam, "GetAccountAuthorizationDetails", **params)
        roles += page.get("RoleDetailList", [])
        policies += page.get("Policies", [])
        if not page.get("IsTruncated") or not page.get("Marker"):
            return roles, policies
        params["Marker"] = page["Marker"]


def _role(role: dict[str, Any]) -> dict[str, Any]:
    trimmed = {f: role[f] for f in ROLE_FIELDS if f in role}
    trimmed["AssumeRolePolicyDocument"] = policy_document(role.get("AssumeRolePolicyDocument"))
    trimmed["RolePolicyList"] = [
        {
            "PolicyName": p.get("PolicyName"),
            "PolicyDocument": policy_document(p.get("PolicyDocument")),
        }
        for p in role.get("RolePolicyList") or ()
    ]
    trimmed["InstanceProfileList"] = [
        {"Arn": p.get("Arn"), "InstanceProfileName": p.get("InstanceProfileName")}
        for p in role.get("InstanceProfileList") or ()
    ]
    return to_json(trimmed)


def _policy(policy: dict[str, Any]) -> dict[str, Any]:
    default = next(
        (v for v in policy.get("PolicyVersionList") or () if v.get("IsDefaultVersion")), {}
    )
    return to_json(
        {
            "Arn": policy["Arn"],
            "PolicyName": policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],
            "DefaultVersionId": policy.get("DefaultVersionId"),
            "Document": policy_document(default.get("Document")),
        }
    )


def policy_document(document: Any) -> Any:
    """A policy document as a JSON value. botocore decodes IAM's URL-encoded JSON; a text it
    left alone is decoded here, and one that is not JSON is kept as {"parseError": ...}."""
    if document is None or isinstance(document, dict):
        return document
    if not isinstance(document, str):
        return {"parseError": f"expected a policy document, got {type(document).__name__}"}
    for text in (document, unquote(document)):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    return {"parseError": "policy document is not valid JSON"}

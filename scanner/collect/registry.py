"""The region's private registry: replication, scanning configuration, registry policy, pull-through
cache rules and repository creation templates."""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, call
from scanner.collect.jsonable import response_body
from scanner.collect.policy_text import parse_optional_policy_text
from scanner.collect.pull_through_cache import collect_pull_through_cache

REGISTRY_POLICY_ABSENT = ("RegistryPolicyNotFoundException",)


def collect_registry(ecr: BaseClient) -> dict[str, Any]:
    errors: dict[str, ErrorRecord] = {}
    described = attempt(
        errors, "replicationConfiguration", lambda: response_body(call(ecr, "DescribeRegistry"))
    )
    scanning = attempt(
        errors,
        "scanningConfiguration",
        lambda: response_body(call(ecr, "GetRegistryScanningConfiguration")),
    )
    policy = attempt(
        errors,
        "registryPolicy",
        lambda: response_body(call(ecr, "GetRegistryPolicy")),
        absent_codes=REGISTRY_POLICY_ABSENT,
    )
    return {
        "registryId": _registry_id(described, scanning, policy),
        "scanningConfiguration": (scanning or {}).get("scanningConfiguration"),
        "replicationConfiguration": (described or {}).get("replicationConfiguration"),
        "registryPolicy": policy,
        **collect_pull_through_cache(ecr, errors),
        "derived": {
            "registryPolicy": parse_optional_policy_text((policy or {}).get("policyText")),
        },
        "errors": errors,
    }


def _registry_id(*responses: dict[str, Any] | None) -> str | None:
    """The registry id from whichever call succeeded (they all report it)."""
    for response in responses:
        if response and response.get("registryId"):
            return response["registryId"]
    return None

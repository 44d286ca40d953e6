"""A region's VPCs with the subnets, route tables and VPC endpoints that decide how ECR is reached.

Each listing is paginated once for the whole region and grouped by VpcId, so the number of calls
does not grow with the number of VPCs.
"""

from collections import defaultdict
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, paginate
from scanner.collect.jsonable import to_json
from scanner.collect.policy_text import parse_optional_policy_text

# errors key -> (operation, result key). The VPC listing itself is fetched separately.
VPC_PARTS = {
    "subnets": ("DescribeSubnets", "Subnets"),
    "routeTables": ("DescribeRouteTables", "RouteTables"),
    "vpcEndpoints": ("DescribeVpcEndpoints", "VpcEndpoints"),
}


def collect_network(ec2: BaseClient) -> dict[str, Any]:
    """{"vpcs": [...] or None, "errors": {...}}.

    A part that could not be listed leaves every VPC's list for it empty and an entry under
    errors[part]; the schema has no per-VPC null, so the region-wide error is what marks it.
    """
    errors: dict[str, ErrorRecord] = {}
    vpcs = attempt(errors, "vpcs", lambda: _list(ec2, "DescribeVpcs", "Vpcs"))
    if vpcs is None:
        # Nothing to attach subnets or endpoints to; listing them would only cost calls.
        return {"vpcs": None, "errors": errors}
    parts = {
        part: attempt(errors, part, lambda op=operation, key=key: _list(ec2, op, key)) or []
        for part, (operation, key) in VPC_PARTS.items()
    }
    grouped = {part: _by_vpc(items) for part, items in parts.items()}
    groups = _security_groups(ec2, parts["vpcEndpoints"], errors)
    return {
        "vpcs": [_vpc_record(vpc, grouped) | _groups_of(vpc, grouped, groups) for vpc in vpcs],
        "errors": errors,
    }


def _security_groups(
    ec2: BaseClient, endpoints: list[dict[str, Any]], errors: dict[str, ErrorRecord]
) -> dict[str, dict[str, Any]]:
    """The security groups the region's interface endpoints use, by GroupId.

    Only those: a VPC can hold hundreds of groups that no endpoint uses. Listed with a
    group-id filter in chunks of 200, the filter's limit.
    """
    ids = sorted({g["GroupId"] for e in endpoints for g in e.get("Groups", []) if "GroupId" in g})
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 200):
        chunk = ids[start : start + 200]
        filters = [{"Name": "group-id", "Values": chunk}]
        listed = attempt(
            errors,
            "securityGroups",
            lambda f=filters: to_json(
                paginate(ec2, "DescribeSecurityGroups", "SecurityGroups", Filters=f)
            ),
        )
        found.update({group["GroupId"]: group for group in listed or []})
    return found


def _groups_of(
    vpc: dict[str, Any], grouped: dict[str, dict[str, list[dict[str, Any]]]], groups: dict
) -> dict[str, Any]:
    endpoints = grouped["vpcEndpoints"].get(vpc["VpcId"], [])
    ids = sorted({g["GroupId"] for e in endpoints for g in e.get("Groups", []) if "GroupId" in g})
    return {"securityGroups": [groups[i] for i in ids if i in groups]}


def _list(ec2: BaseClient, operation: str, result_key: str) -> list[dict[str, Any]]:
    return to_json(paginate(ec2, operation, result_key))


def _by_vpc(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item.get("VpcId", "")].append(item)
    return grouped


def _vpc_record(
    vpc: dict[str, Any], grouped: dict[str, dict[str, list[dict[str, Any]]]]
) -> dict[str, Any]:
    vpc_id = vpc["VpcId"]
    endpoints = grouped["vpcEndpoints"].get(vpc_id, [])
    return {
        "vpc": vpc,
        "subnets": grouped["subnets"].get(vpc_id, []),
        "routeTables": grouped["routeTables"].get(vpc_id, []),
        "vpcEndpoints": endpoints,
        "derived": {
            "vpcEndpointPolicies": {
                endpoint["VpcEndpointId"]: parse_optional_policy_text(
                    endpoint.get("PolicyDocument")
                )
                for endpoint in endpoints
            }
        },
    }

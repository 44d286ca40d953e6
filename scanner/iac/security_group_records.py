"""Security groups as DescribeSecurityGroups gives them, from either tool's declarations, and
the link from an interface endpoint to the groups it uses."""

from typing import Any

from scanner.iac.records import SourceKind


def security_group(group_id: str) -> dict[str, Any]:
    """An item of DescribeSecurityGroups: its ingress rules are added as the source gives them."""
    return {"GroupId": group_id, "IpPermissions": []}


def ingress_permission(protocol: Any, from_port: Any, to_port: Any, cidrs: list) -> dict:
    """One IpPermissions item; protocol -1 (all traffic) has no ports, as AWS reports it."""
    permission: dict[str, Any] = {"IpProtocol": str(protocol)}
    if str(protocol) != "-1":
        for name, port in (("FromPort", from_port), ("ToPort", to_port)):
            text = str(port) if isinstance(port, int | str) else ""
            if text.lstrip("-").isdigit() and len(text) <= 6:  # ports are 0-65535, or -1
                permission[name] = int(port)
    permission["IpRanges"] = [{"CidrIp": c} for c in cidrs if isinstance(c, str)]
    return permission


def attach_groups(
    kind: SourceKind,
    who: str,
    vpc: dict[str, Any],
    endpoint: dict[str, Any],
    ids: list[str],
    groups: dict[str, dict],
    group_errors: dict[str, dict],
) -> None:
    """Link an endpoint to its groups and copy them to the VPC (DescribeSecurityGroups of the
    groups its endpoints use). A group with rules known only at deploy time (group_errors), or
    one the source does not declare, leaves the VPC's securityGroups unknown."""
    endpoint["Groups"] = [{"GroupId": i} for i in ids]
    present = {g["GroupId"] for g in vpc["securityGroups"]}
    for group_id in ids:
        if group_id in groups and group_id not in present:
            vpc["securityGroups"].append(groups[group_id])
            present.add(group_id)
        if group_id in group_errors:
            vpc["errors"]["securityGroups"] = group_errors[group_id]
    undeclared = [i for i in ids if i not in groups]
    if undeclared:
        vpc["errors"]["securityGroups"] = kind.error(
            f"{who}: security group(s) {', '.join(undeclared)} are not declared in this "
            f"{kind.document}, so their ingress rules are unknown"
        )

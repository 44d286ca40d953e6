"""A region's NAT gateways: whether a route's NAT target can reach the internet.

One paginated DescribeNatGateways per region. A route to a NAT gateway reaches ECR's public
endpoints only when the gateway is `available` and public (ConnectivityType `public`, placed in
a subnet with an internet gateway route), which the route alone does not tell.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, paginate
from scanner.collect.jsonable import to_json

FIELDS = ("NatGatewayId", "VpcId", "SubnetId", "State", "ConnectivityType")


def collect_nat_gateways(
    ec2: BaseClient, errors: dict[str, ErrorRecord]
) -> list[dict[str, Any]] | None:
    listed = attempt(
        errors, "natGateways", lambda: paginate(ec2, "DescribeNatGateways", "NatGateways")
    )
    if listed is None:
        return None
    return to_json([{f: g[f] for f in FIELDS if f in g} for g in listed])

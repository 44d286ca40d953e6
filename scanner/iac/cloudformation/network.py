"""VPCs, subnets, route tables, routes and associations: what decides a subnet is private."""

from scanner.iac import consumer_records, records
from scanner.iac.cloudformation.context import Context, Resource, tags_of
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import CLOUDFORMATION, UNKNOWN, Unknown

_ROUTE_FIELDS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "GatewayId",
    "NatGatewayId",
    "VpcEndpointId",
    "TransitGatewayId",
    "EgressOnlyInternetGatewayId",
)


def vpc(context: Context, resource: Resource) -> None:
    record = records.vpc_record(
        resource.id, resource.get("CidrBlock"), tags_of(resource), context.source(resource)
    )
    if context.scope.region == UNKNOWN:
        record["errors"]["region"] = records.region_hint(CLOUDFORMATION, resource.logical_id)
    context.suppress(record, resource)
    context.scope.vpcs[record["source"]["id"]] = record
    context.vpcs[resource.id] = record


def subnet(context: Context, resource: Resource) -> None:
    vpc = context.vpc_of(resource, "subnets")
    if vpc is None:
        return
    subnet = {"SubnetId": resource.id, "VpcId": vpc["vpc"]["VpcId"]}
    for name in ("CidrBlock", "AvailabilityZone"):
        if isinstance(resource.get(name), str):
            subnet[name] = resource.get(name)
    if not isinstance(subnet.get("AvailabilityZone"), str):
        # AWS picks the zone on creation: which zones endpoints must span is unknown.
        zone = resource.get("AvailabilityZone")
        vpc["errors"]["availabilityZones"] = context.error(
            resource,
            "AvailabilityZone",
            zone if isinstance(zone, Unknown) else Unknown("AWS chooses it at deploy time"),
        )
    subnet["MapPublicIpOnLaunch"] = resource.get("MapPublicIpOnLaunch") in (True, "true")
    vpc["subnets"].append(subnet)


def route_table(context: Context, resource: Resource) -> None:
    vpc = context.vpc_of(resource, "routeTables")
    if vpc is None:
        return
    local = vpc["routeTables"][0]["Routes"][0]
    vpc["routeTables"].append(
        {
            "RouteTableId": resource.id,
            "VpcId": vpc["vpc"]["VpcId"],
            "Associations": [],
            "Routes": [dict(local)],
        }
    )


def route(context: Context, resource: Resource) -> None:
    """AWS::EC2::Route. Controls tell a public subnet by a route to an internet gateway (igw-):
    a destination or a NAT, transit or endpoint target known only at deploy time decides
    nothing, so only an unknown GatewayId is undecided, and only where it matters (finish)."""
    gateway = resource.get("GatewayId")
    table_id = resource.get("RouteTableId")
    if isinstance(table_id, Unknown):
        if isinstance(gateway, Unknown) or str(gateway).startswith("igw-"):
            context.scope.network_errors["routeTables"] = context.error(
                resource, "RouteTableId", table_id
            )
        elif resource.get("NatGatewayId") is not None:  # a consumer's way out, unknown
            context.scope.network_errors["natGateways"] = context.error(
                resource, "RouteTableId", table_id
            )
        return
    found = context.table(table_id)
    if found is None:
        return
    _, table = found
    if isinstance(gateway, Unknown):
        context.unknown_gateways.setdefault(
            table["RouteTableId"], context.error(resource, "GatewayId", gateway)
        )
        return
    route = {
        name: resource.get(name) if isinstance(resource.get(name), str) else "(unknown)"
        for name in _ROUTE_FIELDS
        if resource.get(name) is not None
    }
    table["Routes"].append({**route, "State": "active"})


def finish(context: Context) -> None:
    """An unknown gateway decides nothing when its table serves no subnet, or when the table
    already leads to an internet gateway; otherwise the VPC's route tables are undecided."""
    for table_id, error in context.unknown_gateways.items():
        vpc, table = context.table(table_id)
        if records.serves_a_subnet(vpc, table) and not records.is_public(table):
            vpc["errors"]["routeTables"] = error


def association(context: Context, resource: Resource) -> None:
    unknown = first_unknown(resource.properties)
    if unknown:
        context.scope.network_errors["routeTables"] = context.error(resource, "Properties", unknown)
        return
    found = context.table(resource.get("RouteTableId"))
    if found is None:
        return
    found[1]["Associations"].append(
        {
            "Main": False,
            "SubnetId": resource.get("SubnetId"),
            "RouteTableId": found[1]["RouteTableId"],
            "RouteTableAssociationId": resource.id,
        }
    )


def nat_gateway(context: Context, resource: Resource) -> None:
    """A NAT gateway, for the consumers whose default route leads to it (DescribeNatGateways)."""
    subnet_id = resource.get("SubnetId")
    if not isinstance(subnet_id, str) or not subnet_id:
        # Which subnet, so whether it reaches an internet gateway, only the deploy tells.
        unknown = first_unknown(subnet_id) or Unknown("no SubnetId")
        context.scope.network_errors["natGateways"] = context.error(resource, "SubnetId", unknown)
        return
    vpc = next(
        (
            v["vpc"]["VpcId"]
            for v in context.vpcs.values()
            if any(s["SubnetId"] == subnet_id for s in v["subnets"])
        ),
        None,
    )
    context.scope.nat_gateways.append(
        consumer_records.nat_gateway(
            resource.id,
            subnet_id,
            vpc,
            resource.get("ConnectivityType"),
            context.source(resource),
        )
    )


# VPCs before what lives in them; tables before their routes and associations.
STEPS = (
    ("AWS::EC2::VPC", vpc),
    ("AWS::EC2::Subnet", subnet),
    ("AWS::EC2::NatGateway", nat_gateway),
    ("AWS::EC2::RouteTable", route_table),
    ("AWS::EC2::Route", route),
    ("AWS::EC2::SubnetRouteTableAssociation", association),
)

"""VPCs, subnets, route tables, routes and associations: what decides a subnet is private."""

from typing import Any

from scanner.iac import consumer_records, records
from scanner.iac.records import TERRAFORM, UNKNOWN, Unknown
from scanner.iac.terraform.context import Context, blocks_of
from scanner.iac.terraform.plan import Instance

_ROUTE_FIELDS = {
    "cidr_block": "DestinationCidrBlock",
    "destination_cidr_block": "DestinationCidrBlock",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock",
}
_ROUTE_TARGETS = {
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "vpc_endpoint_id": "VpcEndpointId",
    "transit_gateway_id": "TransitGatewayId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
}


def vpc(context: Context, instance: Instance) -> None:
    scope = context.scope(instance)
    vpc_id = context.id_of(instance)
    tags = context.tags(instance)
    record = records.vpc_record(
        vpc_id,
        instance.value("cidr_block"),
        tags,
        context.source(instance),
        main=context.id_of(instance, "main_route_table_id"),
    )
    if scope.region == UNKNOWN:
        record["errors"]["region"] = records.region_hint(TERRAFORM, instance.address)
    context.suppress(record, instance, tags)
    scope.vpcs[record["source"]["id"]] = record
    context.vpcs[vpc_id] = (scope, record)
    main = record["routeTables"][0]
    context.tables[main["RouteTableId"]] = (record, main)


def subnet(context: Context, instance: Instance) -> None:
    vpc = context.vpc_for(instance, "subnets")
    if vpc is None:
        return
    subnet = {"SubnetId": context.id_of(instance), "VpcId": vpc["vpc"]["VpcId"]}
    for field, name in (("cidr_block", "CidrBlock"), ("availability_zone", "AvailabilityZone")):
        value = instance.value(field)
        if isinstance(value, str):
            subnet[name] = value
    subnet["MapPublicIpOnLaunch"] = instance.value("map_public_ip_on_launch") is True
    zone = instance.value("availability_zone")
    if isinstance(zone, Unknown):
        # AWS picks the zone on creation: which zones endpoints must span is unknown.
        vpc["errors"]["availabilityZones"] = context.error(zone)
    vpc["subnets"].append(subnet)


def route_table(context: Context, instance: Instance) -> None:
    vpc = context.vpc_for(instance, "routeTables")
    if vpc is None:
        return
    table_id = context.id_of(instance)
    table = {"RouteTableId": table_id, "VpcId": vpc["vpc"]["VpcId"], "Associations": []}
    table["Routes"] = [records.local_route(vpc["vpc"].get("CidrBlock"))]
    vpc["routeTables"].append(table)
    context.tables[table_id] = (vpc, table)
    _add_inline_routes(context, instance, table)


def default_route_table(context: Context, instance: Instance) -> None:
    """aws_default_route_table manages the main table AWS creates with the VPC: its inline
    routes are that table's."""
    ids = context.link(instance, "default_route_table_id")
    found = None if isinstance(ids, Unknown) else _table(context, ids)
    if found is None:
        return  # the default table of a VPC this source does not declare
    _, table = found
    table["Routes"] = table["Routes"][:1]  # the local route; the resource replaces the rest
    _add_inline_routes(context, instance, table)


def main_association(context: Context, instance: Instance) -> None:
    """aws_main_route_table_association makes another table the VPC's main one."""
    vpcs, tables = context.link(instance, "vpc_id"), context.link(instance, "route_table_id")
    unknown = next((v for v in (vpcs, tables) if isinstance(v, Unknown)), None)
    if unknown:
        context.scope(instance).network_errors["routeTables"] = context.error(unknown)
        return
    found = _table(context, tables)
    if found is None:
        return
    vpc, table = found
    for other in vpc["routeTables"]:
        other["Associations"] = [a for a in other["Associations"] if a.get("Main") is not True]
    table["Associations"].append({"Main": True, "RouteTableId": table["RouteTableId"]})


def _table(context: Context, ids: list[str]) -> tuple[dict, dict] | None:
    return next((context.tables[t] for t in ids if t in context.tables), None)


def _add_inline_routes(context: Context, instance: Instance, table: dict) -> None:
    """The table's inline `route` blocks. A plan marks `route` unknown whenever nothing is
    written inline (AWS fills it from aws_route resources, added by `route` below): that is
    no inline route, not an unknown one."""
    value = instance.value("route")
    if not isinstance(value, Unknown):
        table["Routes"] += [_known_route(r) for r in blocks_of(value) if isinstance(r, dict)]
        return
    blocks = instance.expression("route")
    if blocks is None:
        return
    if isinstance(blocks, list):
        for block in blocks:
            _add_route(context, table, _configured_route(context, instance, block))
    else:  # a set of blocks: Terraform lists only the references all its blocks make
        _routes_from_references(context, instance, blocks, table, value)


# What a route leads to, by the type of the resource it references.
_TARGET_TYPES = {
    "aws_internet_gateway": "GatewayId",
    "aws_vpn_gateway": "GatewayId",
    "aws_nat_gateway": "NatGatewayId",
    "aws_vpc_endpoint": "VpcEndpointId",
    "aws_ec2_transit_gateway": "TransitGatewayId",
    "aws_egress_only_internet_gateway": "EgressOnlyInternetGatewayId",
    "aws_vpc_peering_connection": "VpcPeeringConnectionId",
}


def _routes_from_references(
    context: Context, instance: Instance, expression: Any, table: dict, value: Unknown
) -> None:
    """Inline routes whose values are known only after apply: one route per gateway, NAT or
    endpoint they reference. A reference the plan cannot follow (a local, a data source read at
    apply) may be a gateway: undecided, where it matters (finish)."""
    targets: dict[str, str] = {}  # target id -> the route field it fills
    for reference in expression.get("references") or []:
        found = context.plan.targets_of(instance, {"references": [reference]})
        for target in found:
            name = _TARGET_TYPES.get(target.instance.type) if target.instance else None
            if name:
                targets[context.id_of(target.instance)] = name
        if found or not isinstance(reference, str):
            continue  # a resource of the plan: a target above, or a destination (a VPC's CIDR)
        known = context.plan.evaluate(instance.path, {"references": [reference]})
        if known is None:
            context.unknown_gateways.setdefault(table["RouteTableId"], context.error(value))
        elif str(known).startswith("igw-"):
            targets[str(known)] = "GatewayId"
    table["Routes"] += _paired_routes(instance, targets)


def _paired_routes(instance: Instance, targets: dict[str, str]) -> list[dict[str, Any]]:
    """The planned blocks as routes (their destinations are usually known), each target that
    only apply tells taken from the references where that is unambiguous: one block leaves
    the field unknown and one target of its kind is referenced. A target not placed so is a
    route of its own, without destination."""
    after = instance.after.get("route")
    marks = instance.unknown.get("route") if isinstance(instance.unknown, dict) else None
    by_name: dict[str, list[str]] = {}
    for target_id, name in sorted(targets.items()):
        by_name.setdefault(name, []).append(target_id)
    routes, placed = [], set()
    if isinstance(after, list) and isinstance(marks, list) and len(after) == len(marks):
        for block, mark in zip(after, marks, strict=True):
            if not isinstance(block, dict) or not isinstance(mark, dict):
                continue
            route = _known_route(block)
            for field, name in _ROUTE_TARGETS.items():
                blocks = [m for m in marks if isinstance(m, dict) and m.get(field) is True]
                if mark.get(field) is True and len(blocks) == 1 and len(by_name.get(name, [])) == 1:
                    route[name] = by_name[name][0]
                    placed.add(route[name])
            if any(name in route for name in _ROUTE_TARGETS.values()):
                routes.append(route)
    unplaced = [{"State": "active", n: i} for i, n in sorted(targets.items()) if i not in placed]
    return routes + unplaced


def _configured_route(context: Context, instance: Instance, block: Any) -> dict[str, Any]:
    route: dict[str, Any] = {"State": "active"}
    block = block if isinstance(block, dict) else {}
    for field, name in _ROUTE_FIELDS.items():
        value = context.plan.evaluate(instance.path, block.get(field))
        if isinstance(value, str) and value:
            route[name] = value
    for field, name in _ROUTE_TARGETS.items():
        ids = context.expression_ids(instance, block.get(field))
        if ids:
            route[name] = ids if isinstance(ids, Unknown) else ids[0]
    return route


def route(context: Context, instance: Instance) -> None:
    """aws_route: one route added to a table of this source. A table known only after apply
    matters only when the route may lead to an internet gateway."""
    planned: dict[str, Any] = {"State": "active"}
    for field, name in _ROUTE_FIELDS.items():
        value = instance.value(field)
        if isinstance(value, str) and value:
            planned[name] = value
    for field, name in _ROUTE_TARGETS.items():
        ids = context.link(instance, field)
        if ids:
            planned[name] = ids if isinstance(ids, Unknown) else ids[0]
    tables = context.link(instance, "route_table_id")
    if isinstance(tables, Unknown):
        if _may_be_internet(planned):
            context.scope(instance).network_errors["routeTables"] = context.error(tables)
        elif "NatGatewayId" in planned:  # a consumer's way out through a NAT gateway, unknown
            context.scope(instance).network_errors["natGateways"] = context.error(tables)
        return
    found = _table(context, tables)
    if found is not None:  # else a route table this source does not manage
        _add_route(context, found[1], planned)


def _may_be_internet(route: dict[str, Any]) -> bool:
    gateway = route.get("GatewayId")
    return isinstance(gateway, Unknown) or str(gateway).startswith("igw-")


def _add_route(context: Context, table: dict, route: dict[str, Any]) -> None:
    """Controls tell a public subnet by a route to an internet gateway (igw-): a NAT, transit
    or endpoint target known only after apply is still not one, so only an unknown gateway_id
    is undecided, and only if the table turns out to matter (see finish)."""
    for name, value in list(route.items()):
        if isinstance(value, Unknown):
            if name == "GatewayId":
                context.unknown_gateways.setdefault(table["RouteTableId"], context.error(value))
            route[name] = "(known after apply)"
    if route.get("GatewayId") != "(known after apply)":
        table["Routes"].append(route)


def finish(context: Context) -> None:
    """An unknown gateway decides nothing when its table serves no subnet, or when the table
    already leads to an internet gateway; otherwise the VPC's route tables are undecided."""
    for table_id, error in context.unknown_gateways.items():
        vpc, table = context.tables[table_id]
        if records.serves_a_subnet(vpc, table) and not records.is_public(table):
            vpc["errors"]["routeTables"] = error


def association(context: Context, instance: Instance) -> None:
    tables, subnets = (
        context.link(instance, "route_table_id"),
        context.link(instance, "subnet_id"),
    )
    unknown = next((v for v in (tables, subnets) if isinstance(v, Unknown)), None)
    if unknown:
        context.scope(instance).network_errors["routeTables"] = context.error(unknown)
        return
    found = next((context.tables[t] for t in tables if t in context.tables), None)
    if found is None or not subnets:
        return  # not a table of this source, or a gateway (edge) association
    _, table = found
    table["Associations"].append(
        {
            "Main": False,
            "SubnetId": subnets[0],
            "RouteTableId": table["RouteTableId"],
            "RouteTableAssociationId": context.id_of(instance),
        }
    )


def nat_gateway(context: Context, instance: Instance) -> None:
    """A NAT gateway, for the consumers whose default route leads to it (DescribeNatGateways)."""
    subnets = context.link(instance, "subnet_id")
    scope = context.scope(instance)
    if isinstance(subnets, Unknown) or not subnets:
        # Which subnet, so whether it reaches an internet gateway, only apply tells.
        unknown = subnets if isinstance(subnets, Unknown) else Unknown("no subnet_id")
        scope.network_errors["natGateways"] = context.error(unknown)
        return
    vpc = next(
        (
            v["vpc"]["VpcId"]
            for _, v in context.vpcs.values()
            if any(s["SubnetId"] == subnets[0] for s in v["subnets"])
        ),
        None,
    )
    scope.nat_gateways.append(
        consumer_records.nat_gateway(
            context.id_of(instance),
            subnets[0],
            vpc,
            instance.value("connectivity_type"),
            context.source(instance),
        )
    )


def _known_route(route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"State": "active"}
    for field, name in {**_ROUTE_FIELDS, **_ROUTE_TARGETS}.items():
        value = route.get(field)
        if isinstance(value, str) and value:
            out[name] = value
    return out


# VPCs before what lives in them; tables before their routes and associations.
STEPS = (
    ("aws_vpc", vpc),
    ("aws_subnet", subnet),
    ("aws_nat_gateway", nat_gateway),
    ("aws_route_table", route_table),
    ("aws_default_route_table", default_route_table),
    ("aws_main_route_table_association", main_association),
    ("aws_route", route),
    ("aws_route_table_association", association),
)

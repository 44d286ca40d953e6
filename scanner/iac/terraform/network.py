"""VPCs, subnets, route tables, routes and associations: what decides a subnet is private."""

from typing import Any

from scanner.iac import records
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
    routes = _inline_routes(context, instance)
    if isinstance(routes, Unknown):
        vpc["errors"]["routeTables"] = context.error(routes)
        routes = []
    local = [records.local_route(vpc["vpc"].get("CidrBlock"))]
    table = {
        "RouteTableId": table_id,
        "VpcId": vpc["vpc"]["VpcId"],
        "Associations": [],
        "Routes": local + routes,
    }
    vpc["routeTables"].append(table)
    context.tables[table_id] = (vpc, table)


def _inline_routes(context: Context, instance: Instance) -> list[dict] | Unknown:
    value = instance.value("route")
    if not isinstance(value, Unknown):
        return [_known_route(r) for r in blocks_of(value) if isinstance(r, dict)]
    blocks = instance.expression("route")
    if not isinstance(blocks, list):
        return value
    routes = []
    for block in blocks:
        route = _configured_route(context, instance, block)
        if isinstance(route, Unknown):
            return route
        routes.append(route)
    return routes


def _configured_route(context: Context, instance: Instance, block: Any) -> dict | Unknown:
    route: dict[str, Any] = {"State": "active"}
    for field, name in _ROUTE_FIELDS.items():
        value = context.plan.evaluate(instance.path, (block or {}).get(field))
        if isinstance(value, str) and value:
            route[name] = value
    for field, name in _ROUTE_TARGETS.items():
        ids = context.expression_ids(instance, (block or {}).get(field))
        if isinstance(ids, Unknown):
            return ids
        if ids:
            route[name] = ids[0]
    return route


def route(context: Context, instance: Instance) -> None:
    tables = context.link(instance, "route_table_id")
    if isinstance(tables, Unknown):
        context.scope(instance).network_errors["routeTables"] = context.error(tables)
        return
    found = next((context.tables[t] for t in tables if t in context.tables), None)
    if found is None:
        return  # a route table this source does not manage
    vpc, table = found
    route: dict[str, Any] = {"State": "active"}
    for field, name in _ROUTE_FIELDS.items():
        value = instance.value(field)
        if isinstance(value, str) and value:
            route[name] = value
    for field, name in _ROUTE_TARGETS.items():
        ids = context.link(instance, field)
        if isinstance(ids, Unknown):
            vpc["errors"]["routeTables"] = context.error(ids)
            return
        if ids:
            route[name] = ids[0]
    table["Routes"].append(route)


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
    ("aws_route_table", route_table),
    ("aws_route", route),
    ("aws_route_table_association", association),
)

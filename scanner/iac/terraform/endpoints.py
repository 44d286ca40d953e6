"""VPC endpoints (ECR interface endpoints, the S3 gateway) and their route table links."""

from scanner.iac.records import Unknown
from scanner.iac.terraform.context import Context
from scanner.iac.terraform.plan import Instance
from scanner.iac.terraform.security_groups import endpoint_groups


def endpoint(context: Context, instance: Instance) -> None:
    vpc = context.vpc_for(instance, "vpcEndpoints")
    if vpc is None:
        return
    values = {
        name: context.configured(instance, name)
        for name in ("service_name", "vpc_endpoint_type", "private_dns_enabled")
    }
    # AWS sets the state: a planned endpoint is judged as it will be, available.
    values["state"] = "available" if instance.created else instance.value("state")
    route_tables = context.link(instance, "route_table_ids")
    subnets = context.link(instance, "subnet_ids")
    unknown = next((v for v in (*values.values(), route_tables) if isinstance(v, Unknown)), None)
    if unknown:
        vpc["errors"]["vpcEndpoints"] = context.error(unknown)
    service = values["service_name"]
    endpoint = {
        "VpcEndpointId": context.id_of(instance),
        "VpcEndpointType": values["vpc_endpoint_type"] or "Gateway",
        "VpcId": vpc["vpc"]["VpcId"],
        "ServiceName": service if isinstance(service, str) else "",
        "State": values["state"] if isinstance(values["state"], str) else None,
        "PrivateDnsEnabled": values["private_dns_enabled"] is True,
        "SubnetIds": [] if isinstance(subnets, Unknown) else subnets,
        "RouteTableIds": [] if isinstance(route_tables, Unknown) else route_tables,
    }
    if not isinstance(endpoint["VpcEndpointType"], str):
        endpoint["VpcEndpointType"] = None
    policy = instance.value("policy")
    if isinstance(policy, str) and policy:
        endpoint["PolicyDocument"] = policy
    if endpoint["VpcEndpointType"] == "Interface":
        endpoint_groups(context, instance, vpc, endpoint)
    vpc["vpcEndpoints"].append(endpoint)
    context.endpoints[endpoint["VpcEndpointId"]] = (vpc, endpoint)


def endpoint_association(context: Context, instance: Instance) -> None:
    endpoints = context.link(instance, "vpc_endpoint_id")
    tables = context.link(instance, "route_table_id")
    unknown = next((v for v in (endpoints, tables) if isinstance(v, Unknown)), None)
    if unknown:
        context.scope(instance).network_errors["vpcEndpoints"] = context.error(unknown)
        return
    found = next((context.endpoints[e] for e in endpoints if e in context.endpoints), None)
    if found is not None:
        found[1]["RouteTableIds"] = sorted({*found[1]["RouteTableIds"], *tables})


STEPS = (
    ("aws_vpc_endpoint", endpoint),
    ("aws_vpc_endpoint_route_table_association", endpoint_association),
)

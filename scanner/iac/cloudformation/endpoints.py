"""AWS::EC2::VPCEndpoint: ECR interface endpoints and the S3 gateway."""

from scanner.iac.cloudformation.context import Context, Resource, policy_text, text
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.cloudformation.security_groups import endpoint_groups


def endpoint(context: Context, resource: Resource) -> None:
    vpc = context.vpc_of(resource, "vpcEndpoints")
    if vpc is None:
        return
    judged = {
        name: resource.get(name)
        for name in ("ServiceName", "VpcEndpointType", "PrivateDnsEnabled", "RouteTableIds")
    }
    unknown = first_unknown(judged)
    if unknown:
        vpc["errors"]["vpcEndpoints"] = context.error(resource, "Properties", unknown)
    subnets, tables = resource.get("SubnetIds"), judged["RouteTableIds"]
    endpoint = {
        "VpcEndpointId": resource.id,
        "VpcEndpointType": text(judged["VpcEndpointType"], "Gateway"),
        "VpcId": vpc["vpc"]["VpcId"],
        "ServiceName": text(judged["ServiceName"], ""),
        "State": "available",  # AWS sets it; a created endpoint is judged available
        "PrivateDnsEnabled": judged["PrivateDnsEnabled"] in (True, "true"),
        "SubnetIds": [s for s in subnets if isinstance(s, str)]
        if isinstance(subnets, list)
        else [],
        "RouteTableIds": [t for t in tables if isinstance(t, str)]
        if isinstance(tables, list)
        else [],
    }
    policy = policy_text(resource.get("PolicyDocument"))
    if isinstance(policy, str):
        endpoint["PolicyDocument"] = policy
    if endpoint["VpcEndpointType"] == "Interface":
        endpoint_groups(context, resource, vpc, endpoint)
    vpc["vpcEndpoints"].append(endpoint)


STEPS = (("AWS::EC2::VPCEndpoint", endpoint),)

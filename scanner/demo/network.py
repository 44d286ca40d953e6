"""The demo's networks: a default VPC made public as AWS makes it, and VPCs with full, partial
and no ECR endpoint coverage (scanner.demo.estate seeds them)."""

import json
from typing import Any

ACCOUNT = "123456789012"  # moto's default account


def network(ec2, region: str) -> dict[str, str]:
    _make_default_vpc_public(ec2)
    if region == "eu-west-1":
        return {"prod": _vpc(ec2, region, "10.10.0.0/16", "prod", endpoints="all")}
    return {
        "legacy": _vpc(ec2, region, "10.20.0.0/16", "legacy", endpoints="none"),
        "partial": _vpc(ec2, region, "10.30.0.0/16", "partial", endpoints="api-only"),
    }


def _make_default_vpc_public(ec2) -> None:
    """AWS gives the default VPC an internet gateway route; the emulator does not."""
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)


def _vpc(ec2, region: str, cidr: str, name: str, endpoints: str) -> str:
    """A VPC with a public subnet (IGW route) and two private subnets in two zones."""
    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_name_tag("vpc", name))["Vpc"][
        "VpcId"
    ]
    base = cidr.rsplit(".", 2)[0]
    public = _subnet(ec2, vpc_id, f"{base}.0.0/24", f"{region}a")
    private = [
        _subnet(ec2, vpc_id, f"{base}.{i}.0/24", f"{region}{zone}")
        for i, zone in ((1, "a"), (2, "b"))
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    public_rt = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    private_rts = []
    for subnet in private:
        table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        private_rts.append(table)
    _endpoints(ec2, region, vpc_id, private, private_rts, endpoints)
    return vpc_id


def _subnet(ec2, vpc_id: str, cidr: str, zone: str) -> str:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"][
        "SubnetId"
    ]


def _endpoints(ec2, region, vpc_id, subnets, route_tables, which: str) -> None:
    if which == "none":
        return
    services = ["ecr.api"] if which == "api-only" else ["ecr.api", "ecr.dkr"]
    # The fully covered VPC also locks its endpoints down: HTTPS from the VPC only, and an
    # endpoint policy for the account's own principals (vpc-ecr-endpoints-depth).
    locked = _locked_down(ec2, vpc_id) if which == "all" else {}
    for service in services:
        ec2.create_vpc_endpoint(
            VpcId=vpc_id,
            ServiceName=f"com.amazonaws.{region}.{service}",
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            PrivateDnsEnabled=True,
            **locked,
        )
    if which == "all":
        ec2.create_vpc_endpoint(
            VpcId=vpc_id,
            ServiceName=f"com.amazonaws.{region}.s3",
            VpcEndpointType="Gateway",
            RouteTableIds=route_tables,
        )


def _locked_down(ec2, vpc_id: str) -> dict[str, Any]:
    cidr = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"]
    group = ec2.create_security_group(GroupName="ecr-endpoints", Description="ecr", VpcId=vpc_id)
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"], IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp=cidr
    )
    own_account = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT]}},
    }
    document = {"Version": "2012-10-17", "Statement": [own_account]}
    return {"SecurityGroupIds": [group["GroupId"]], "PolicyDocument": json.dumps(document)}


def _name_tag(resource: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource, "Tags": [{"Key": "Name", "Value": name}]}]

"""A small estate of image consumers in moto, for the collector's tests.

One repository (app/web: tags 1.0 and 2.0), an execution role with an inline pull policy, an
instance role behind an instance profile, a VPC with a NAT gateway, and in cluster `c1` a Fargate
service (app/web:1.0, a tag nobody pushed, and nginx from Docker Hub) and an EC2 service whose
container instance pulls with its profile's role; plus a Lambda function packaged as app/web:2.0.
"""

import json
from typing import Any

from scanner.demo.consumers import register_container_instance
from tests.test_collect import ACCOUNT, manifest

PULL = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Token", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "Pull",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": "*",
        },
    ],
}


def trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def uri(region: str, reference: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{reference}"


def seed_consumers(session, region: str = "us-east-1") -> dict[str, Any]:
    """Create the estate; returns the ids the tests look for."""
    ecr = session.client("ecr", region_name=region)
    ecr.create_repository(repositoryName="app/web", imageTagMutability="IMMUTABLE")
    for number, tag in enumerate(("1.0", "2.0"), start=1):
        ecr.put_image(repositoryName="app/web", imageManifest=manifest(number, 100), imageTag=tag)
    roles = _roles(session.client("iam"))
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    ecs = session.client("ecs", region_name=region)
    ecs.create_cluster(clusterName="c1")
    web = ecs.register_task_definition(
        family="web",
        executionRoleArn=roles["exec"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": uri(region, "app/web:1.0"),
                "environment": [{"name": "SECRET", "value": "s3cr3t"}],
            },
            {"name": "sidecar", "image": uri(region, "app/web:3.0")},
            {"name": "proxy", "image": "nginx"},
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="c1",
        serviceName="web",
        taskDefinition=web,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [],
                "assignPublicIp": "ENABLED",
            }
        },
        tags=[{"key": "env", "value": "prod"}],
    )
    instance = register_container_instance(session, ecs, "c1", subnet, "instance-profile")
    worker = ecs.register_task_definition(
        family="worker",
        containerDefinitions=[{"name": "w", "image": uri(region, "app/web:2.0"), "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="c1", serviceName="worker", taskDefinition=worker, desiredCount=1, launchType="EC2"
    )
    session.client("lambda", region_name=region).create_function(
        FunctionName="fn",
        Role=roles["exec"],
        PackageType="Image",
        Code={"ImageUri": uri(region, "app/web:2.0")},
    )
    return {"vpc": vpc, "subnet": subnet, "nat": nat["NatGatewayId"], "instance": instance, **roles}


def _roles(iam) -> dict[str, str]:
    execution = iam.create_role(
        RoleName="exec", Path="/service/", AssumeRolePolicyDocument=trust("ecs-tasks.amazonaws.com")
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName="exec", PolicyName="pull", PolicyDocument=json.dumps(PULL))
    pull = iam.create_policy(PolicyName="pull-managed", PolicyDocument=json.dumps(PULL))["Policy"][
        "Arn"
    ]
    unused = iam.create_policy(PolicyName="unused", PolicyDocument=json.dumps(PULL))["Policy"][
        "Arn"
    ]
    instance = iam.create_role(
        RoleName="instance",
        AssumeRolePolicyDocument=trust("ec2.amazonaws.com"),
        PermissionsBoundary=pull,
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="instance", PolicyArn=pull)
    iam.create_instance_profile(InstanceProfileName="instance-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="instance-profile", RoleName="instance")
    return {
        "exec": execution,
        "instance_role": instance,
        "pull_policy": pull,
        "unused_policy": unused,
    }

"""The demo's consumers: ECS services and Lambda functions that pull from the demo repositories.

Beside services that would pull fine, each of the others breaks one way an ECR operations guide
names: a tag nobody pushed, an execution role without ECR permissions, a private subnet with
neither endpoints nor a NAT route, a tag excluded from immutability, an image the lifecycle policy
is about to expire, a repository policy that does not let Lambda read the image; and two CI roles
that push (demo/config.yaml names them), one without ecr:PutImage. The AWS managed policies the
roles attach are loaded into moto if MOTO_IAM_LOAD_MANAGED_POLICIES=true has not loaded them all.
"""

import json
from typing import Any

from scanner.demo.network import ACCOUNT

EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# An AMI moto knows in every region (listing them all costs seconds).
MOTO_AMI = "ami-12c6146b"
INSTANCE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
PUSH_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]


def _image(region: str, repository: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{repository}"


# region -> cluster -> service -> (images, execution role or None, network: a VPC label and the
# subnet's CIDR, or "instance" for an EC2 service whose container instance pulls).
SERVICES: dict[str, dict[str, dict[str, tuple[list[str], str | None, tuple[str, str]]]]] = {
    "eu-west-1": {
        "prod": {
            "payments-api": (
                ["payments/api:1.2.0"],
                "ecsTaskExecutionRole",
                ("prod", "10.10.1.0/24"),
            ),
            "payments-worker": (
                ["payments/worker:latest"],
                "ecsTaskExecutionRole",
                ("prod", "10.10.2.0/24"),
            ),
            "checkout": (["payments/api:2.0.0"], "ecsTaskExecutionRole", ("prod", "10.10.1.0/24")),
            "reports": (["payments/api:1.1.0"], "reports-execution", ("prod", "10.10.2.0/24")),
        },
        "ops": {"agent": (["shared/base-images:1.1.0"], None, ("prod", "instance"))},
    },
    "us-east-1": {
        "edge": {
            "ingress": (
                ["platform/ingress:1.1.0"],
                "ecsTaskExecutionRole",
                ("partial", "10.30.1.0/24"),
            ),
            "proxy": (
                ["platform/ingress:1.1.0", "docker.io/library/nginx:1.27"],
                "ecsTaskExecutionRole",
                ("legacy", "10.20.1.0/24"),
            ),
        },
        "batch": {
            "nightly": (["batch/nightly:1.0.0"], "ecsTaskExecutionRole", ("legacy", "10.20.1.0/24"))
        },
    },
}

# region -> function -> image (Lambda reads it with its own service principal).
FUNCTIONS = {
    "eu-west-1": {
        "thumbnails": "marketing/website:1.0.0",  # its repository policy lets anyone pull
        "invoice-pdf": "shared/base-images:1.1.0",  # its policy grants a partner only
    }
}


def seed_consumers(session, vpcs: dict[str, dict[str, str]]) -> None:
    """Create the roles, NAT gateway, services and functions; vpcs is {region: {label: id}}."""
    iam = session.client("iam")
    _roles(iam)
    for region, clusters in SERVICES.items():
        ec2 = session.client("ec2", region_name=region)
        if region == "us-east-1":
            _nat_route(ec2, vpcs[region]["legacy"])
        ecs = session.client("ecs", region_name=region)
        for cluster, services in clusters.items():
            ecs.create_cluster(clusterName=cluster)
            for name, spec in services.items():
                _service(session, ecs, ec2, region, cluster, name, spec, vpcs[region])
    for region, functions in FUNCTIONS.items():
        _functions(session.client("lambda", region_name=region), region, functions)


def _trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _roles(iam) -> None:
    from scanner.demo import emulator

    managed = (EXECUTION_POLICY.rsplit("/", 1)[-1], INSTANCE_POLICY.rsplit("/", 1)[-1])
    emulator.load_aws_managed_policies(ACCOUNT, managed)
    tasks = _trust("ecs-tasks.amazonaws.com")
    iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=tasks)
    iam.attach_role_policy(RoleName="ecsTaskExecutionRole", PolicyArn=EXECUTION_POLICY)
    # An execution role made for logs alone: its tasks cannot pull.
    iam.create_role(RoleName="reports-execution", AssumeRolePolicyDocument=tasks)
    iam.put_role_policy(
        RoleName="reports-execution",
        PolicyName="logs",
        PolicyDocument=_allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*"),
    )
    iam.create_role(
        RoleName="ecsInstanceRole", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com")
    )
    iam.attach_role_policy(RoleName="ecsInstanceRole", PolicyArn=INSTANCE_POLICY)
    iam.create_instance_profile(InstanceProfileName="ecsInstanceRole")
    iam.add_role_to_instance_profile(
        InstanceProfileName="ecsInstanceRole", RoleName="ecsInstanceRole"
    )
    iam.create_role(RoleName="thumbnails", AssumeRolePolicyDocument=_trust("lambda.amazonaws.com"))
    _pusher(iam, "ci-payments", PUSH_ACTIONS, "payments/*")
    # A CI role that can upload layers but not tag the image: pushes fail at ecr:PutImage.
    _pusher(iam, "ci-platform", PUSH_ACTIONS[:-1], "platform/*")


def _allow(actions: list[str], resource: str) -> str:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _pusher(iam, name: str, actions: list[str], repositories: str) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust("codebuild.amazonaws.com"))
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Token",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "Push",
                "Effect": "Allow",
                "Action": actions,
                "Resource": f"arn:aws:ecr:*:{ACCOUNT}:repository/{repositories}",
            },
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="push", PolicyDocument=json.dumps(document))


def _nat_route(ec2, vpc_id: str) -> None:
    """A NAT gateway in the legacy VPC's public subnet, the default route of one private subnet."""
    public = _subnet_id(ec2, vpc_id, "10.20.0.0/24")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]
    table = _table_of(ec2, _subnet_id(ec2, vpc_id, "10.20.1.0/24"))
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
    )


def _subnet_id(ec2, vpc_id: str, cidr: str) -> str:
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "cidr-block", "Values": [cidr]}]
    return ec2.describe_subnets(Filters=filters)["Subnets"][0]["SubnetId"]


def _table_of(ec2, subnet_id: str) -> str:
    filters = [{"Name": "association.subnet-id", "Values": [subnet_id]}]
    return ec2.describe_route_tables(Filters=filters)["RouteTables"][0]["RouteTableId"]


def _service(session, ecs, ec2, region, cluster, name, spec, vpcs: dict[str, str]) -> None:
    images, role, (label, cidr) = spec
    containers = [
        {"name": f"c{number}", "image": _reference(region, image), "memory": 256, "essential": True}
        for number, image in enumerate(images)
    ]
    definition: dict[str, Any] = {"family": f"{cluster}-{name}", "containerDefinitions": containers}
    service: dict[str, Any] = {"cluster": cluster, "serviceName": name}
    if cidr == "instance":  # on EC2: the container instance pulls, with its own role
        subnet = _subnet_id(ec2, vpcs[label], "10.10.1.0/24")
        register_container_instance(session, ecs, cluster, subnet, "ecsInstanceRole")
        definition["networkMode"] = "bridge"
        service |= {"desiredCount": 1, "launchType": "EC2"}
    else:
        definition |= {
            "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
        }
        subnet = _subnet_id(ec2, vpcs[label], cidr)
        vpc = {"subnets": [subnet], "securityGroups": [], "assignPublicIp": "DISABLED"}
        service |= {
            "desiredCount": 2,
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": vpc},
        }
    registered = ecs.register_task_definition(**definition)["taskDefinition"]
    ecs.create_service(**service, taskDefinition=registered["taskDefinitionArn"])


def _reference(region: str, image: str) -> str:
    return image if image.startswith("docker.io/") else _image(region, image)


def register_container_instance(session, ecs, cluster: str, subnet: str, profile=None) -> str:
    """An EC2 instance in the subnet (with the instance profile), registered in the cluster;
    returns its id. moto needs the instance identity document a real agent would send."""
    from moto.ec2 import utils as ec2_utils

    resource = session.resource("ec2", region_name=ecs.meta.region_name)
    [instance] = resource.create_instances(
        ImageId=MOTO_AMI,
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        **({"IamInstanceProfile": {"Name": profile}} if profile else {}),
    )
    document = json.dumps(ec2_utils.generate_instance_identity_document(instance))
    ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=document)
    return instance.id


def _functions(lam, region: str, functions: dict[str, str]) -> None:
    from scanner.demo import emulator

    for name, image in functions.items():
        lam.create_function(
            FunctionName=name,
            Role=f"arn:aws:iam::{ACCOUNT}:role/thumbnails",
            PackageType="Image",
            Code={"ImageUri": _image(region, image)},
        )
        emulator.resolve_function_image(ACCOUNT, region, name)

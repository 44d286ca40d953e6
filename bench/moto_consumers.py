"""Consumers for the collection benchmark: ECS services and image Lambda functions in moto.

Seeded through boto3 inside moto's in-process mock before the server starts (the server answers
from the same backends): one service per ten repositories, spread over four Fargate clusters and
one EC2 cluster with two container instances, and one image function per twenty repositories,
each naming an image of the seeded repositories (a tenth of them a tag nobody pushed, so the
image look-up splits its requests as it does on a real estate).
"""

import json

ACCOUNT = "123456789012"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def consumer_counts(repositories: int) -> tuple[int, int]:
    """(services, functions) seeded for an estate of this many repositories."""
    return max(1, repositories // 10), max(1, repositories // 20)


def seed_consumers(repositories: int, region: str) -> None:
    import boto3
    from moto import mock_aws

    from scanner.demo import emulator

    services, functions = consumer_counts(repositories)
    mock = mock_aws()
    mock.start(reset=False)  # keep the repositories bench.moto_counting.seed put in the backends
    try:
        session = boto3.Session(region_name=region)
        iam = session.client("iam")
        emulator.load_aws_managed_policies(ACCOUNT, ("AmazonECSTaskExecutionRolePolicy",))
        role = iam.create_role(RoleName="bench-execution", AssumeRolePolicyDocument=TRUST)["Role"][
            "Arn"
        ]
        iam.attach_role_policy(RoleName="bench-execution", PolicyArn=EXECUTION_POLICY)
        ec2 = session.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
        ecs = session.client("ecs")
        _clusters(session, ecs, subnet)
        for index in range(services):
            _service(ecs, region, index, role, subnet)
        lam = session.client("lambda")
        for index in range(functions):
            lam.create_function(
                FunctionName=f"fn-{index}",
                Role=role,
                PackageType="Image",
                Code={"ImageUri": _image(region, index * 20 + 1)},
            )
    finally:
        mock.stop(remove_data=False)  # the server answers from the same backends


def _image(region: str, index: int) -> str:
    tag = "v1" if index % 10 else "never-pushed"
    return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/team-{index % 40}/service-{index}:{tag}"


def _clusters(session, ecs, subnet: str) -> None:
    from scanner.demo.consumers import register_container_instance

    for number in range(4):
        ecs.create_cluster(clusterName=f"fargate-{number}")
    ecs.create_cluster(clusterName="ec2")
    for _ in range(2):
        register_container_instance(session, ecs, "ec2", subnet)


def _service(ecs, region: str, index: int, role: str, subnet: str) -> None:
    on_ec2 = index % 5 == 4
    definition = ecs.register_task_definition(
        family=f"svc-{index}",
        containerDefinitions=[{"name": "app", "image": _image(region, index * 10), "memory": 256}],
        **({} if on_ec2 else {"executionRoleArn": role, "networkMode": "awsvpc"}),
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": []}}
    ecs.create_service(
        cluster="ec2" if on_ec2 else f"fargate-{index % 4}",
        serviceName=f"svc-{index}",
        taskDefinition=definition,
        desiredCount=1,
        launchType="EC2" if on_ec2 else "FARGATE",
        **({} if on_ec2 else {"networkConfiguration": network}),
    )

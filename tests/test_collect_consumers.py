"""The consumer collection against moto: ECS services, Lambda functions, roles, NAT gateways and
the images they reference land in the snapshot as the schema says."""

import boto3
import pytest
from moto import mock_aws

from scanner.collect import collect_snapshot
from scanner.snapshot import validate
from tests.consumer_estate import seed_consumers

REGION = "us-east-1"


@pytest.fixture(scope="module")
def collected(module_aws_env):
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        ids = seed_consumers(session)
        snapshot = collect_snapshot(session, [REGION])
    validate(snapshot, source="consumer snapshot")
    [entry] = snapshot["inventory"]
    consumers = {c["name"]: c for c in entry["consumers"]}
    return snapshot, entry, consumers, ids


def test_each_consumer_is_listed_once_with_its_kind(collected):
    _, entry, consumers, _ = collected
    assert sorted(consumers) == ["c1/web", "c1/worker", "fn"]
    assert consumers["c1/web"]["kind"] == "ecs-service"
    assert consumers["fn"]["kind"] == "lambda-function"
    assert consumers["fn"]["arn"].endswith(":function:fn")
    assert not entry["errors"]


def test_images_are_parsed_and_looked_up(collected):
    _, _, consumers, _ = collected
    images = {i["uri"].rsplit("/", 1)[-1]: i for i in consumers["c1/web"]["derived"]["images"]}
    found = images["web:1.0"]
    assert (found["registry"], found["repositoryName"], found["tag"]) == ("ecr", "app/web", "1.0")
    assert found["lookup"] == "found"
    assert found["imageDetail"]["imageTags"] == ["1.0"]
    assert found["container"] == "web"
    assert images["web:3.0"]["lookup"] == "missing" and images["web:3.0"]["imageDetail"] is None
    assert images["nginx"]["registry"] == "docker-hub"
    assert images["nginx"]["lookup"] == "not-ecr"


def test_the_task_definition_keeps_no_environment(collected):
    """Environment variables may hold secrets and are no business of an ECR audit."""
    snapshot, _, consumers, _ = collected
    [definition] = consumers["c1/web"]["taskDefinitions"]
    assert all(
        set(c) <= {"name", "image", "essential", "repositoryCredentials"}
        for c in definition["containerDefinitions"]
    )
    assert "s3cr3t" not in repr(snapshot)


def test_fargate_service_identity_and_network(collected):
    _, _, consumers, ids = collected
    web = consumers["c1/web"]
    assert web["derived"]["identities"] == [{"kind": "execution-role", "arn": ids["exec"]}]
    network = web["derived"]["network"]
    assert network["pullsFrom"] == "task"
    assert network["launchType"] == "FARGATE"
    assert network["subnets"] == [ids["subnet"]]
    assert network["assignPublicIp"] == "ENABLED"
    assert web["containerInstances"] is None
    assert web["service"]["tags"] == [{"key": "env", "value": "prod"}]


def test_ec2_service_pulls_with_its_container_instances(collected):
    _, _, consumers, ids = collected
    worker = consumers["c1/worker"]
    [instance] = worker["containerInstances"]
    assert instance["InstanceId"] == ids["instance"]
    assert instance["SubnetId"] == ids["subnet"]
    assert instance["IamInstanceProfile"]["Arn"].endswith(":instance-profile/instance-profile")
    assert worker["derived"]["network"]["pullsFrom"] == "container-instance"
    [identity] = worker["derived"]["identities"]
    assert identity == {
        "kind": "container-instance-role",
        "instanceProfileArn": instance["IamInstanceProfile"]["Arn"],
    }


def test_lambda_function_image_and_resolved_digest(collected):
    _, _, consumers, _ = collected
    function = consumers["fn"]
    [image] = function["derived"]["images"]
    assert image["tag"] == "2.0"
    assert image["resolvedDigest"].startswith("sha256:")
    assert function["function"]["Code"]["ImageUri"].endswith("app/web:2.0")
    assert function["derived"]["identities"][0]["kind"] == "lambda-service"
    assert function["derived"]["network"]["pullsFrom"] == "lambda-service"


def test_iam_holds_roles_and_only_the_managed_policies_they_use(collected):
    snapshot, _, _, ids = collected
    section = snapshot["iam"]["123456789012"]
    roles = {r["Arn"]: r for r in section["roles"]}
    execution = roles[ids["exec"]]
    assert execution["Path"] == "/service/"
    assert execution["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Sid"] == "Token"
    assert (
        execution["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        == "ecs-tasks.amazonaws.com"
    )
    instance = roles[ids["instance_role"]]
    assert instance["PermissionsBoundary"]["PermissionsBoundaryArn"] == ids["pull_policy"]
    assert instance["InstanceProfileList"][0]["InstanceProfileName"] == "instance-profile"
    policies = {p["Arn"]: p for p in section["policies"]}
    assert ids["pull_policy"] in policies and ids["unused_policy"] not in policies
    assert policies[ids["pull_policy"]]["Document"]["Statement"][1]["Sid"] == "Pull"


def test_nat_gateways_are_listed(collected):
    _, entry, _, ids = collected
    [gateway] = entry["network"]["natGateways"]
    assert gateway["NatGatewayId"] == ids["nat"]
    assert gateway["State"] == "available"

"""Consumer and pusher documents join what lives elsewhere in the snapshot: the repository, the
role and the subnets, each found where the snapshot keeps it."""

import copy

import pytest

from scanner.evaluate.documents import gaps, resources
from tests.snapshot_factory import ACCOUNT, repository_record, snapshot

ROLE = f"arn:aws:iam::{ACCOUNT}:role/service/exec"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/ecs"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/boundary"
PULL = {"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}


def image(reference: str, **fields):
    name, _, tag = reference.rpartition(":")
    return {
        "uri": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{reference}",
        "registry": "ecr",
        "host": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com",
        "registryId": ACCOUNT,
        "region": "eu-west-1",
        "repositoryName": name,
        "tag": tag,
        "digest": None,
        "implicitTag": False,
        "container": "app",
        "taskDefinitionArn": None,
        "resolvedDigest": None,
        "errors": {},
        **fields,
    }


def service(name: str, images, identities, network, instances=None, errors=None):
    return {
        "kind": "ecs-service",
        "arn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:service/prod/{name}",
        "name": f"prod/{name}",
        "service": {"tags": [{"key": "env", "value": "prod"}]},
        "taskDefinitions": [],
        "containerInstances": instances,
        "derived": {"images": images, "identities": identities, "network": network},
        "errors": errors or {},
    }


FARGATE = {
    "pullsFrom": "task",
    "launchType": "FARGATE",
    "networkModes": ["awsvpc"],
    "subnets": ["subnet-private", "subnet-gone"],
    "securityGroups": [],
    "assignPublicIp": "DISABLED",
}


def vpc():
    return {
        "vpc": {"VpcId": "vpc-1"},
        "subnets": [
            {"SubnetId": "subnet-private", "VpcId": "vpc-1"},
            {"SubnetId": "subnet-public", "VpcId": "vpc-1"},
        ],
        "routeTables": [
            {
                "RouteTableId": "rtb-main",
                "VpcId": "vpc-1",
                "Associations": [{"Main": True}],
                "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
            },
            {
                "RouteTableId": "rtb-public",
                "VpcId": "vpc-1",
                "Associations": [{"Main": False, "SubnetId": "subnet-public"}],
                "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
            },
        ],
        "vpcEndpoints": [
            {
                "VpcEndpointId": "vpce-1",
                "VpcId": "vpc-1",
                "VpcEndpointType": "Interface",
                "ServiceName": "com.amazonaws.eu-west-1.ecr.api",
                "State": "available",
                "PrivateDnsEnabled": True,
                "PolicyDocument": "{}",
            }
        ],
        "derived": {"vpcEndpointPolicies": {}},
    }


@pytest.fixture
def estate():
    api = repository_record("team/api")
    api["derived"]["imageSummary"] = {
        "imageCount": 3,
        "untaggedImageCount": 1,
        "totalSizeInBytes": 3,
        "newestImage": None,
        "images": [
            {"imagePushedAt": "2026-11-03T00:00:00+00:00", "imageTags": ["3"]},
            {"imagePushedAt": "2026-11-02T00:00:00+00:00"},
            {"imagePushedAt": "2026-11-01T00:00:00+00:00", "imageTags": ["1"]},
        ],
    }
    found = image(
        "team/api:1",
        lookup="found",
        imageDetail={"imageDigest": "sha256:1", "imagePushedAt": "2026-11-01T00:00:00+00:00"},
    )
    cached = image("docker-hub/library/nginx:1", lookup="no-repository", imageDetail=None)
    data = snapshot([api], vpcs=[vpc()])
    scope = data["inventory"][0]
    scope["registry"]["pullThroughCacheRules"] = [
        {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
    ]
    scope["network"]["natGateways"] = [
        {"NatGatewayId": "nat-1", "SubnetId": "subnet-public", "State": "available"}
    ]
    scope["consumers"] = [
        service("web", [found, cached], [{"kind": "execution-role", "arn": "exec"}], FARGATE),
        service(
            "ec2",
            [],
            [{"kind": "container-instance-role", "instanceProfileArn": PROFILE}],
            {"pullsFrom": "container-instance", "subnets": [], "launchType": "EC2"},
            instances=[
                {"InstanceId": "i-1", "SubnetId": "subnet-public", "PublicIpAddress": "1.2.3.4"}
            ],
        ),
    ]
    data["iam"] = {
        ACCOUNT: {
            "roles": [
                {
                    "Arn": ROLE,
                    "RoleName": "exec",
                    "Path": "/service/",
                    "AssumeRolePolicyDocument": {"Statement": []},
                    "RolePolicyList": [{"PolicyName": "pull", "PolicyDocument": PULL}],
                    "AttachedManagedPolicies": [
                        {"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": MANAGED},
                        {"PolicyName": "gone", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/gone"},
                    ],
                    "PermissionsBoundary": {"PermissionsBoundaryArn": BOUNDARY},
                    "InstanceProfileList": [{"Arn": PROFILE, "InstanceProfileName": "ecs"}],
                }
            ],
            "policies": [
                {
                    "Arn": MANAGED,
                    "PolicyName": "AmazonECSTaskExecutionRolePolicy",
                    "Document": PULL,
                },
                {"Arn": BOUNDARY, "PolicyName": "boundary", "Document": PULL},
            ],
            "errors": {},
        }
    }
    return data


def _documents(data, policy_data=None):
    return {r.name: r for r in resources(data, policy_data) if r.resource_type != "repository"}


def test_a_role_named_without_arn_or_path_is_found_with_every_policy(estate):
    web = _documents(estate)["prod/web"]
    assert web.resource_type == "ecs-service"
    assert web.resource_id.endswith(":service/prod/web")
    [identity] = web.document["identities"]
    assert identity["state"] == "found" and identity["arn"] == ROLE
    labels = [p["label"] for p in identity["policies"]]
    assert labels == ["inline policy pull", "AmazonECSTaskExecutionRolePolicy", "gone"]
    assert identity["policies"][2] == {"label": "gone", "document": None, "unknown": True}
    assert identity["boundary"]["label"] == "permissions boundary boundary"
    assert identity["boundary"]["document"] == PULL


def test_an_instance_profile_leads_to_its_role(estate):
    [identity] = _documents(estate)["prod/ec2"].document["identities"]
    assert identity["kind"] == "container-instance-role"
    assert identity["state"] == "found" and identity["instanceProfileArn"] == PROFILE


@pytest.mark.parametrize(
    ("change", "state"),
    [
        (lambda d: d["iam"][ACCOUNT]["roles"].clear(), "missing"),
        (lambda d: d.pop("iam"), "not-scanned"),
        (
            lambda d: d["iam"][ACCOUNT].update(
                roles=None,
                errors={"authorizationDetails": {"operation": "x", "code": "y", "message": "z"}},
            ),
            "failed",
        ),
    ],
)
def test_a_role_that_cannot_be_found_says_why(estate, change, state):
    change(estate)
    [identity] = _documents(estate)["prod/web"].document["identities"]
    assert identity["state"] == state


def test_images_carry_their_repository_and_the_newer_images(estate):
    found, cached = _documents(estate)["prod/web"].document["images"]
    assert found["repositoryArn"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/api"
    assert found["repository"]["imageTagMutability"] == "IMMUTABLE"
    assert found["newerImages"] == [
        {"imagePushedAt": "2026-11-03T00:00:00+00:00", "imageTags": ["3"]},
        {"imagePushedAt": "2026-11-02T00:00:00+00:00", "imageTags": []},
    ]
    assert cached["repository"] is None
    assert cached["pullThroughCache"]["ecrRepositoryPrefix"] == "docker-hub"


def test_each_subnet_gets_its_route_table_and_the_nat_gateway_it_routes_to(estate):
    network = _documents(estate)["prod/web"].document["network"]
    private, gone = network["locations"]
    assert private["found"] and private["routeTable"]["RouteTableId"] == "rtb-main"
    [route] = private["routeTable"]["Routes"]
    assert route["natGateway"]["State"] == "available"
    assert route["natGateway"]["subnetRoutes"] == [
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}
    ]
    assert [e["ServiceName"] for e in private["vpcEndpoints"]] == [
        "com.amazonaws.eu-west-1.ecr.api"
    ]
    assert "PolicyDocument" not in private["vpcEndpoints"][0]
    assert gone == {
        "SubnetId": "subnet-gone",
        "publicIp": False,
        "InstanceId": None,
        "found": False,
        "VpcId": None,
        "routeTable": None,
        "vpcEndpoints": [],
    }


def test_ec2_pulls_leave_from_the_container_instances(estate):
    [place] = _documents(estate)["prod/ec2"].document["network"]["locations"]
    assert (place["SubnetId"], place["InstanceId"], place["publicIp"]) == (
        "subnet-public",
        "i-1",
        True,
    )
    assert place["routeTable"]["RouteTableId"] == "rtb-public"


def test_nat_gateways_not_listed_leave_the_route_undecided(estate):
    estate["inventory"][0]["network"]["natGateways"] = None
    [route] = _documents(estate)["prod/web"].document["network"]["locations"][0]["routeTable"][
        "Routes"
    ]
    assert route["natGateway"] is None


def test_pushers_match_names_and_arns_and_merge_by_role(estate):
    other = copy.deepcopy(estate["inventory"][0])
    other.update(
        region="us-east-1",
        repositories=None,
        errors={
            "repositories": {
                "operation": "DescribeRepositories",
                "code": "AccessDenied",
                "message": "no",
            }
        },
    )
    estate["inventory"].append(other)
    arn = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/api"
    pushers = [
        {"role": ROLE, "repositories": ["team/*"]},
        {"role": ROLE, "repositories": [arn[:-1] + "?", "nothing/*"]},
    ]
    rows = [r for r in resources(estate, {"pushers": pushers}) if r.resource_type == "pusher"]
    assert [(r.name, r.resource_id, r.region) for r in rows] == [
        ("exec -> team/api", f"{ROLE}|{arn}", "eu-west-1"),  # once, though two patterns match
        ("exec -> nothing/*", f"{ROLE}|nothing/*", "global"),
    ]
    judged, unmatched = (r.document for r in rows)
    assert judged["repository"]["repositoryArn"] == arn and judged["unlisted"] == []
    assert judged["identity"]["state"] == "found"
    assert unmatched["repository"] is None
    assert [u["region"] for u in unmatched["unlisted"]] == ["us-east-1"]


def test_planned_infrastructure_has_no_pusher_rows(estate):
    estate["origin"] = "iac"
    pushers = [{"role": ROLE, "repositories": ["team/*"]}]
    assert not [r for r in resources(estate, {"pushers": pushers}) if r.resource_type == "pusher"]


def test_a_pattern_is_not_a_regular_expression(estate):
    pushers = [{"role": ROLE, "repositories": ["team.api", "team/api|.*", "[t]eam/api"]}]
    rows = [r for r in resources(estate, {"pushers": pushers}) if r.resource_type == "pusher"]
    assert [r.document["repository"] for r in rows] == [None, None, None]


def test_a_snapshot_before_consumers_shows_them_as_not_collected(estate):
    del estate["inventory"][0]["consumers"]
    found = {(g.resource_type, g.error["code"]) for g in gaps(estate)}
    assert found == {("ecs-service", "NotCollected"), ("lambda-function", "NotCollected")}
    estate["origin"] = "iac"
    assert not list(gaps(estate))


def test_no_index_is_built_without_consumers_or_pushers(monkeypatch):
    import scanner.evaluate.documents as documents

    monkeypatch.setattr(documents, "SnapshotIndex", None)  # would fail if called
    assert [r.resource_type for r in resources(snapshot())] == ["repository", "registry"]

"""The collector against an in-process moto account: every field lands where the schema says."""

import json
import re
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws
from moto.ecr.models import ecr_backends

from scanner.collect import collect_snapshot
from scanner.snapshot import validate

ACCOUNT = "123456789012"
NOW = datetime(2025, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)

LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}
REPOSITORY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "pull",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}
REGISTRY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "replicate",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ["ecr:ReplicateImage"],
            "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*",
        }
    ],
}
S3_ENDPOINT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*",
        }
    ],
}
EXCLUSIONS = [{"filterType": "WILDCARD", "filter": "latest*"}]


def manifest(seed: int, config_size: int) -> str:
    """A minimal Docker schema 2 manifest; moto needs one to accept put_image."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": config_size,
                "digest": "sha256:" + f"{seed:x}" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1024,
                    "digest": "sha256:" + f"{seed + 1:x}" * 64,
                }
            ],
        }
    )


def seed_east(session) -> None:
    ecr = session.client("ecr", region_name="us-east-1")
    key = session.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    ecr.create_repository(
        repositoryName="app-immutable",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={
            "encryptionType": "KMS",
            "kmsKey": key,
        },
        tags=[{"Key": "team", "Value": "core"}],
    )
    ecr.put_lifecycle_policy(
        repositoryName="app-immutable", lifecyclePolicyText=json.dumps(LIFECYCLE)
    )
    ecr.set_repository_policy(
        repositoryName="app-immutable", policyText=json.dumps(REPOSITORY_POLICY)
    )
    ecr.put_image(repositoryName="app-immutable", imageManifest=manifest(1, 300), imageTag="v1")
    ecr.put_image(repositoryName="app-immutable", imageManifest=manifest(3, 500), imageTag="v2")
    ecr.put_image(repositoryName="app-immutable", imageManifest=manifest(5, 700))
    # moto stamps pushes to the second; spread them out so "newest" is unambiguous.
    images = ecr_backends[ACCOUNT]["us-east-1"].repositories["app-immutable"].images
    for age_hours, image in zip((3, 1, 2), images, strict=True):
        image.image_pushed_at -= age_hours * 3600
        image.image_scan_status = {"status": "ACTIVE"}  # under continuous ENHANCED scanning

    ecr.create_repository(repositoryName="app-mutable", imageTagMutability="MUTABLE")
    ecr.create_repository(
        repositoryName="app-excluded",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=EXCLUSIONS,
    )
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "app-im*", "filterType": "WILDCARD"}],
            }
        ],
    )
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]
        }
    )
    ecr.put_registry_policy(policyText=json.dumps(REGISTRY_POLICY))
    seed_network(session, "us-east-1")


def seed_network(session, region: str) -> dict[str, str]:
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ("10.0.1.0/24", "10.0.2.0/24")
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnets[0])
    group = ec2.create_security_group(GroupName="endpoints", Description="ecr", VpcId=vpc)
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"], IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.0.0.0/16"
    )
    endpoints = {
        suffix: ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{region}.{suffix}",
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            SecurityGroupIds=[group["GroupId"]],
            PrivateDnsEnabled=True,
        )["VpcEndpoint"]["VpcEndpointId"]
        for suffix in ("ecr.api", "ecr.dkr")
    }
    endpoints["s3"] = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[public_rt],
        PolicyDocument=json.dumps(S3_ENDPOINT_POLICY),
    )["VpcEndpoint"]["VpcEndpointId"]
    return {"vpc": vpc, "igw": igw, "route_table": public_rt, **endpoints}


def seed_west(session) -> None:
    ecr = session.client("ecr", region_name="us-west-2")
    ecr.create_repository(
        repositoryName="west-repo",
        imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "release-*"}],
    )


@pytest.fixture(scope="module")
def snapshot(module_aws_env):
    """The two-region estate, seeded and collected once; tests only read the result."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        seed_east(session)
        seed_west(session)
        result = collect_snapshot(session, ["us-east-1", "us-west-2"], clock=lambda: NOW)
    validate(result)
    return result


def region_of(snapshot, region):
    return next(entry for entry in snapshot["inventory"] if entry["region"] == region)


def repository(snapshot, region, name):
    return next(
        entry
        for entry in region_of(snapshot, region)["repositories"]
        if entry["repository"]["repositoryName"] == name
    )


def test_snapshot_header(snapshot):
    assert snapshot["schema_version"] == 1
    assert snapshot["tool"]["name"] == "ecrscan"
    assert snapshot["collection"] == {
        "started_at": "2025-01-31T12:00:00Z",
        "finished_at": "2025-01-31T12:00:00Z",
    }
    assert snapshot["collected_at"] == "2025-01-31T12:00:00Z"
    assert snapshot["account_id"] == ACCOUNT
    assert snapshot["partition"] == "aws"
    assert snapshot["caller_arn"].startswith(f"arn:aws:sts::{ACCOUNT}:")
    assert snapshot["regions"] == ["us-east-1", "us-west-2"]
    assert snapshot["errors"] == []
    assert [entry["region"] for entry in snapshot["inventory"]] == ["us-east-1", "us-west-2"]
    assert all(entry["account_id"] == ACCOUNT for entry in snapshot["inventory"])


def test_snapshot_is_plain_json(snapshot):
    assert json.loads(json.dumps(snapshot)) == snapshot


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_every_timestamp_the_collector_writes_is_utc_with_z(snapshot):
    """Its own (collection times) and AWS's (createdAt, imagePushedAt, ...): one style."""
    stamps = [s for s in _strings(snapshot) if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\S*", s)]
    assert len(stamps) > 10
    assert all(stamp.endswith("Z") for stamp in stamps), [s for s in stamps if s[-1] != "Z"]


def test_repository_items_are_kept_as_aws_returns_them(snapshot):
    immutable = repository(snapshot, "us-east-1", "app-immutable")["repository"]
    assert immutable["imageTagMutability"] == "IMMUTABLE"
    assert immutable["imageScanningConfiguration"] == {"scanOnPush": True}
    assert immutable["encryptionConfiguration"]["encryptionType"] == "KMS"
    key = repository(snapshot, "us-east-1", "app-immutable")["kmsKey"]
    assert immutable["encryptionConfiguration"]["kmsKey"] == key["Arn"]
    assert key["KeyManager"] == "CUSTOMER"
    assert immutable["repositoryUri"].endswith("/app-immutable")
    assert datetime.fromisoformat(immutable["createdAt"]).tzinfo is not None

    excluded = repository(snapshot, "us-east-1", "app-excluded")["repository"]
    assert excluded["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert excluded["imageTagMutabilityExclusionFilters"] == EXCLUSIONS
    assert (
        repository(snapshot, "us-east-1", "app-mutable")["repository"]["imageTagMutability"]
        == "MUTABLE"
    )
    west = repository(snapshot, "us-west-2", "west-repo")["repository"]
    assert west["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    assert west["encryptionConfiguration"] == {"encryptionType": "AES256"}


def test_policies_and_tags(snapshot):
    immutable = repository(snapshot, "us-east-1", "app-immutable")
    assert immutable["tags"] == [{"Key": "team", "Value": "core"}]
    assert json.loads(immutable["lifecyclePolicy"]["lifecyclePolicyText"]) == LIFECYCLE
    assert immutable["derived"]["lifecyclePolicy"] == {"document": LIFECYCLE}
    assert json.loads(immutable["repositoryPolicy"]["policyText"]) == REPOSITORY_POLICY
    assert immutable["derived"]["repositoryPolicy"] == {"document": REPOSITORY_POLICY}
    assert immutable["errors"] == {}


def test_absent_things_are_null_without_errors(snapshot):
    mutable = repository(snapshot, "us-east-1", "app-mutable")
    assert mutable["tags"] == []
    assert mutable["lifecyclePolicy"] is None
    assert mutable["repositoryPolicy"] is None
    assert mutable["derived"]["lifecyclePolicy"] is None
    assert mutable["derived"]["repositoryPolicy"] is None
    assert mutable["derived"]["imageSummary"] == {
        "imageCount": 0,
        "untaggedImageCount": 0,
        "totalSizeInBytes": 0,
        "newestImage": None,
        "images": [],
    }
    assert mutable["kmsKey"] is None  # AES256: no key to describe
    assert mutable["inspectorFindings"] is None  # ENHANCED, but no image to look up
    assert mutable["errors"] == {}
    west = region_of(snapshot, "us-west-2")["registry"]
    assert west["registryPolicy"] is None
    assert west["derived"]["registryPolicy"] is None
    assert west["errors"] == {}


def test_image_summary(snapshot):
    summary = repository(snapshot, "us-east-1", "app-immutable")["derived"]["imageSummary"]
    assert summary["imageCount"] == 3
    assert summary["untaggedImageCount"] == 1
    # moto reports the manifest's config size as imageSizeInBytes.
    assert summary["totalSizeInBytes"] == 300 + 500 + 700
    newest = summary["newestImage"]
    assert newest["imageTags"] == ["v2"]
    assert newest["imageSizeInBytes"] == 500
    assert newest["imageDigest"].startswith("sha256:")
    assert datetime.fromisoformat(newest["imagePushedAt"]).tzinfo is not None
    assert set(newest) <= {
        "imageDigest",
        "imageTags",
        "imagePushedAt",
        "imageSizeInBytes",
        "imageScanStatus",
        "imageScanFindingsSummary",
    }


def test_repository_scanning_configuration(snapshot):
    matched = repository(snapshot, "us-east-1", "app-immutable")["scanningConfiguration"]
    assert matched["scanFrequency"] == "CONTINUOUS_SCAN"
    assert matched["appliedScanFilters"] == [{"filter": "app-im*", "filterType": "WILDCARD"}]
    unmatched = repository(snapshot, "us-east-1", "app-mutable")["scanningConfiguration"]
    assert unmatched["scanFrequency"] == "MANUAL"
    assert unmatched["appliedScanFilters"] == []


def test_registry(snapshot):
    registry = region_of(snapshot, "us-east-1")["registry"]
    assert registry["registryId"] == ACCOUNT
    assert registry["scanningConfiguration"]["scanType"] == "ENHANCED"
    assert registry["scanningConfiguration"]["rules"][0]["scanFrequency"] == "CONTINUOUS_SCAN"
    assert registry["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "us-west-2", "registryId": ACCOUNT}
    ]
    assert json.loads(registry["registryPolicy"]["policyText"]) == REGISTRY_POLICY
    assert registry["derived"]["registryPolicy"] == {"document": REGISTRY_POLICY}
    assert registry["errors"] == {}
    west = region_of(snapshot, "us-west-2")["registry"]
    assert west["scanningConfiguration"]["scanType"] == "BASIC"
    assert west["replicationConfiguration"] == {"rules": []}


def test_network(moto_session):
    ids = seed_network(moto_session, "us-east-1")
    snapshot = collect_snapshot(moto_session, ["us-east-1"], clock=lambda: NOW)
    validate(snapshot)
    network = region_of(snapshot, "us-east-1")["network"]
    assert network["errors"] == {}
    vpc = next(entry for entry in network["vpcs"] if entry["vpc"]["VpcId"] == ids["vpc"])
    assert len(vpc["subnets"]) == 2
    assert {subnet["VpcId"] for subnet in vpc["subnets"]} == {ids["vpc"]}
    routes = [route for table in vpc["routeTables"] for route in table["Routes"]]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ids["igw"]}.items() <= next(
        route for route in routes if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    ).items()
    by_id = {endpoint["VpcEndpointId"]: endpoint for endpoint in vpc["vpcEndpoints"]}
    assert set(by_id) == {ids["ecr.api"], ids["ecr.dkr"], ids["s3"]}
    assert by_id[ids["ecr.api"]]["VpcEndpointType"] == "Interface"
    assert by_id[ids["ecr.dkr"]]["ServiceName"] == "com.amazonaws.us-east-1.ecr.dkr"
    assert by_id[ids["s3"]]["VpcEndpointType"] == "Gateway"
    policies = vpc["derived"]["vpcEndpointPolicies"]
    assert set(policies) == set(by_id)
    assert policies[ids["s3"]] == {"document": S3_ENDPOINT_POLICY}
    # The default VPC moto creates in every region is listed too, without our endpoints.
    assert len(network["vpcs"]) == 2


def test_endpoint_security_groups_and_registry_cache_settings(snapshot):
    """Only the groups the VPC's endpoints use are kept; moto (extended by scanner.demo.emulator)
    reports no pull-through cache rules or creation templates."""
    east = region_of(snapshot, "us-east-1")
    vpc = next(v for v in east["network"]["vpcs"] if v["vpcEndpoints"])
    (group,) = vpc["securityGroups"]
    assert group["GroupName"] == "endpoints"
    (permission,) = group["IpPermissions"]
    assert (permission["FromPort"], permission["ToPort"]) == (443, 443)
    assert permission["IpRanges"][0]["CidrIp"] == "10.0.0.0/16"
    assert all(v["securityGroups"] == [] for v in east["network"]["vpcs"] if v is not vpc)
    assert east["registry"]["pullThroughCacheRules"] == []
    assert east["registry"]["repositoryCreationTemplates"] == []
    # ENHANCED scanning in us-east-1: the newest image's Inspector findings were asked for.
    immutable = repository(snapshot, "us-east-1", "app-immutable")
    assert immutable["inspectorFindings"]["findingCount"] == 0

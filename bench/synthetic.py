"""Deterministic synthetic estates: snapshots of any size, with a realistic mix of settings.

The same seed gives the same snapshot, so benchmark runs and the parity test are repeatable.
Every record is shaped as the collector writes it (it validates against the snapshot schema):
mutable and immutable tags, exclusion filters, scan-on-push on and off, lifecycle policies present,
missing and unparsable, repository policies from owner-only to public and cross-account, collection
errors, and VPCs with and without ECR endpoints.
"""

import json
import random
from typing import Any

PARTITION = "aws"
REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
COLLECTED_AT = "2026-11-28T09:00:00+00:00"
TRUSTED = "444455556666"
STRANGER = "999988887777"

_TEAMS = ("payments", "search", "platform", "data", "web", "ml", "legacy", "edge")
_SERVICES = ("api", "worker", "gateway", "batch", "ui", "cron", "auth", "ingest")
_LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
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


def account_ids(count: int, first: int = 0) -> list[str]:
    return [f"{100000000000 + 7919 * i:012d}" for i in range(first, first + count)]


def snapshot(
    repositories: int,
    *,
    accounts: int = 1,
    vpcs_per_region: int = 2,
    seed: int = 6,
    first_account: int = 0,
    consumers: bool = False,
) -> dict[str, Any]:
    """A snapshot of `repositories` repositories spread over accounts x REGIONS (the accounts
    numbered from first_account, so the shards of one organisation can be generated apart);
    with consumers, ECS services and Lambda functions too (bench.synthetic_consumers)."""
    rng = random.Random(seed)
    scopes = [(a, r) for a in account_ids(accounts, first_account) for r in REGIONS]
    counts = _spread(repositories, len(scopes))
    inventory = [
        _scope(rng, account, region, count, vpcs_per_region)
        for (account, region), count in zip(scopes, counts, strict=True)
    ]
    owner = scopes[0][0]
    generated = {
        "schema_version": 1,
        "tool": {"name": "ecrscan", "version": "0.1.0"},
        "collected_at": COLLECTED_AT,
        "account_id": owner,
        "partition": PARTITION,
        "caller_arn": f"arn:aws:iam::{owner}:role/ecrscan-audit",
        "regions": list(REGIONS),
        "errors": [],
        "inventory": inventory,
    }
    if consumers:
        from bench.synthetic_consumers import add_consumers

        add_consumers(generated, seed)
    return generated


def _spread(total: int, buckets: int) -> list[int]:
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def _scope(rng: random.Random, account: str, region: str, count: int, vpcs: int) -> dict:
    return {
        "account_id": account,
        "region": region,
        "registry": _registry(rng, account),
        "repositories": [_repository(rng, account, region, i) for i in range(count)],
        "network": {"vpcs": [_vpc(rng, region, i) for i in range(vpcs)], "errors": {}},
        "consumers": [],
        "errors": {},
    }


def _registry(rng: random.Random, account: str) -> dict:
    rules = []
    if rng.random() < 0.5:
        rules = [
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "payments/*", "filterType": "WILDCARD"}],
            }
        ]
    return {
        "registryId": account,
        "scanningConfiguration": {"scanType": "BASIC", "rules": rules},
        "replicationConfiguration": {"rules": []},
        "registryPolicy": None,
        "derived": {"registryPolicy": None},
        "errors": {},
    }


def _repository(rng: random.Random, account: str, region: str, index: int) -> dict:
    name = f"{rng.choice(_TEAMS)}/{rng.choice(_SERVICES)}-{index}"
    arn = f"arn:{PARTITION}:ecr:{region}:{account}:repository/{name}"
    scan_on_push = rng.random() < 0.6
    record = {
        "repository": _repository_item(rng, account, region, name, arn, scan_on_push),
        "tags": [{"Key": "team", "Value": name.split("/")[0]}],
        "lifecyclePolicy": None,
        "repositoryPolicy": None,
        "scanningConfiguration": {
            "repositoryArn": arn,
            "repositoryName": name,
            "scanOnPush": scan_on_push,
            "scanFrequency": "SCAN_ON_PUSH" if scan_on_push else "MANUAL",
            "appliedScanFilters": [],
        },
        "derived": {
            "lifecyclePolicy": None,
            "repositoryPolicy": None,
            "imageSummary": _image_summary(rng),
        },
        "errors": {},
    }
    _add_lifecycle(rng, record, account, name)
    _add_repository_policy(rng, record, account, name)
    _add_errors(rng, record)
    return record


def _repository_item(rng, account, region, name, arn, scan_on_push) -> dict:
    item = {
        "repositoryArn": arn,
        "registryId": account,
        "repositoryName": name,
        "repositoryUri": f"{account}.dkr.ecr.{region}.amazonaws.com/{name}",
        "createdAt": "2025-03-01T12:00:00+00:00",
        "imageTagMutability": rng.choice(
            [
                "IMMUTABLE",
                "IMMUTABLE",
                "MUTABLE",
                "IMMUTABLE_WITH_EXCLUSION",
                "MUTABLE_WITH_EXCLUSION",
            ]
        ),
        "imageScanningConfiguration": {"scanOnPush": scan_on_push},
        "encryptionConfiguration": {"encryptionType": rng.choice(["AES256", "KMS"])},
    }
    if item["imageTagMutability"].endswith("_WITH_EXCLUSION"):
        item["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": f}
            for f in rng.sample(["latest", "dev-*", "pr-*"], 2)
        ]
    return item


def _image_summary(rng: random.Random) -> dict | None:
    count = rng.randrange(0, 40)
    if not count:
        return None
    return {
        "imageCount": count,
        "untaggedImageCount": rng.randrange(0, count + 1),
        "totalSizeInBytes": count * 48_000_000,
        "newestImage": {
            "imageDigest": "sha256:" + f"{rng.getrandbits(256):064x}",
            "imageTags": ["v1"],
            "imagePushedAt": "2026-11-01T08:00:00+00:00",
        },
    }


def _add_lifecycle(rng: random.Random, record: dict, account: str, name: str) -> None:
    roll = rng.random()
    if roll < 0.55:
        text = json.dumps(_LIFECYCLE)
        record["derived"]["lifecyclePolicy"] = {"document": _LIFECYCLE}
    elif roll < 0.58:
        text = "{not json"
        record["derived"]["lifecyclePolicy"] = {
            "parseError": "Expecting property name enclosed "
            "in double quotes: line 1 column 2 (char 1)"
        }
    else:
        return
    record["lifecyclePolicy"] = {
        "registryId": account,
        "repositoryName": name,
        "lifecyclePolicyText": text,
    }


def _add_repository_policy(rng: random.Random, record: dict, account: str, name: str) -> None:
    roll = rng.random()
    if roll < 0.5:
        return
    principal = {"AWS": f"arn:aws:iam::{account}:role/ci"}
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    if roll < 0.65:
        principal = {"AWS": f"arn:aws:iam::{TRUSTED}:root"}
    elif roll < 0.75:
        principal = {"AWS": f"arn:aws:iam::{STRANGER}:root"}
        actions = [*actions, "ecr:PutImage", "ecr:InitiateLayerUpload"]
    elif roll < 0.8:
        principal = "*"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Access", "Effect": "Allow", "Principal": principal, "Action": actions}
        ],
    }
    record["repositoryPolicy"] = {
        "registryId": account,
        "repositoryName": name,
        "policyText": json.dumps(document),
    }
    record["derived"]["repositoryPolicy"] = {"document": document}


def _add_errors(rng: random.Random, record: dict) -> None:
    if rng.random() < 0.02:
        record["lifecyclePolicy"] = None
        record["derived"]["lifecyclePolicy"] = None
        record["errors"]["lifecyclePolicy"] = {
            "operation": "GetLifecyclePolicy",
            "code": "ThrottlingException",
            "message": "Rate exceeded",
        }


def _vpc(rng: random.Random, region: str, index: int) -> dict:
    vpc_id = f"vpc-{rng.getrandbits(32):08x}{index:02x}"
    subnets = [
        {
            "SubnetId": f"subnet-{vpc_id[4:]}{n}",
            "VpcId": vpc_id,
            "AvailabilityZone": f"{region}{'abc'[n]}",
        }
        for n in range(3)
    ]
    public = rng.random() < 0.5
    routes = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]
    if public:
        routes.append(
            {
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": f"igw-{vpc_id[4:]}",
                "State": "active",
            }
        )
    table = {
        "RouteTableId": f"rtb-{vpc_id[4:]}",
        "VpcId": vpc_id,
        "Associations": [{"Main": True, "RouteTableId": f"rtb-{vpc_id[4:]}"}],
        "Routes": routes,
    }
    endpoints = []
    if rng.random() < 0.5:
        endpoints = [
            {
                "VpcEndpointId": f"vpce-{vpc_id[4:]}{suffix[-3:]}",
                "VpcEndpointType": kind,
                "ServiceName": f"com.amazonaws.{region}.{suffix}",
                "State": "available",
                "PrivateDnsEnabled": kind == "Interface",
                "SubnetIds": [s["SubnetId"] for s in subnets] if kind == "Interface" else [],
                "RouteTableIds": [table["RouteTableId"]] if kind == "Gateway" else [],
            }
            for suffix, kind in (
                ("ecr.api", "Interface"),
                ("ecr.dkr", "Interface"),
                ("s3", "Gateway"),
            )
        ]
    return {
        "vpc": {"VpcId": vpc_id, "CidrBlock": "10.0.0.0/16", "IsDefault": index == 0, "Tags": []},
        "subnets": subnets,
        "routeTables": [table],
        "vpcEndpoints": endpoints,
        "derived": {"vpcEndpointPolicies": {}},
    }

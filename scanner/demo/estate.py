"""Seed an emulated account with the estate an ECR operations guide warns about.

Two regions, well-configured repositories beside mutable, unscanned, unmanaged, public and
cross-account-writable ones, one VPC with full ECR endpoint coverage and others without; a
customer-managed KMS key, replication of payments/ to the other region, pull-through cache rules
with and without a creation template, stale and vulnerable images, a `latest` tag in production.
This module writes to the (emulated) account, so it lives outside the read-only collector.
"""

import hashlib
import json
from typing import Any

from scanner.demo.consumers import seed_consumers
from scanner.demo.network import ACCOUNT, network

ORGANIZATION = "o-a1b2c3d4e5"
TRUSTED_ACCOUNT = "444455556666"
PARTNER_ACCOUNT = "777788889999"
REGIONS = ("eu-west-1", "us-east-1")

LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged images after 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": "keep the last 30 tagged images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
            "action": {"type": "expire"},
        },
    ]
}

# A lifecycle policy that expires nothing here: its cap is for a tag prefix nobody pushes.
PREFIX_ONLY_LIFECYCLE = {
    "rules": [
        LIFECYCLE["rules"][0],
        {
            "rulePriority": 2,
            "description": "keep the last 20 release images",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["release-"],
                "countType": "imageCountMoreThan",
                "countNumber": 20,
            },
            "action": {"type": "expire"},
        },
    ]
}

# Keeps only the two newest images: the nightly batch job still runs an older one
# (lifecycle-spares-in-use).
KEEP_TWO = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "keep the two newest images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
            "action": {"type": "expire"},
        }
    ]
}

PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ORG_PULL = _policy(
    {
        "Sid": "OrgPull",
        "Effect": "Allow",
        "Principal": "*",
        "Action": PULL,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}},
    }
)
PUBLIC_PULL = _policy({"Sid": "AnyonePull", "Effect": "Allow", "Principal": "*", "Action": PULL})
PARTNER_PUSH = _policy(
    {
        "Sid": "PartnerPush",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": [
            *PULL,
            "ecr:PutImage",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
        ],
    }
)
TRUSTED_PULL = _policy(
    {
        "Sid": "AnalyticsPull",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
        "Action": PULL,
    }
)
UNTRUSTED_PULL = _policy(
    {
        "Sid": "VendorPull",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": PULL,
    }
)

# name -> how it is configured; "expect" is what ecrscan must say, per control, with the
# configuration in demo/config.yaml (the end-to-end test reads it).
REPOSITORIES: dict[str, list[dict[str, Any]]] = {
    "eu-west-1": [
        {
            "name": "payments/api",
            "mutability": "IMMUTABLE",
            "lifecycle": True,
            "policy": ORG_PULL,
            "kms": True,
            "images": 3,
            "scan": {"status": "COMPLETE", "findingSeverityCounts": {"LOW": 3}},
        },
        {
            "name": "payments/worker",
            "mutability": "IMMUTABLE_WITH_EXCLUSION",
            "exclusions": ["latest", "dev-*"],
            "lifecycle": True,
            "images": 2,
            "latest": True,
            "scan": {"status": "COMPLETE", "findingSeverityCounts": {"CRITICAL": 1, "HIGH": 2}},
        },
        {
            "name": "legacy/monolith",
            "mutability": "MUTABLE",
            "images": 4,
            "untagged": 2,
            "layer_size": 1_500_000_000,
            "age_days": 200,
        },
        {
            "name": "marketing/website",
            "mutability": "IMMUTABLE",
            "lifecycle": True,
            "policy": PUBLIC_PULL,
            "images": 1,
        },
        {
            "name": "shared/base-images",
            "mutability": "IMMUTABLE",
            "lifecycle": True,
            "policy": PARTNER_PUSH,
            "images": 2,
        },
    ],
    "us-east-1": [
        {"name": "platform/ingress", "mutability": "IMMUTABLE", "lifecycle": True, "images": 2},
        {
            "name": "platform/ci-runner",
            "mutability": "MUTABLE_WITH_EXCLUSION",
            "exclusions": ["release-*"],
            "lifecycle": PREFIX_ONLY_LIFECYCLE,
            "images": 1,
        },
        {"name": "data/etl", "mutability": "IMMUTABLE", "lifecycle": True, "policy": TRUSTED_PULL},
        {"name": "vendor/feed", "mutability": "MUTABLE", "policy": UNTRUSTED_PULL},
        {"name": "batch/nightly", "mutability": "IMMUTABLE", "lifecycle": KEEP_TWO, "images": 4},
    ],
}

# Registry scanning rules per region: eu-west-1 scans the payments and shared repositories on
# push and continuously scans payments; us-east-1 scans only platform/*.
SCANNING_RULES = {
    "eu-west-1": [
        {
            "scanFrequency": "CONTINUOUS_SCAN",
            "repositoryFilters": [{"filter": "payments/*", "filterType": "WILDCARD"}],
        },
        {
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [
                {"filter": "shared", "filterType": "WILDCARD"},
                {"filter": "marketing/*", "filterType": "WILDCARD"},
            ],
        },
    ],
    "us-east-1": [
        {
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [{"filter": "platform/*", "filterType": "WILDCARD"}],
        },
    ],
}


# Registry settings per region: eu-west-1 replicates payments/ to us-east-1 and gives its
# pull-through cache a creation template; us-east-1 lets an untrusted account replicate into it
# and caches quay.io with no template.
PULL_THROUGH_CACHE = {
    "eu-west-1": (
        [{"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}],
        [
            {
                "prefix": "ROOT",
                "appliedFor": ["PULL_THROUGH_CACHE"],
                "imageTagMutability": "IMMUTABLE",
                "lifecyclePolicy": json.dumps(LIFECYCLE),
            }
        ],
    ),
    "us-east-1": ([{"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io"}], []),
}
UNTRUSTED_REPLICATION = _policy(
    {
        "Sid": "VendorReplication",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*",
    }
)


def seed(session) -> dict[str, dict[str, str]]:
    """Create the estate; returns {region: {label: vpc_id}} for the VPCs it made."""
    from scanner.demo import emulator

    emulator.install()
    vpcs = {}
    for region in REGIONS:
        ecr = session.client("ecr", region_name=region)
        key = session.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"]
        for spec in REPOSITORIES[region]:
            _repository(ecr, spec, key, region)
        ecr.put_registry_scanning_configuration(scanType="BASIC", rules=SCANNING_RULES[region])
        _registry(ecr, region)
        emulator.seed_pull_through_cache(ACCOUNT, region, *PULL_THROUGH_CACHE[region])
        vpcs[region] = network(session.client("ec2", region_name=region), region)
    seed_consumers(session, vpcs)
    return vpcs


def _registry(ecr, region: str) -> None:
    if region == "eu-west-1":
        rule = {
            "destinations": [{"region": "us-east-1", "registryId": ACCOUNT}],
            "repositoryFilters": [{"filter": "payments/", "filterType": "PREFIX_MATCH"}],
        }
        ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})
    else:
        ecr.put_registry_policy(policyText=UNTRUSTED_REPLICATION)


def _repository(ecr, spec: dict[str, Any], key: str, region: str) -> None:
    name = spec["name"]
    kwargs: dict[str, Any] = {"repositoryName": name, "imageTagMutability": spec["mutability"]}
    if spec.get("exclusions"):
        kwargs["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": f} for f in spec["exclusions"]
        ]
    if spec.get("kms"):
        kwargs["encryptionConfiguration"] = {"encryptionType": "KMS", "kmsKey": key}
    ecr.create_repository(**kwargs, tags=[{"Key": "team", "Value": name.split("/")[0]}])
    if spec.get("lifecycle"):
        policy = LIFECYCLE if spec["lifecycle"] is True else spec["lifecycle"]
        ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(policy))
    if spec.get("policy"):
        ecr.set_repository_policy(repositoryName=name, policyText=spec["policy"])
    _images(ecr, spec, region)


def _images(ecr, spec: dict[str, Any], region: str) -> None:
    """Untagged images first, then 1.0.0, 1.1.0 ... (and `latest` last): the last is newest."""
    from scanner.demo import emulator

    name, size = spec["name"], spec.get("layer_size", 2_800_000)
    tags = [None] * spec.get("untagged", 0) + [f"1.{n}.0" for n in range(spec.get("images", 0))]
    tags += ["latest"] if spec.get("latest") else []
    for number, tag in enumerate(tags):
        _push(ecr, name, number, tag, size)
    if tags:
        emulator.spread_push_times(ACCOUNT, region, name, spec.get("age_days", 0))
    if spec.get("scan"):
        emulator.set_image_state(ACCOUNT, region, name, tags[-1], scan=spec["scan"])


def _push(ecr, repository: str, number: int, tag: str | None, size: int) -> None:
    """A minimal image manifest: enough for DescribeImages to list a digest, tag and size."""
    layer = hashlib.sha256(f"{repository}:{number}".encode()).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": size + number,  # what moto reports as imageSizeInBytes
            "digest": f"sha256:{layer}",
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": size + number,
                "digest": f"sha256:{layer[::-1]}",
            }
        ],
    }
    tagged = {"imageTag": tag} if tag else {}
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), **tagged)

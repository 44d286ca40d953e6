"""One estate, three descriptions: a live snapshot, a Terraform plan and a CloudFormation
template. The controls must give every (control, resource) the same verdict from each."""

import json
from pathlib import Path

from scanner.config import Config
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.iac import Settings, load_sources
from scanner.resources import policy_dir
from tests import snapshot_factory

DATA = Path(__file__).parent / "data" / "iac"
ACCOUNT = "123456789012"
CONTROLS = [
    "ecr-tag-immutability",
    "ecr-scan-on-push",
    "ecr-lifecycle-policy",
    "ecr-repository-policy",
    "vpc-ecr-endpoints",
    # Issue 5's controls where planned infrastructure declares their inputs (the image controls
    # are N/A for it, and registry scanning is not declared in eu-west-1: see
    # test_iac_new_controls.py).
    "ecr-kms-cmk",
    "ecr-replication",
    "vpc-ecr-endpoints-depth",
    "ecr-pull-through-cache",
    "ecr-registry-policy",
]
REPOSITORIES = ("team/api", "shared/base", "legacy/monolith")
REGISTRY = "registry"
# The same VPC under each source's name for it: a live id, a Terraform address (or the real id
# of a VPC that already exists), a CloudFormation logical id.
VPCS = {
    "main": {"live": "vpc-0a1", "plan": "module.network.aws_vpc.main", "template": "MainVpc"},
    "batch": {"live": "vpc-0b47c4e5", "plan": "vpc-0b47c4e5", "template": "BatchVpc"},
}
LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {"tagStatus": "untagged"},
                "action": {"type": "expire"},
            }
        ]
    }
)
PULL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CiPull",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}
PUSH_OUT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PartnerPush",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": ["ecr:BatchGetImage", "ecr:PutImage"],
        }
    ],
}


def _repository(name, mutability, scan, lifecycle, policy, key_manager=None):
    record = snapshot_factory.repository_record(name, imageTagMutability=mutability)
    if key_manager:
        key = f"arn:aws:kms:eu-west-1:{snapshot_factory.ACCOUNT}:key/{key_manager.lower()}"
        record["repository"]["encryptionConfiguration"] = {"encryptionType": "KMS", "kmsKey": key}
        record["kmsKey"] = {"Arn": key, "KeyManager": key_manager, "KeyState": "Enabled"}
    record["scanningConfiguration"]["scanOnPush"] = scan
    record["scanningConfiguration"]["scanFrequency"] = "SCAN_ON_PUSH" if scan else "MANUAL"
    if lifecycle:
        record["lifecyclePolicy"] = {"lifecyclePolicyText": LIFECYCLE}
        record["derived"]["lifecyclePolicy"] = {"document": json.loads(LIFECYCLE)}
    if policy:
        record["repositoryPolicy"] = {"policyText": json.dumps(policy)}
        record["derived"]["repositoryPolicy"] = {"document": policy}
    return record


def _route_table(table_id, vpc_id, associations, routes):
    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
    return {
        "RouteTableId": table_id,
        "VpcId": vpc_id,
        "Associations": associations,
        "Routes": [local, *routes],
    }


def _endpoint(endpoint_id, service, kind, dns, tables=(), groups=(), subnets=()):
    return {
        **({"Groups": [{"GroupId": g} for g in groups]} if groups else {}),
        "VpcEndpointId": endpoint_id,
        "VpcEndpointType": kind,
        "ServiceName": f"com.amazonaws.eu-west-1.{service}",
        "State": "available",
        "PrivateDnsEnabled": dns,
        "SubnetIds": list(subnets),
        "RouteTableIds": list(tables),
    }


def _live_vpcs():
    main, batch = "vpc-0a1", "vpc-0b47c4e5"
    zones = {"subnet-a": "eu-west-1a", "subnet-b": "eu-west-1b", "subnet-pub": "eu-west-1a"}
    subnets = [{"SubnetId": s, "VpcId": main, "AvailabilityZone": z} for s, z in zones.items()]
    tables = [
        _route_table("rtb-main", main, [{"Main": True, "RouteTableId": "rtb-main"}], []),
        _route_table(
            "rtb-pub",
            main,
            [{"Main": False, "SubnetId": "subnet-pub", "RouteTableId": "rtb-pub"}],
            [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}],
        ),
        _route_table(
            "rtb-priv",
            main,
            [
                {"Main": False, "SubnetId": s, "RouteTableId": "rtb-priv"}
                for s in ("subnet-a", "subnet-b")
            ],
            [],
        ),
    ]
    private = ["subnet-a", "subnet-b"]
    endpoints = [
        _endpoint(
            "vpce-api", "ecr.api", "Interface", True, groups=["sg-endpoints"], subnets=private
        ),
        _endpoint(
            "vpce-dkr", "ecr.dkr", "Interface", True, groups=["sg-endpoints"], subnets=private
        ),
        _endpoint("vpce-s3", "s3", "Gateway", False, ["rtb-priv"]),
    ]
    empty = {"vpcEndpointPolicies": {}}
    return [
        {
            "vpc": {"VpcId": main, "CidrBlock": "10.0.0.0/16"},
            "subnets": subnets,
            "routeTables": tables,
            "vpcEndpoints": endpoints,
            "securityGroups": [_security_group()],
            "derived": empty,
        },
        {
            "vpc": {"VpcId": batch},
            "subnets": [{"SubnetId": "subnet-batch", "VpcId": batch}],
            "routeTables": [
                _route_table(
                    "rtb-0b47main", batch, [{"Main": True, "RouteTableId": "rtb-0b47main"}], []
                )
            ],
            "vpcEndpoints": [],
            "derived": empty,
        },
    ]


def _security_group():
    def permission(port):
        return {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
        }

    return {"GroupId": "sg-endpoints", "IpPermissions": [permission(22), permission(443)]}


def _live_registry(registry):
    account = snapshot_factory.ACCOUNT
    registry["replicationConfiguration"] = {
        "rules": [
            {
                "destinations": [{"region": "eu-central-1", "registryId": account}],
                "repositoryFilters": [{"filter": "team/", "filterType": "PREFIX_MATCH"}],
            }
        ]
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:eu-west-1:{account}:repository/*",
            }
        ],
    }
    registry["registryPolicy"] = {"registryId": account, "policyText": json.dumps(policy)}
    registry["derived"]["registryPolicy"] = {"document": policy}
    registry["pullThroughCacheRules"] = [
        {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
    ]
    lifecycle = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": 30,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    registry["repositoryCreationTemplates"] = [
        {
            "prefix": "docker-hub",
            "appliedFor": ["PULL_THROUGH_CACHE"],
            "imageTagMutability": "IMMUTABLE",
            "lifecyclePolicy": json.dumps(lifecycle),
        }
    ]


def _live_snapshot():
    snapshot = snapshot_factory.snapshot(
        [
            _repository("team/api", "IMMUTABLE", True, True, PULL, key_manager="CUSTOMER"),
            _repository("shared/base", "IMMUTABLE", True, True, PUSH_OUT, key_manager="AWS"),
            _repository("legacy/monolith", "MUTABLE", False, False, None),
        ],
        _live_vpcs(),
    )
    _live_registry(snapshot["inventory"][0]["registry"])
    return json.loads(json.dumps(snapshot).replace(snapshot_factory.ACCOUNT, ACCOUNT))


def _verdicts(snapshot, source):
    policies = load_policies(policy_dir()).select(CONTROLS)
    results = evaluate_snapshot(snapshot, policies, Config())
    names = {v[source]: key for key, v in VPCS.items()}
    verdicts = {}
    for r in results.results:
        name = names.get(r.resource_name, r.resource_name)
        if r.resource_type == "registry" and r.region != "eu-west-1":
            continue
        if (r.resource_type == "vpc" and r.resource_name in names) or name in (
            *REPOSITORIES,
            REGISTRY,
        ):
            verdicts[(r.control_id, name)] = r.status
    return verdicts


def test_live_plan_and_template_agree():
    settings = Settings(account_id=ACCOUNT, region="eu-west-1")
    live = _verdicts(_live_snapshot(), "live")
    plan = _verdicts(load_sources([str(DATA / "plan.json")], Settings()), "plan")
    template = _verdicts(load_sources([str(DATA / "template.yaml")], settings), "template")
    # Per repository: the four repository controls, kms-cmk and replication; per VPC: the two
    # endpoint controls; the registry: pull-through cache and registry policy.
    assert len(live) == len(REPOSITORIES) * 6 + len(VPCS) * 2 + 2
    assert plan == live
    assert template == live
    assert {"PASS", "FAIL"} <= set(live.values())
    for control in CONTROLS[5:]:
        assert "PASS" in {s for (c, _), s in live.items() if c == control}, control

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
]
REPOSITORIES = ("team/api", "shared/base", "legacy/monolith")
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


def _repository(name, mutability, scan, lifecycle, policy):
    record = snapshot_factory.repository_record(name, imageTagMutability=mutability)
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


def _endpoint(endpoint_id, service, kind, dns, tables=()):
    return {
        "VpcEndpointId": endpoint_id,
        "VpcEndpointType": kind,
        "ServiceName": f"com.amazonaws.eu-west-1.{service}",
        "State": "available",
        "PrivateDnsEnabled": dns,
        "SubnetIds": [],
        "RouteTableIds": list(tables),
    }


def _live_vpcs():
    main, batch = "vpc-0a1", "vpc-0b47c4e5"
    subnets = [{"SubnetId": s, "VpcId": main} for s in ("subnet-a", "subnet-b", "subnet-pub")]
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
    endpoints = [
        _endpoint("vpce-api", "ecr.api", "Interface", True),
        _endpoint("vpce-dkr", "ecr.dkr", "Interface", True),
        _endpoint("vpce-s3", "s3", "Gateway", False, ["rtb-priv"]),
    ]
    empty = {"vpcEndpointPolicies": {}}
    return [
        {
            "vpc": {"VpcId": main},
            "subnets": subnets,
            "routeTables": tables,
            "vpcEndpoints": endpoints,
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


def _live_snapshot():
    snapshot = snapshot_factory.snapshot(
        [
            _repository("team/api", "IMMUTABLE", True, True, PULL),
            _repository("shared/base", "IMMUTABLE", True, True, PUSH_OUT),
            _repository("legacy/monolith", "MUTABLE", False, False, None),
        ],
        _live_vpcs(),
    )
    return json.loads(json.dumps(snapshot).replace(snapshot_factory.ACCOUNT, ACCOUNT))


def _verdicts(snapshot, source):
    policies = load_policies(policy_dir()).select(CONTROLS)
    results = evaluate_snapshot(snapshot, policies, Config())
    names = {v[source]: key for key, v in VPCS.items()}
    verdicts = {}
    for r in results.results:
        name = names.get(r.resource_name, r.resource_name)
        if (r.resource_type == "vpc" and r.resource_name in names) or name in REPOSITORIES:
            verdicts[(r.control_id, name)] = r.status
    return verdicts


def test_live_plan_and_template_agree():
    settings = Settings(account_id=ACCOUNT, region="eu-west-1")
    live = _verdicts(_live_snapshot(), "live")
    plan = _verdicts(load_sources([str(DATA / "plan.json")], Settings()), "plan")
    template = _verdicts(load_sources([str(DATA / "template.yaml")], settings), "template")
    assert len(live) == len(REPOSITORIES) * 4 + len(VPCS)
    assert plan == live
    assert template == live
    assert {"PASS", "FAIL"} <= set(live.values())

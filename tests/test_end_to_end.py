"""`ecrscan scan` against an emulated account: every (resource, control) verdict, as a table.

The estate is the demo's (scanner/demo/estate.py), seeded into moto in-process, collected by the
real collector through the real CLI entry point, evaluated by the real policies.
"""

import json

import pytest

from scanner.cli import main
from scanner.demo.estate import REGIONS, seed
from scanner.resources import demo_config_path

TAG, SCAN, LIFECYCLE, POLICY = (
    "ecr-tag-immutability",
    "ecr-scan-on-push",
    "ecr-lifecycle-policy",
    "ecr-repository-policy",
)

# (region, repository): {control: status}
EXPECTED_REPOSITORIES = {
    ("eu-west-1", "payments/api"): {TAG: "PASS", SCAN: "PASS", LIFECYCLE: "PASS", POLICY: "PASS"},
    ("eu-west-1", "payments/worker"): {
        TAG: "PASS",
        SCAN: "PASS",
        LIFECYCLE: "PASS",
        POLICY: "PASS",
    },
    ("eu-west-1", "legacy/monolith"): {
        TAG: "FAIL",
        SCAN: "FAIL",
        LIFECYCLE: "FAIL",
        POLICY: "PASS",
    },
    ("eu-west-1", "marketing/website"): {
        TAG: "PASS",
        SCAN: "PASS",
        LIFECYCLE: "PASS",
        POLICY: "FAIL",
    },
    ("eu-west-1", "shared/base-images"): {
        TAG: "PASS",
        SCAN: "PASS",
        LIFECYCLE: "PASS",
        POLICY: "FAIL",
    },
    ("us-east-1", "platform/ingress"): {
        TAG: "PASS",
        SCAN: "PASS",
        LIFECYCLE: "PASS",
        POLICY: "PASS",
    },
    ("us-east-1", "platform/ci-runner"): {
        TAG: "FAIL",
        SCAN: "PASS",
        LIFECYCLE: "PASS",
        POLICY: "PASS",
    },
    ("us-east-1", "data/etl"): {TAG: "PASS", SCAN: "FAIL", LIFECYCLE: "PASS", POLICY: "PASS"},
    ("us-east-1", "vendor/feed"): {TAG: "FAIL", SCAN: "FAIL", LIFECYCLE: "FAIL", POLICY: "FAIL"},
    ("us-east-1", "batch/nightly"): {TAG: "PASS", SCAN: "FAIL", LIFECYCLE: "PASS", POLICY: "PASS"},
}

FRESH, VULN, KMS, EFFECTIVE, REPLICATED, HYGIENE = (
    "ecr-image-freshness",
    "ecr-image-vulnerabilities",
    "ecr-kms-cmk",
    "ecr-lifecycle-effective",
    "ecr-replication",
    "ecr-tag-hygiene",
)
_NEW_COLUMNS = (FRESH, VULN, KMS, EFFECTIVE, REPLICATED, HYGIENE)

# The controls of the second wave, in _NEW_COLUMNS order, merged into EXPECTED_REPOSITORIES:
# (region, repository): (freshness, vulnerabilities, kms, lifecycle-effective, replication, hygiene)
_NEW_CELLS = {
    ("eu-west-1", "payments/api"): ("PASS", "PASS", "PASS", "PASS", "PASS", "PASS"),
    ("eu-west-1", "payments/worker"): ("PASS", "FAIL", "FAIL", "PASS", "PASS", "FAIL"),
    ("eu-west-1", "legacy/monolith"): ("FAIL", "FAIL", "FAIL", "FAIL", "N/A", "N/A"),
    ("eu-west-1", "marketing/website"): ("PASS", "FAIL", "FAIL", "PASS", "N/A", "N/A"),
    ("eu-west-1", "shared/base-images"): ("PASS", "FAIL", "FAIL", "PASS", "FAIL", "N/A"),
    ("us-east-1", "platform/ingress"): ("PASS", "FAIL", "FAIL", "PASS", "N/A", "PASS"),
    ("us-east-1", "platform/ci-runner"): ("PASS", "FAIL", "FAIL", "FAIL", "N/A", "PASS"),
    ("us-east-1", "data/etl"): ("N/A", "N/A", "FAIL", "PASS", "N/A", "N/A"),
    ("us-east-1", "vendor/feed"): ("N/A", "N/A", "FAIL", "FAIL", "N/A", "N/A"),
    ("us-east-1", "batch/nightly"): ("PASS", "FAIL", "FAIL", "FAIL", "N/A", "N/A"),
}
for _key, _statuses in _NEW_CELLS.items():
    EXPECTED_REPOSITORIES[_key].update(zip(_NEW_COLUMNS, _statuses, strict=True))

# (region, VPC label from the seed; "default" is the region's default VPC): status
EXPECTED_VPCS = {
    ("eu-west-1", "default"): "N/A",
    ("eu-west-1", "prod"): "PASS",
    ("us-east-1", "default"): "N/A",
    ("us-east-1", "legacy"): "FAIL",
    ("us-east-1", "partial"): "FAIL",
}

# vpc-ecr-endpoints-depth: only the fully covered VPC has endpoints in both private zones with a
# security group for 443 and a scoped policy; the partial one has no security group.
EXPECTED_VPC_DEPTH = {
    ("eu-west-1", "default"): "N/A",
    ("eu-west-1", "prod"): "PASS",
    ("us-east-1", "default"): "N/A",
    ("us-east-1", "legacy"): "N/A",
    ("us-east-1", "partial"): "FAIL",
}

# region: {control: status} for the registry of each region.
EXPECTED_REGISTRIES = {
    "eu-west-1": {
        "ecr-pull-through-cache": "PASS",
        "ecr-registry-policy": "PASS",
        "ecr-registry-scanning": "FAIL",
    },
    "us-east-1": {
        "ecr-pull-through-cache": "FAIL",
        "ecr-registry-policy": "FAIL",
        "ecr-registry-scanning": "FAIL",
    },
}

AVAILABLE, PULL, NETWORK, PINNED, SPARES = (
    "consumer-image-available",
    "consumer-pull-permission",
    "consumer-network-path",
    "consumer-image-pinned",
    "lifecycle-spares-in-use",
)
_CONSUMER_COLUMNS = (AVAILABLE, PULL, NETWORK, PINNED, SPARES)

# (resource type, region, CLUSTER/SERVICE or function): (available, pull, network, pinned, spares).
# Each failing consumer fails for its own reason (scanner/demo/consumers.py).
_CONSUMER_CELLS = {
    ("ecs-service", "eu-west-1", "prod/payments-api"): ("PASS", "PASS", "PASS", "PASS", "PASS"),
    ("ecs-service", "eu-west-1", "prod/payments-worker"): ("PASS", "PASS", "PASS", "FAIL", "PASS"),
    ("ecs-service", "eu-west-1", "prod/checkout"): ("FAIL", "PASS", "PASS", "PASS", "N/A"),
    ("ecs-service", "eu-west-1", "prod/reports"): ("PASS", "FAIL", "PASS", "PASS", "PASS"),
    ("ecs-service", "eu-west-1", "ops/agent"): ("PASS", "PASS", "PASS", "N/A", "PASS"),
    ("ecs-service", "us-east-1", "edge/ingress"): ("PASS", "PASS", "FAIL", "PASS", "PASS"),
    ("ecs-service", "us-east-1", "edge/proxy"): ("N/A", "PASS", "PASS", "FAIL", "PASS"),
    ("ecs-service", "us-east-1", "batch/nightly"): ("PASS", "PASS", "PASS", "PASS", "FAIL"),
    ("lambda-function", "eu-west-1", "thumbnails"): ("PASS", "PASS", "N/A", "N/A", "PASS"),
    ("lambda-function", "eu-west-1", "invoice-pdf"): ("PASS", "FAIL", "N/A", "N/A", "PASS"),
}
EXPECTED_CONSUMERS = {
    key: dict(zip(_CONSUMER_COLUMNS, statuses, strict=True))
    for key, statuses in _CONSUMER_CELLS.items()
}
CONSUMER_REASONS = {
    ("prod/checkout", AVAILABLE): "tag 2.0.0 is not in repository payments/api",
    ("prod/reports", PULL): "execution role reports-execution: no statement of the identity",
    ("invoice-pdf", PULL): "does not grant ecr:BatchGetImage to lambda.amazonaws.com",
    ("edge/ingress", NETWORK): "no ecr.dkr interface endpoint with private DNS",
    ("edge/proxy", NETWORK): "NAT gateway nat-",
    ("prod/payments-worker", PINNED): 'excluding "dev-*", "latest"',
    ("edge/proxy", PINNED): "nginx:1.27 is named by a tag outside ECR",
    ("batch/nightly", SPARES): "3 newer images match the rule, which keeps 2",
    ("ops/agent", PULL): "instance role ecsInstanceRole",
}
# (region, role -> repository or pattern): status
EXPECTED_PUSHERS = {
    ("eu-west-1", "ci-payments -> payments/api"): "PASS",
    ("eu-west-1", "ci-payments -> payments/worker"): "PASS",
    ("us-east-1", "ci-platform -> platform/ci-runner"): "FAIL",
    ("us-east-1", "ci-platform -> platform/ingress"): "FAIL",
    ("global", "ci-platform -> platform/ci-tools"): "FAIL",
}

# Reasons that must name what is at fault.
EXPECTED_REASONS = {
    ("us-east-1", "platform/ci-runner", TAG): "MUTABLE_WITH_EXCLUSION",
    ("eu-west-1", "payments/worker", TAG): "latest",
    ("eu-west-1", "shared/base-images", POLICY): "PartnerPush",
    ("us-east-1", "vendor/feed", POLICY): "777788889999",
    ("eu-west-1", "legacy/monolith", SCAN): "MANUAL",
    ("us-east-1", "platform/ci-runner", EFFECTIVE): 'caps only tags matching "release-"',
    ("eu-west-1", "payments/worker", VULN): "1 CRITICAL, 2 HIGH",
    ("eu-west-1", "payments/worker", HYGIENE): "latest",
    ("eu-west-1", "legacy/monolith", FRESH): "200 days old",
    ("eu-west-1", "shared/base-images", REPLICATED): '"payments/"',
}


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """Seed, then run `ecrscan scan` once for the whole module."""
    import os
    from unittest import mock

    import boto3
    from moto import mock_aws

    out = tmp_path_factory.mktemp("scan")
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(out / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(out / "none"),
    }
    with mock.patch.dict(os.environ, env), mock_aws():
        labels = seed(boto3.Session(region_name="eu-west-1"))
        for region in REGIONS:
            ec2 = boto3.client("ec2", region_name=region)
            default = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])[
                "Vpcs"
            ][0]
            labels[region]["default"] = default["VpcId"]
        code = main(
            [
                "scan",
                *(arg for region in REGIONS for arg in ("--region", region)),
                "--config",
                str(demo_config_path()),
                "--format",
                "json",
                "--output",
                str(out / "results.json"),
                "--save-snapshot",
                str(out / "snapshot.json"),
            ]
        )
    results = json.loads((out / "results.json").read_text())
    return code, results, labels, out


def _cells(results, resource_type):
    return {
        (r["region"], r["resource_name"], r["control_id"]): r
        for r in results["results"]
        if r["resource_type"] == resource_type
    }


def test_every_repository_verdict(scan):
    _, results, _, _ = scan
    cells = _cells(results, "repository")
    actual = {
        (region, name): {control: cells[(region, name, control)]["status"] for control in expected}
        for (region, name), expected in EXPECTED_REPOSITORIES.items()
    }
    assert actual == EXPECTED_REPOSITORIES
    assert len(cells) == 10 * len(EXPECTED_REPOSITORIES), "a repository nobody expected was judged"


def test_every_vpc_verdict(scan):
    _, results, labels, _ = scan
    cells = _cells(results, "vpc")
    actual = {
        (region, label): cells[(region, labels[region][label], "vpc-ecr-endpoints")]["status"]
        for (region, label) in EXPECTED_VPCS
    }
    assert actual == EXPECTED_VPCS
    depth = {
        (region, label): cells[(region, labels[region][label], "vpc-ecr-endpoints-depth")]["status"]
        for (region, label) in EXPECTED_VPC_DEPTH
    }
    assert depth == EXPECTED_VPC_DEPTH
    assert len(cells) == 2 * len(EXPECTED_VPCS)


def test_every_registry_verdict(scan):
    _, results, _, _ = scan
    cells = _cells(results, "registry")
    actual = {
        region: {control: cells[(region, "registry", control)]["status"] for control in expected}
        for region, expected in EXPECTED_REGISTRIES.items()
    }
    assert actual == EXPECTED_REGISTRIES
    assert len(cells) == 3 * len(EXPECTED_REGISTRIES)
    assert "777788889999" in cells[("us-east-1", "registry", "ecr-registry-policy")]["reason"]


def test_every_consumer_verdict(scan):
    """The consumer matrix: ECS services and Lambda functions, each control, and the reasons."""
    _, results, _, _ = scan
    actual = {}
    for resource_type in ("ecs-service", "lambda-function"):
        for (region, name, control), result in _cells(results, resource_type).items():
            actual.setdefault((resource_type, region, name), {})[control] = result["status"]
    assert actual == EXPECTED_CONSUMERS
    cells = {**_cells(results, "ecs-service"), **_cells(results, "lambda-function")}
    by_name = {(name, control): r["reason"] for (_, name, control), r in cells.items()}
    for key, fragment in CONSUMER_REASONS.items():
        assert fragment in by_name[key], (key, by_name[key])


def test_every_pusher_verdict(scan):
    _, results, _, _ = scan
    cells = _cells(results, "pusher")
    actual = {(region, name): r["status"] for (region, name, _), r in cells.items()}
    assert actual == EXPECTED_PUSHERS
    assert (
        "ecr:PutImage"
        in cells[("us-east-1", "ci-platform -> platform/ingress", "pusher-push-permission")][
            "reason"
        ]
    )


def test_cost_view_is_in_the_results(scan):
    """legacy/monolith has no lifecycle policy and two untagged 1.5 GB images 200 days old: the
    default retention expires them, and the cost table puts it first."""
    _, results, _, _ = scan
    rows = results["metadata"]["cost"]["repositories"]
    assert rows[0]["repository"] == "legacy/monolith"
    assert rows[0]["basis"] == "default retention"
    assert rows[0]["expirable_images"] == 2
    assert rows[0]["monthly_saving"] == pytest.approx(2 * 1_500_000_000 / 2**30 * 0.10, abs=0.01)


def test_reasons_name_what_is_at_fault(scan):
    _, results, _, _ = scan
    cells = _cells(results, "repository")
    for (region, name, control), fragment in EXPECTED_REASONS.items():
        assert fragment in cells[(region, name, control)]["reason"], (name, control)


def test_public_and_external_write_are_critical(scan):
    _, results, _, _ = scan
    cells = _cells(results, "repository")
    assert cells[("eu-west-1", "shared/base-images", POLICY)]["severity"] == "CRITICAL"


def test_exit_code_and_evidence(scan):
    code, results, _, out = scan
    assert code == 1  # failures, and no collection errors
    assert results["metadata"]["snapshot"]["regions"] == list(REGIONS)
    from scanner import snapshot as snapshots

    snapshots.load(out / "snapshot.json")  # the saved evidence validates


def test_stored_snapshot_re_evaluates_offline_to_the_same_verdicts(scan, capsys):
    _, results, _, out = scan
    code = main(
        [
            "evaluate",
            str(out / "snapshot.json"),
            "--config",
            str(demo_config_path()),
            "--format",
            "json",
        ]
    )
    again = json.loads(capsys.readouterr().out)
    assert code == 1
    assert again["results"] == results["results"]

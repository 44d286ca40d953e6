"""`ecrscan iac` and the controls of issue 5: live-state controls are N/A for planned
infrastructure, registry settings a source does not declare are N/A, and the settings it does
declare (KMS keys, replication, registry policy and scanning, pull-through cache, endpoint
security groups) are judged, from a plan and from a template alike.
"""

import json
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.iac import Settings, load_sources

DATA = Path(__file__).parent / "data" / "iac"
PLAN, TEMPLATE = str(DATA / "plan.json"), str(DATA / "template.yaml")
ACCOUNT = "123456789012"
KMS, REPLICATION = "ecr-kms-cmk", "ecr-replication"
FRESH, VULNS, TAGS = "ecr-image-freshness", "ecr-image-vulnerabilities", "ecr-tag-hygiene"
CACHE, REG_POLICY, REG_SCAN = (
    "ecr-pull-through-cache",
    "ecr-registry-policy",
    "ecr-registry-scanning",
)
DEPTH = "vpc-ecr-endpoints-depth"
NEW = (KMS, REPLICATION, FRESH, VULNS, TAGS, CACHE, REG_POLICY, REG_SCAN, DEPTH)
REPOSITORIES = ("team/api", "shared/base", "legacy/monolith", "team/worker")

# (resource, control) -> status, the same from the plan and from the template (eu-west-1).
EXPECTED = {
    ("team/api", KMS): "PASS",  # a key the source declares: customer-managed
    ("shared/base", KMS): "FAIL",  # KMS without a key: aws/ecr
    ("legacy/monolith", KMS): "FAIL",  # AES256
    ("team/worker", KMS): "ERROR",  # a key ARN the source does not declare
    ("team/api", REPLICATION): "PASS",
    ("shared/base", REPLICATION): "FAIL",
    ("registry", CACHE): "PASS",
    ("registry", REG_POLICY): "PASS",
    ("registry", REG_SCAN): "N/A",  # not declared in eu-west-1
} | {(name, control): "N/A" for name in REPOSITORIES for control in (FRESH, VULNS, TAGS)}
MAIN_VPC = {"plan": "module.network.aws_vpc.main", "template": "MainVpc"}
SOURCES = {
    "plan": [PLAN],
    "template": [TEMPLATE, "--account-id", ACCOUNT, "--region", "eu-west-1"],
}


def _judge(tmp_path, *argv):
    out = tmp_path / "results.json"
    code = main(["iac", *argv, "--controls", ",".join(NEW), "--format", f"json={out}"])
    return code, json.loads(out.read_text())


def _cells(document, region="eu-west-1"):
    return {
        (r["resource_name"], r["control_id"]): r
        for r in document["results"]
        if r["region"] == region
    }


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    return {
        source: _judge(tmp_path_factory.mktemp(source), *argv)[1]
        for source, argv in SOURCES.items()
    }


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_source_gets_the_expected_verdicts(judged, source):
    cells = _cells(judged[source])
    assert {key: cells[key]["status"] for key in EXPECTED} == EXPECTED
    assert cells[(MAIN_VPC[source], DEPTH)]["status"] == "PASS"
    assert "admit TCP 443 from 10.0.0.0/16" in cells[(MAIN_VPC[source], DEPTH)]["reason"]
    for control in (FRESH, VULNS, TAGS):
        assert "planned infrastructure holds" in cells[("team/api", control)]["reason"]
    assert "not managed by this source" in cells[("registry", REG_SCAN)]["reason"]
    worker = cells[("team/worker", KMS)]["reason"]
    assert "UndeclaredKey" in worker and "kms_key_arns" in worker
    assert "alias/aws/ecr" in cells[("shared/base", KMS)]["reason"]


def test_plan_registries_judge_only_what_each_region_declares(judged):
    us = _cells(judged["plan"], "us-east-1")
    assert us[("registry", REG_SCAN)]["status"] == "PASS"  # declared with the aws.us provider
    for key in (("registry", CACHE), ("registry", REG_POLICY), ("platform/ingress", REPLICATION)):
        assert us[key]["status"] == "N/A"
        assert "not managed by this source" in us[key]["reason"]


def test_snapshot_marks_origin_and_declared_settings():
    snapshot = load_sources([TEMPLATE], Settings(account_id=ACCOUNT, region="eu-west-1"))
    assert snapshot["origin"] == "iac"
    [scope] = snapshot["inventory"]
    registry = scope["registry"]
    assert registry["declared"] == [
        "pullThroughCacheRules",
        "registryPolicy",
        "replicationConfiguration",
        "repositoryCreationTemplates",
    ]
    assert registry["pullThroughCacheRules"] == [
        {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
    ]
    api = next(r for r in scope["repositories"] if r["repository"]["repositoryName"] == "team/api")
    assert api["kmsKey"] == {"KeyId": "EcrKey", "KeyManager": "CUSTOMER"}
    [main_vpc] = [v for v in scope["network"]["vpcs"] if v["vpc"]["VpcId"] == "MainVpc"]
    [group] = main_vpc["securityGroups"]
    assert group["GroupId"] == "EndpointSecurityGroup"
    assert {(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in group["IpPermissions"]} == {
        (22, "10.0.0.0/16"),
        (443, "10.0.0.0/16"),  # the separate AWS::EC2::SecurityGroupIngress
    }


def _plan_change(plan, address):
    return next(c for c in plan["resource_changes"] if c["address"] == address)["change"]


def _failing_plan(tmp_path):
    """The fixture plan with each declared setting turned bad."""
    plan = json.loads(Path(PLAN).read_text())
    template = _plan_change(plan, "aws_ecr_repository_creation_template.docker_hub")
    template["after"]["image_tag_mutability"] = "MUTABLE"
    policy = _plan_change(plan, "aws_ecr_registry_policy.this")
    policy["after"]["policy"] = policy["after"]["policy"].replace(ACCOUNT, "444455556666")
    scanning = _plan_change(plan, "aws_ecr_registry_scanning_configuration.us")
    scanning["after"]["scan_type"] = "BASIC"
    https = _plan_change(plan, "module.network.aws_vpc_security_group_ingress_rule.https")
    https["after"]["from_port"] = https["after"]["to_port"] = 8443
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return str(path)


def test_declared_plan_settings_fail_when_bad(tmp_path):
    _, document = _judge(tmp_path, _failing_plan(tmp_path))
    eu, us = _cells(document), _cells(document, "us-east-1")
    assert "template docker-hub leaves tags mutable" in eu[("registry", CACHE)]["reason"]
    assert eu[("registry", REG_POLICY)]["status"] == "FAIL"
    assert "444455556666" in eu[("registry", REG_POLICY)]["reason"]
    assert us[("registry", REG_SCAN)]["status"] == "FAIL"
    depth = eu[("module.network.aws_vpc.main", DEPTH)]
    assert depth["status"] == "FAIL"
    assert "no security group admitting TCP 443" in depth["reason"]


TEMPLATE_SCANNING = """
  RegistryScanning:
    Type: AWS::ECR::RegistryScanningConfiguration
    Properties:
      ScanType: {scan_type}
      Rules:
        - ScanFrequency: CONTINUOUS_SCAN
          RepositoryFilters: [{{Filter: "*", FilterType: WILDCARD}}]
"""


@pytest.mark.parametrize("scan_type", ["ENHANCED", "BASIC"])
def test_declared_template_settings_are_judged(tmp_path, scan_type):
    text = Path(TEMPLATE).read_text()
    if scan_type == "BASIC":  # and every other declared setting bad, too
        text = text.replace(
            "      ImageTagMutability: IMMUTABLE\n      LifecyclePolicy: '",
            "      ImageTagMutability: MUTABLE\n      LifecyclePolicy: '",
        )
        text = text.replace(
            '"arn:aws:iam::${AWS::AccountId}:root"', "arn:aws:iam::444455556666:root"
        )
        text = text.replace("      SecurityGroupIds: [!Ref EndpointSecurityGroup]\n", "")
    text = text.replace("\nOutputs:", TEMPLATE_SCANNING.format(scan_type=scan_type) + "Outputs:")
    path = tmp_path / "template.yaml"
    path.write_text(text)
    _, document = _judge(tmp_path, str(path), *SOURCES["template"][1:])
    cells = _cells(document)
    verdict = "PASS" if scan_type == "ENHANCED" else "FAIL"
    assert cells[("registry", REG_SCAN)]["status"] == verdict
    for key in (("registry", CACHE), ("registry", REG_POLICY), ("MainVpc", DEPTH)):
        assert cells[key]["status"] == verdict, key
    if verdict == "FAIL":
        assert (
            "ecr.api endpoint EcrApiEndpoint has no security group"
            in cells[("MainVpc", DEPTH)]["reason"]
        )


def test_undeclared_key_passes_when_allow_listed(tmp_path):
    config = tmp_path / "ecrscan.yaml"
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0f1e2d3c-external"
    config.write_text(f"kms_key_arns: ['{key}']\n")
    _, document = _judge(tmp_path, PLAN, "--config", str(config))
    worker = _cells(document)[("team/worker", KMS)]
    assert worker["status"] == "PASS"
    assert "which kms_key_arns allows" in worker["reason"]


def test_unknowns_in_new_inputs_are_errors_never_passes(tmp_path):
    text = Path(TEMPLATE).read_text()
    text = text.replace("[!GetAtt EndpointSecurityGroup.GroupId]", "[sg-0123456789abcdef0]")
    text = text.replace("AvailabilityZone: !Sub ${AWS::Region}a\n      MapPublic", "MapPublic")
    text = text.replace(
        "      EncryptionConfiguration: {EncryptionType: KMS}\n",
        "      EncryptionConfiguration: {EncryptionType: KMS, KmsKey: !ImportValue shared-key}\n",
    )
    path = tmp_path / "template.yaml"
    path.write_text(text)
    snapshot = load_sources([str(path)], Settings(account_id=ACCOUNT, region="eu-west-1"))
    [scope] = snapshot["inventory"]
    [main_vpc] = [v for v in scope["network"]["vpcs"] if v["vpc"]["VpcId"] == "MainVpc"]
    assert "sg-0123456789abcdef0" in main_vpc["errors"]["securityGroups"]["message"]
    assert "PublicSubnet" in main_vpc["errors"]["availabilityZones"]["message"]
    _, document = _judge(tmp_path, str(path), *SOURCES["template"][1:])
    cells = _cells(document)
    assert cells[("MainVpc", DEPTH)]["status"] == "ERROR"
    shared = cells[("shared/base", KMS)]
    assert shared["status"] == "ERROR" and "Fn::ImportValue" in shared["reason"]

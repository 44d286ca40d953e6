"""The collector's newer inputs where moto cannot answer: botocore's Stubber plays AWS.

moto implements neither DescribePullThroughCacheRules nor DescribeRepositoryCreationTemplates,
and returns no Inspector findings; DescribeKey of the AWS-managed aws/ecr key needs AWS itself.
"""

import boto3
import pytest
from botocore.stub import ANY, Stubber

from scanner.collect.inspector_findings import attach_inspector_findings
from scanner.collect.kms_keys import attach_kms_keys
from scanner.collect.pull_through_cache import collect_pull_through_cache

ACCOUNT = "111122223333"
REGION = "eu-west-1"
AWS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/aws-ecr-0000"
CMK = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/cmk-1111"


def _stubbed(service):
    client = boto3.Session(region_name=REGION).client(service)
    return client, Stubber(client)


def test_pull_through_cache_rules_and_templates_across_pages(aws_env):
    ecr, stub = _stubbed("ecr")
    rule = {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
    stub.add_response(
        "describe_pull_through_cache_rules",
        {"pullThroughCacheRules": [rule], "nextToken": "t2"},
    )
    stub.add_response(
        "describe_pull_through_cache_rules",
        {"pullThroughCacheRules": [rule | {"ecrRepositoryPrefix": "quay"}]},
        {"nextToken": "t2"},
    )
    template = {
        "prefix": "ROOT",
        "appliedFor": ["PULL_THROUGH_CACHE"],
        "imageTagMutability": "IMMUTABLE",
        "lifecyclePolicy": '{"rules": []}',
    }
    stub.add_response(
        "describe_repository_creation_templates", {"repositoryCreationTemplates": [template]}
    )
    errors = {}
    with stub:
        found = collect_pull_through_cache(ecr, errors)
    assert [r["ecrRepositoryPrefix"] for r in found["pullThroughCacheRules"]] == [
        "docker-hub",
        "quay",
    ]
    assert found["repositoryCreationTemplates"] == [template]
    assert errors == {}


def test_a_denied_listing_is_recorded_under_its_field(aws_env):
    ecr, stub = _stubbed("ecr")
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": []})
    stub.add_client_error(
        "describe_repository_creation_templates", "AccessDeniedException", "not authorized"
    )
    errors = {}
    with stub:
        found = collect_pull_through_cache(ecr, errors)
    assert found == {"pullThroughCacheRules": [], "repositoryCreationTemplates": None}
    assert errors == {
        "repositoryCreationTemplates": {
            "operation": "DescribeRepositoryCreationTemplates",
            "code": "AccessDeniedException",
            "message": "not authorized",
        }
    }


def _record(name, encryption):
    return {
        "repository": {"repositoryName": name, "encryptionConfiguration": encryption},
        "derived": {},
        "errors": {},
    }


def test_kms_keys_are_described_once_each_and_name_their_manager(aws_env):
    kms, stub = _stubbed("kms")
    metadata = {"KeyId": "aws-ecr-0000", "Arn": AWS_KEY, "KeyManager": "AWS", "KeyState": "Enabled"}
    stub.add_response(
        "describe_key", {"KeyMetadata": metadata | {"Description": "x"}}, {"KeyId": AWS_KEY}
    )
    stub.add_client_error(
        "describe_key", "AccessDeniedException", "denied", expected_params={"KeyId": CMK}
    )
    records = [
        _record("a", {"encryptionType": "KMS", "kmsKey": AWS_KEY}),
        _record("b", {"encryptionType": "KMS", "kmsKey": AWS_KEY}),  # no second call
        _record("c", {"encryptionType": "KMS_DSSE", "kmsKey": CMK}),
        _record("d", {"encryptionType": "AES256"}),
    ]
    with stub:
        attach_kms_keys(kms, records)
    stub.assert_no_pending_responses()
    assert records[0]["kmsKey"] == metadata == records[1]["kmsKey"]
    assert records[2]["kmsKey"] is None
    assert records[2]["errors"]["kmsKey"]["code"] == "AccessDeniedException"
    assert records[3]["kmsKey"] is None and records[3]["errors"] == {}


def test_inspector_findings_for_the_newest_image_are_counted_by_severity(aws_env):
    inspector, stub = _stubbed("inspector2")
    criteria = {
        "ecrImageRepositoryName": [{"comparison": "EQUALS", "value": "team/api"}],
        "ecrImageHash": [{"comparison": "EQUALS", "value": "sha256:new"}],
        "findingStatus": [{"comparison": "EQUALS", "value": "ACTIVE"}],
    }

    def finding(severity):
        return {
            "awsAccountId": ACCOUNT,
            "description": "d",
            "findingArn": "arn:aws:inspector2:x",
            "firstObservedAt": "2026-01-01T00:00:00Z",
            "lastObservedAt": "2026-01-01T00:00:00Z",
            "remediation": {},
            "resources": [{"id": "r", "type": "AWS_ECR_CONTAINER_IMAGE"}],
            "severity": severity,
            "status": "ACTIVE",
            "type": "PACKAGE_VULNERABILITY",
        }

    stub.add_response(
        "list_findings",
        {"findings": [finding("CRITICAL"), finding("HIGH")], "nextToken": "p2"},
        {"filterCriteria": criteria},
    )
    stub.add_response(
        "list_findings",
        {"findings": [finding("HIGH")]},
        {"filterCriteria": criteria, "nextToken": "p2"},
    )
    stub.add_client_error(
        "list_findings", "AccessDeniedException", "denied", expected_params={"filterCriteria": ANY}
    )
    newest = {"imageSummary": {"newestImage": {"imageDigest": "sha256:new"}}}
    denied = {"imageSummary": {"newestImage": {"imageDigest": "sha256:other"}}}
    records = [
        {"repository": {"repositoryName": "team/api"}, "derived": newest, "errors": {}},
        {
            "repository": {"repositoryName": "team/empty"},
            "derived": {"imageSummary": {"newestImage": None}},
            "errors": {},
        },
        {"repository": {"repositoryName": "team/denied"}, "derived": denied, "errors": {}},
    ]
    with stub:
        attach_inspector_findings(inspector, records, max_workers=1)
    assert records[0]["inspectorFindings"] == {
        "imageDigest": "sha256:new",
        "severityCounts": {"CRITICAL": 1, "HIGH": 2},
        "findingCount": 3,
    }
    assert records[1]["inspectorFindings"] is None and records[1]["errors"] == {}
    assert records[2]["inspectorFindings"] is None
    assert records[2]["errors"]["inspectorFindings"]["operation"] == "ListFindings"


@pytest.mark.parametrize("scan_type", ["BASIC", "ENHANCED"])
def test_inspector_is_asked_only_under_enhanced_scanning(scan_type, moto_session):
    """Under BASIC the findings are DescribeImages'; no inspector2 call, no inspectorFindings."""
    from scanner.collect import collect_snapshot

    seen = set()
    moto_session.events.register("before-call", lambda model, **_: seen.add(model.name))
    ecr = moto_session.client("ecr")
    ecr.create_repository(repositoryName="team/api")
    ecr.put_image(repositoryName="team/api", imageManifest=_manifest(), imageTag="1.0.0")
    ecr.put_registry_scanning_configuration(scanType=scan_type, rules=[])
    snapshot = collect_snapshot(moto_session, ["us-east-1"])
    record = snapshot["inventory"][0]["repositories"][0]
    assert ("ListFindings" in seen) is (scan_type == "ENHANCED")
    assert ("inspectorFindings" in record) is (scan_type == "ENHANCED")


def _manifest():
    import json

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "x", "size": 10, "digest": "sha256:" + "a" * 64},
            "layers": [{"mediaType": "y", "size": 20, "digest": "sha256:" + "b" * 64}],
        }
    )

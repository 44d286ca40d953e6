"""The collector's newer inputs where moto cannot answer: botocore's Stubber plays AWS.

moto implements neither DescribePullThroughCacheRules nor DescribeRepositoryCreationTemplates,
and returns no Inspector findings; DescribeKey of the AWS-managed aws/ecr key needs AWS itself.
"""

import boto3
import pytest
from botocore.stub import ANY, Stubber

from scanner.collect.inspector_findings import attach_inspector_findings
from scanner.collect.kms_keys import KeyDescriptions, attach_kms_keys
from scanner.collect.pull_through_cache import collect_pull_through_cache
from scanner.demo.emulator import set_image_state

ACCOUNT = "111122223333"
REGION = "eu-west-1"
AWS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/aws-ecr-0000"
CMK = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/cmk-1111"
ACCOUNT_MOTO = "123456789012"  # moto's default account


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


def test_a_key_arn_is_described_once_per_scan_a_refusal_and_an_alias_per_account(aws_env):
    """Two accounts' repositories share a central CMK (one call); one account is refused a
    key the other may read (asked again); an alias means another key in each account."""
    kms, stub = _stubbed("kms")
    metadata = {"KeyId": "cmk-1111", "Arn": CMK, "KeyManager": "CUSTOMER"}
    refused = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/locked"
    stub.add_response("describe_key", {"KeyMetadata": metadata}, {"KeyId": CMK})
    stub.add_client_error(
        "describe_key", "AccessDeniedException", "no", expected_params={"KeyId": refused}
    )
    stub.add_response("describe_key", {"KeyMetadata": metadata}, {"KeyId": "alias/ecr"})
    stub.add_response(
        "describe_key", {"KeyMetadata": metadata | {"Arn": refused}}, {"KeyId": refused}
    )
    stub.add_response("describe_key", {"KeyMetadata": metadata}, {"KeyId": "alias/ecr"})
    keys = KeyDescriptions()

    def repositories():
        return [
            _record("shared", {"encryptionType": "KMS", "kmsKey": CMK}),
            _record("locked", {"encryptionType": "KMS", "kmsKey": refused}),
            _record("alias", {"encryptionType": "KMS", "kmsKey": "alias/ecr"}),
        ]

    first, second = repositories(), repositories()
    with stub:
        attach_kms_keys(kms, first, keys, account_id=ACCOUNT, region=REGION)
        attach_kms_keys(kms, second, keys, account_id="444455556666", region=REGION)
    stub.assert_no_pending_responses()
    assert first[0]["kmsKey"] == second[0]["kmsKey"] == metadata
    assert first[1]["errors"]["kmsKey"]["code"] == "AccessDeniedException"
    assert second[1]["kmsKey"]["Arn"] == refused and second[1]["errors"] == {}


def _digest(label) -> str:
    """A digest of the shape the API checks (sha256: and 64 hex digits), told apart by label."""
    return "sha256:" + label.encode().hex().rjust(64, "0")


def _scanned(name, digest, status="ACTIVE"):
    newest = {"imageDigest": digest, "imageScanStatus": {"status": status}}
    return {
        "repository": {"repositoryName": name},
        "derived": {"imageSummary": {"newestImage": newest}},
        "errors": {},
    }


def _finding(severity, repository, digest, account=ACCOUNT):
    image = {"repositoryName": repository, "imageHash": digest, "registry": account}
    details = {"awsEcrContainerImage": image}
    return {
        "awsAccountId": account,
        "description": "d",
        "findingArn": "arn:aws:inspector2:x",
        "firstObservedAt": "2026-01-01T00:00:00Z",
        "lastObservedAt": "2026-01-01T00:00:00Z",
        "remediation": {},
        "resources": [{"id": "r", "type": "AWS_ECR_CONTAINER_IMAGE", "details": details}],
        "severity": severity,
        "status": "ACTIVE",
        "type": "PACKAGE_VULNERABILITY",
    }


def _criteria(records, account=None):
    def equal(values):
        return [{"comparison": "EQUALS", "value": v} for v in sorted(values)]

    newest = [r["derived"]["imageSummary"]["newestImage"] for r in records]
    criteria = {
        "ecrImageRepositoryName": equal({r["repository"]["repositoryName"] for r in records}),
        "ecrImageHash": equal({image["imageDigest"] for image in newest}),
        "findingStatus": equal({"ACTIVE"}),
    }
    return criteria | ({"awsAccountId": equal({account})} if account else {})


def test_inspector_is_asked_about_ten_repositories_per_call(aws_env):
    """Twelve scanned repositories: two ListFindings calls (the first across two pages), and
    each finding counted for the repository and image its resource names."""
    inspector, stub = _stubbed("inspector2")
    records = [_scanned(f"team/app-{n:02}", _digest(f"{n:02}")) for n in range(12)]
    first, second = records[:10], records[10:]
    page = {"filterCriteria": _criteria(first), "maxResults": 100}
    stub.add_response(
        "list_findings",
        {
            "findings": [
                _finding("CRITICAL", "team/app-00", _digest("00")),
                _finding("HIGH", "team/app-00", _digest("00")),
                # app-01's digest, found in app-00 (an older image there): neither's newest.
                _finding("HIGH", "team/app-00", _digest("01")),
            ],
            "nextToken": "p2",
        },
        page,
    )
    stub.add_response(
        "list_findings",
        {"findings": [_finding("HIGH", "team/app-03", _digest("03"))]},
        page | {"nextToken": "p2"},
    )
    stub.add_response(
        "list_findings",
        {"findings": [_finding("LOW", "team/app-11", _digest("11"))]},
        {"filterCriteria": _criteria(second), "maxResults": 100},
    )
    with stub:
        attach_inspector_findings(inspector, records, max_workers=1)
    stub.assert_no_pending_responses()
    found = {r["repository"]["repositoryName"]: r["inspectorFindings"] for r in records}
    assert found["team/app-00"] == {
        "imageDigest": _digest("00"),
        "severityCounts": {"CRITICAL": 1, "HIGH": 1},
        "findingCount": 2,
    }
    assert found["team/app-01"]["findingCount"] == 0
    assert found["team/app-03"]["severityCounts"] == {"HIGH": 1}
    assert found["team/app-11"]["severityCounts"] == {"LOW": 1}
    assert all(r["errors"] == {} for r in records)


def test_a_failed_call_marks_every_repository_of_its_batch(aws_env):
    inspector, stub = _stubbed("inspector2")
    records = [_scanned("team/a", _digest("a")), _scanned("team/b", _digest("b"))]
    stub.add_client_error(
        "list_findings",
        "AccessDeniedException",
        "denied",
        expected_params={"filterCriteria": ANY, "maxResults": 100},
    )
    with stub:
        attach_inspector_findings(inspector, records, max_workers=1)
    for record in records:
        assert record["inspectorFindings"] is None
        assert record["errors"]["inspectorFindings"]["code"] == "AccessDeniedException"


def test_only_the_accounts_own_findings_count(aws_env):
    """A delegated administrator sees its members' findings too: filtered, and checked."""
    inspector, stub = _stubbed("inspector2")
    records = [_scanned("team/a", _digest("a"))]
    stub.add_response(
        "list_findings",
        {
            "findings": [
                _finding("HIGH", "team/a", _digest("a")),
                _finding("CRITICAL", "team/a", _digest("a"), account="999999999999"),
            ]
        },
        {"filterCriteria": _criteria(records, ACCOUNT), "maxResults": 100},
    )
    with stub:
        attach_inspector_findings(inspector, records, max_workers=1, account_id=ACCOUNT)
    assert records[0]["inspectorFindings"]["severityCounts"] == {"HIGH": 1}


@pytest.mark.parametrize("status", [None, "PENDING", "FINDINGS_UNAVAILABLE", "FAILED"])
def test_images_not_under_an_enhanced_scan_and_empty_repositories_cost_no_call(aws_env, status):
    """Their verdict is "not scanned" (or N/A) whatever Inspector holds."""
    inspector, stub = _stubbed("inspector2")  # no response queued: any call would fail
    empty = {"repository": {"repositoryName": "e"}, "derived": {}, "errors": {}}
    records = [_scanned("team/a", _digest("a"), status), empty]
    with stub:
        attach_inspector_findings(inspector, records, max_workers=1)
    assert [(r["inspectorFindings"], r["errors"]) for r in records] == [(None, {}), (None, {})]


@pytest.mark.parametrize("scan_type", ["BASIC", "ENHANCED"])
def test_inspector_is_asked_only_under_enhanced_scanning(scan_type, moto_session):
    """Under BASIC the findings are DescribeImages'; no inspector2 call, no inspectorFindings."""
    from scanner.collect import collect_snapshot

    seen = set()
    moto_session.events.register("before-call", lambda model, **_: seen.add(model.name))
    ecr = moto_session.client("ecr")
    ecr.create_repository(repositoryName="team/api")
    ecr.put_image(repositoryName="team/api", imageManifest=_manifest(), imageTag="1.0.0")
    set_image_state(ACCOUNT_MOTO, "us-east-1", "team/api", "1.0.0", scan={"status": "ACTIVE"})
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

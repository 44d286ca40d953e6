"""scanner.aws_lambda.handler against moto: each event re-judges what it changed, exports the
findings to Security Hub, keeps the results in S3 and says what it judged."""

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from scanner import aws_lambda
from scanner.continuous.events import REGISTRY_CALLS, REPOSITORY_CALLS, UnusableEvent, recheck_for
from scanner.continuous.recheck import RecheckIncomplete
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir

REPOSITORY_CONTROLS = sum(
    1 for c in load_policies(policy_dir()).controls if c.resource_type == "repository"
)
EVENTS = Path(__file__).parent / "data" / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "ecrscan-results"
CONTEXT = SimpleNamespace(
    invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ecrscan"
)
ARN = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/"


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


def cloudtrail(call: str, repository: str | None = "team/api", error: str | None = None) -> dict:
    sample = copy.deepcopy(event("cloudtrail-put-image-tag-mutability"))
    sample["detail"]["eventName"] = call
    sample["detail"]["requestParameters"] = {"repositoryName": repository} if repository else {}
    if error:
        sample["detail"]["errorCode"] = error
    return sample


@pytest.fixture
def account(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("ECRSCAN_RESULTS_S3", f"s3://{BUCKET}/ecrscan")
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("securityhub").enable_security_hub()
        session.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        ecr = session.client("ecr")
        ecr.create_repository(repositoryName="team/api", imageTagMutability="MUTABLE")
        ecr.create_repository(repositoryName="team/web", imageTagMutability="IMMUTABLE")
        monkeypatch.setattr("scanner.continuous.recheck.open_session", lambda: session)
        yield session


def findings(session) -> dict[str, dict]:
    pages = session.client("securityhub").get_paginator("get_findings").paginate()
    return {f["Id"]: f for page in pages for f in page["Findings"]}


def s3_json(session, key: str) -> dict:
    body = session.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return json.loads(body)


def test_an_image_push_rechecks_that_repository(account):
    summary = aws_lambda.handler(event("image-push"), CONTEXT)
    assert summary["judged"]["repositories"] == ["team/api"]
    assert summary["judged"]["network"] is False
    assert summary["event"]["reason"] == "ECR Image Action PUSH"
    imported = findings(account)
    assert summary["securityhub"]["imported"] == len(imported)
    assert {f["Resources"][0]["Id"] for f in imported.values()} == {
        ARN + "team/api",
        f"arn:aws:ecr:{REGION}:{ACCOUNT}:registry",
    }
    run = summary["s3"]["run"].removeprefix(f"s3://{BUCKET}/")
    assert s3_json(account, run)["metadata"]["selection"]["repositories"] == ["team/api"]
    assert summary["s3"]["latest"] is None  # no full scan yet to fold it into


def test_a_fix_updates_the_failing_finding(account):
    aws_lambda.handler(event("image-push"), CONTEXT)
    key = f"ecrscan/ecr-tag-immutability/{ARN}team/api"
    assert findings(account)[key]["Compliance"]["Status"] == "FAILED"
    account.client("ecr").put_image_tag_mutability(
        repositoryName="team/api", imageTagMutability="IMMUTABLE"
    )
    before = len(findings(account))
    aws_lambda.handler(event("cloudtrail-put-image-tag-mutability"), CONTEXT)
    after = findings(account)
    assert len(after) == before
    assert after[key]["Compliance"]["Status"] == "PASSED"
    assert after[key]["Workflow"]["Status"] == "RESOLVED"


def test_a_deleted_repository_has_its_findings_archived(account):
    aws_lambda.handler(event("image-push"), CONTEXT)
    account.client("ecr").delete_repository(repositoryName="team/api")
    summary = aws_lambda.handler(cloudtrail("DeleteRepository"), CONTEXT)
    assert summary["judged"]["deleted"] == ["team/api"]
    gone = [f for f in findings(account).values() if f["Resources"][0]["Id"] == ARN + "team/api"]
    assert len(gone) == REPOSITORY_CONTROLS  # one per repository control, none left active
    assert {f["RecordState"] for f in gone} == {"ARCHIVED"}


def test_registry_wide_calls_recheck_every_repository(account):
    for call in REGISTRY_CALLS:
        summary = aws_lambda.handler(cloudtrail(call, repository=None), CONTEXT)
        assert summary["judged"]["repositories"] == "all"
    names = {f["Resources"][0]["Id"] for f in findings(account).values()}
    assert {ARN + "team/api", ARN + "team/web"} <= names


def test_scan_resource_change_rechecks_the_listed_repositories(account):
    summary = aws_lambda.handler(event("scan-resource-change"), CONTEXT)
    assert summary["judged"]["repositories"] == ["team/api", "team/web"]


def test_image_scan_event(account):
    summary = aws_lambda.handler(event("image-scan"), CONTEXT)
    assert summary["judged"]["repositories"] == ["team/api"]


def test_the_scheduled_scan_writes_latest_and_rechecks_fold_into_it(account):
    summary = aws_lambda.handler(event("scheduled"), CONTEXT)
    assert summary["judged"]["network"] is True
    latest_key = f"ecrscan/latest/{ACCOUNT}.json"
    assert summary["s3"]["latest"] == f"s3://{BUCKET}/{latest_key}"
    full = s3_json(account, latest_key)
    assert any(r["resource_type"] == "vpc" for r in full["results"])
    account.client("ecr").put_image_tag_mutability(
        repositoryName="team/api", imageTagMutability="IMMUTABLE"
    )
    again = aws_lambda.handler(event("cloudtrail-put-image-tag-mutability"), CONTEXT)
    assert again["s3"]["latest"] == f"s3://{BUCKET}/{latest_key}"
    latest = s3_json(account, latest_key)
    cells = {(r["control_id"], r["resource_id"]): r["status"] for r in latest["results"]}
    assert cells[("ecr-tag-immutability", ARN + "team/api")] == "PASS"
    assert len(cells) == len(full["results"])  # updated in place, VPC cells kept
    assert latest["metadata"]["updates"][-1]["selection"]["repositories"] == ["team/api"]


def test_a_failed_call_changed_nothing(account):
    sent = []
    account.events.register("before-call", lambda **kw: sent.append(kw))
    summary = aws_lambda.handler(cloudtrail("PutLifecyclePolicy", error="AccessDenied"), CONTEXT)
    assert "failed" in summary["skipped"] and not sent


def test_incomplete_recheck_raises_after_exporting(account):
    from tests.test_collect_errors import inject_error

    inject_error(account, "ecr", "GetLifecyclePolicy")
    with pytest.raises(RecheckIncomplete) as raised:
        aws_lambda.handler(event("image-push"), CONTEXT)
    summary = raised.value.summary
    assert summary["incomplete"] is True and summary["results"]["ERROR"] >= 1
    warnings = [f for f in findings(account).values() if f["Compliance"]["Status"] == "WARNING"]
    assert warnings  # exported all the same, as undecided


@pytest.mark.parametrize(
    "bad",
    [
        "not an event",
        {},
        {**event("image-push"), "detail-type": "EC2 Instance State-change Notification"},
        {**event("image-push"), "source": "aws.ec2"},
        {**event("image-push"), "account": "12345"},
        {**event("image-push"), "detail": {"repository-name": "../../etc"}},
        {**event("scan-resource-change"), "detail": {"repositories": []}},
        cloudtrail("DescribeRepositories"),
        cloudtrail("PutImageTagMutability", repository=None),
    ],
)
def test_unusable_events_are_refused(account, bad):
    with pytest.raises(UnusableEvent):
        aws_lambda.handler(bad, CONTEXT)


def test_an_event_of_another_account_is_refused(account):
    other = {**event("image-push"), "account": "210987654321"}
    with pytest.raises(UnusableEvent, match="210987654321"):
        aws_lambda.handler(other, CONTEXT)


def test_every_subscribed_call_maps_to_a_recheck():
    for call in REPOSITORY_CALLS:
        assert recheck_for(cloudtrail(call)).repositories == ("team/api",)
    for call in REGISTRY_CALLS:
        assert recheck_for(cloudtrail(call, repository=None)).repositories is None

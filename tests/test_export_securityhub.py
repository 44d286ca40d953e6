"""`ecrscan export securityhub`: findings reach Security Hub (moto), in batches within the API's
limits, updated in place on re-import, refusals reported, throttling retried; and the export's
one write permission stays out of the scanning role."""

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from scanner.cli import main
from scanner.collect import iam_policy
from scanner.collect.calls import call
from scanner.collect.permissions import UndeclaredOperationError
from scanner.export.batches import MAX_FINDING_BYTES, MAX_FINDINGS, MAX_REQUEST_BYTES, batches
from scanner.export.securityhub import Pacer

ACCOUNT = "123456789012"  # moto's
OTHER = "210987654321"
REGION = "eu-west-1"


def _seed(session):
    ecr = session.client("ecr")
    ecr.create_repository(repositoryName="team/api", imageTagMutability="MUTABLE")
    ecr.create_repository(repositoryName="team/web", imageTagMutability="IMMUTABLE")


@pytest.fixture(scope="module")
def scanned(module_aws_env, tmp_path_factory):
    """One scan's results file, made once: the tests below import copies of it."""
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        _seed(boto3.Session(region_name=REGION))
        return _scan(tmp_path_factory.mktemp("scan")).read_text()


@pytest.fixture
def hub(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("securityhub").enable_security_hub()
        _seed(session)
        # The CLI's session is this one, so the hooks a test registers see its calls.
        monkeypatch.setattr("scanner.collect.open_session", lambda profile=None: session)
        yield session


@pytest.fixture
def results(scanned, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(scanned)
    return path


def _scan(tmp_path, name="results.json"):
    path = tmp_path / name
    code = main(["scan", "--region", REGION, "--quiet", "--format", "json", "--output", str(path)])
    assert code in (0, 1), code
    return path


def _all_findings(session):
    pages = session.client("securityhub").get_paginator("get_findings").paginate()
    return [f for page in pages for f in page["Findings"]]


def _count_requests(session):
    sent = []
    session.events.register(
        "before-call.securityhub.BatchImportFindings",
        lambda params, **_: sent.append(len(json.loads(params["body"])["Findings"])),
    )
    return sent


def test_export_imports_every_finding_and_updates_in_place(hub, tmp_path, capsys):
    results = _scan(tmp_path)
    document = json.loads(results.read_text())
    report = tmp_path / "report.json"
    assert main(["export", "securityhub", str(results), "--output", str(report)]) == 0
    findings = _all_findings(hub)
    assert len(findings) == len(document["results"])
    assert json.loads(report.read_text())["imported"] == len(findings)
    assert "imported" in capsys.readouterr().err

    def immutability():
        arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/api"
        [found] = [
            f for f in _all_findings(hub) if f["Id"] == f"ecrscan/ecr-tag-immutability/{arn}"
        ]
        return found

    assert immutability()["Compliance"]["Status"] == "FAILED"
    hub.client("ecr").put_image_tag_mutability(
        repositoryName="team/api", imageTagMutability="IMMUTABLE"
    )
    again = _scan(tmp_path, "again.json")
    assert main(["export", "securityhub", str(again)]) == 0
    assert len(_all_findings(hub)) == len(findings)  # updated, not duplicated
    assert immutability()["Compliance"]["Status"] == "PASSED"


def test_requests_hold_at_most_100_findings(hub, results):
    document = json.loads(results.read_text())
    cells = document["results"]
    document["results"] = [
        {**cell, "resource_id": f"{cell['resource_id']}-{copy}"}
        for copy in range(15)
        for cell in cells
    ]
    results.write_text(json.dumps(document))
    sent = _count_requests(hub)
    assert main(["export", "securityhub", str(results)]) == 0
    total = len(json.loads(results.read_text())["results"])
    assert sum(sent) == total and len(sent) == -(-total // 100)
    assert max(sent) == MAX_FINDINGS


def test_throttling_is_retried(hub, results):
    throttled = []

    def throttle_twice(request, **_):
        if request.url.endswith("/findings/import") and len(throttled) < 2:
            throttled.append(request.url)
            body = b'{"__type": "TooManyRequestsException", "message": "Rate exceeded"}'
            return AWSResponse(
                request.url, 429, {"x-amzn-ErrorType": "TooManyRequestsException"}, _Raw(body)
            )
        return None

    hub.events.register_first("before-send.securityhub", throttle_twice)
    assert main(["export", "securityhub", str(results), "--retry-mode", "standard"]) == 0
    assert len(throttled) == 2
    assert len(_all_findings(hub)) == len(json.loads(results.read_text())["results"])


class _Raw:
    """The raw body botocore reads from an HTTP response."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body

    def read(self, *_):
        body, self._body = self._body, b""
        return body


def test_refused_findings_are_listed_and_exit_3(hub, results, capsys):

    def refuse_first(params, **_):
        first = json.loads(params["body"])["Findings"][0]["Id"]
        body = {
            "FailedCount": 1,
            "SuccessCount": 0,
            "FailedFindings": [
                {"Id": first, "ErrorCode": "InvalidInput", "ErrorMessage": "bad\x1b[31mfield"}
            ],
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
        return AWSResponse("https://injected.invalid", 200, {}, None), body

    hub.events.register("before-call.securityhub.BatchImportFindings", refuse_first)
    report = results.with_name("report.json")
    assert main(["export", "securityhub", str(results), "--output", str(report)]) == 3
    err = capsys.readouterr().err
    assert "refused 1 finding" in err and "InvalidInput" in err
    assert "\x1b" not in err and "\\x1b" in err
    assert json.loads(report.read_text())["refused"][0]["ErrorCode"] == "InvalidInput"


def test_a_denied_import_refuses_its_findings(hub, results, capsys):

    def deny(params, **_):
        body = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
        return AWSResponse("https://injected.invalid", 403, {}, None), body

    hub.events.register("before-call.securityhub.BatchImportFindings", deny)
    assert main(["export", "securityhub", str(results)]) == 3
    assert "AccessDeniedException" in capsys.readouterr().err


def _retarget(results_path, account):
    document = json.loads(results_path.read_text())
    for result in document["results"]:
        result["account_id"] = account
        result["resource_id"] = result["resource_id"].replace(ACCOUNT, account)
    results_path.write_text(json.dumps(document))
    return document


def test_other_accounts_need_a_role(hub, results, capsys):
    _retarget(results, OTHER)
    assert main(["export", "securityhub", str(results)]) == 2
    assert "--role-name" in capsys.readouterr().err
    assert _all_findings(hub) == []


def test_a_finding_is_imported_by_its_own_account(hub, results):
    document = _retarget(results, OTHER)
    assert main(["export", "securityhub", str(results), "--role-name", "ecrscan-export"]) == 0
    assert _all_findings(hub) == []  # nothing landed in the caller's hub
    credentials = hub.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/ecrscan-export", RoleSessionName="check"
    )["Credentials"]
    member = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )
    imported = _all_findings(member)
    assert len(imported) == len(document["results"])
    assert {f["AwsAccountId"] for f in imported} == {OTHER}


def test_region_option_imports_into_one_hub(hub, results):
    hub.client("securityhub", region_name="us-east-1").enable_security_hub()
    assert main(["export", "securityhub", str(results), "--region", "us-east-1"]) == 0
    assert _all_findings(hub) == []
    imported = _all_findings(boto3.Session(region_name="us-east-1"))
    assert imported and all(":securityhub:us-east-1:" in f["ProductArn"] for f in imported)
    assert {f["Resources"][0]["Region"] for f in imported} == {REGION}


def test_batches_respect_the_byte_limits():
    small = {"Id": "a", "Description": "x" * 1000}
    huge = {"Id": "too-big", "Description": "x" * (MAX_FINDING_BYTES + 1)}
    big = {"Id": "big", "Description": "x" * (200 * 1024)}
    cut = batches([small, huge, *[big] * 70])
    assert [r.id for r in cut.refused] == ["too-big"]
    sizes = [len(json.dumps({"Findings": request}).encode()) for request in cut.requests]
    assert max(sizes) <= MAX_REQUEST_BYTES
    assert sum(len(r) for r in cut.requests) == 71 and len(cut.requests) == 3


def test_pacer_keeps_ten_requests_a_second():
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait(("1", "r"))
    pacer.wait(("2", "r"))  # another account's hub is not held back
    assert slept == pytest.approx([0.1] * 4)


def test_the_scanning_role_never_gets_the_export_action(capsys):
    assert "securityhub:BatchImportFindings" not in json.dumps(iam_policy())
    assert main(["iam-policy", "--export"]) == 0
    policy = json.loads(capsys.readouterr().out)
    [statement] = policy["Statement"]
    assert statement["Action"] == ["securityhub:BatchImportFindings"]
    assert main(["iam-policy", "--export", "--role-name", "ecrscan-export"]) == 0
    policy = json.loads(capsys.readouterr().out)
    assert policy["Statement"][1]["Resource"] == "arn:aws:iam::*:role/ecrscan-export"


def test_the_collector_refuses_the_export_operation(aws_env):
    securityhub = boto3.Session(region_name=REGION).client("securityhub")
    with pytest.raises(UndeclaredOperationError):
        call(securityhub, "BatchImportFindings", Findings=[])

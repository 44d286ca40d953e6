"""`ecrscan doctor` end to end, through the real CLI, against the demo estate in moto."""

import base64
import json
import os
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from scanner.cli import main
from scanner.cli.docker_login import token_step
from scanner.collect.permissions import DOCTOR_OPERATIONS, READ_ONLY_PREFIXES
from scanner.demo.estate import ACCOUNT, seed

EU = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
US = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture(scope="module")
def estate(module_aws_env):
    with mock_aws():
        seed(boto3.Session(region_name="eu-west-1"))
        yield


@pytest.fixture
def doctor(estate, capsys):
    def run(*argv):
        code = main(["doctor", *argv])
        out = capsys.readouterr()
        lines = out.out.splitlines()
        steps = {line[7:].split("  ")[0].strip(): line for line in lines[1:-1]}
        return code, lines, steps, out.err

    return run


def test_a_service_that_pulls(doctor):
    code, lines, steps, _ = doctor(f"{EU}/payments/api:1.2.0", "--service", "prod/payments-api")
    assert code == 0
    assert lines[0].startswith(
        f"ecrscan doctor: would {EU}/payments/api:1.2.0 pull (service prod/payments-api)"
    )
    assert [line.split()[0] for line in lines[1:-1]] == ["PASS"] * 5
    assert (
        "AmazonECSTaskExecutionRolePolicy Statement[0]"
        in steps["identity allowed (ecsTaskExecutionRole)"]
    )
    assert "ECR endpoints ecr.api and ecr.dkr and the S3 gateway" in steps["network path"]
    assert lines[-1] == "the pull would work"


def test_a_tag_nobody_pushed(doctor):
    code, _, steps, _ = doctor(f"{EU}/payments/api:2.0.0", "--service", "prod/checkout")
    assert code == 1
    assert steps["tag exists"].startswith("FAIL")
    assert "tag 2.0.0 is not in payments/api" in steps["tag exists"]


def test_an_execution_role_without_ecr_permissions(doctor):
    code, _, steps, _ = doctor(f"{EU}/payments/api:1.1.0", "--service", "prod/reports")
    assert code == 1
    line = steps["identity allowed (reports-execution)"]
    assert (
        line.startswith("FAIL")
        and "(inline policy logs) allows ecr:GetAuthorizationToken on *" in line
    )


def test_a_subnet_without_a_way_out_names_what_is_missing(doctor):
    code, _, steps, _ = doctor(f"{US}/platform/ingress:1.1.0", "--service", "edge/ingress")
    assert code == 1
    assert steps["network path"].startswith("FAIL")
    assert "no ecr.dkr interface endpoint with private DNS" in steps["network path"]
    assert "no default route (0.0.0.0/0)" in steps["network path"]


def test_an_ec2_service_pulls_with_its_instance_role(doctor):
    code, _, steps, _ = doctor(f"{EU}/shared/base-images:1.1.0", "--service", "ops/agent")
    assert code == 0
    assert "trusted by ec2.amazonaws.com" in steps["identity allowed (ecsInstanceRole)"]
    assert "instance i-" in steps["network path"]


def test_a_function_whose_repository_ignores_lambda(doctor):
    code, _, steps, _ = doctor(f"{EU}/shared/base-images:1.1.0", "--function", "invoice-pdf")
    assert code == 1
    assert steps["identity allowed (the Lambda service)"].startswith("N/A")
    assert (
        "does not grant ecr:BatchGetImage to lambda.amazonaws.com"
        in steps["repository policy (the Lambda service)"]
    )
    assert steps["network path"].startswith("N/A")


def test_a_role_and_a_missing_repository(doctor):
    code, _, steps, _ = doctor(
        f"{EU}/payments/gone:1", "--role", f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
    )
    assert code == 1
    assert steps["repository exists"].startswith("FAIL")
    assert steps["tag exists"].startswith("SKIP")
    assert steps["network path"].startswith("SKIP")


def test_push_without_put_image_and_onto_an_immutable_tag(doctor, tmp_path):
    code, lines, steps, _ = doctor(
        f"{US}/platform/ingress:1.1.0",
        "--role",
        f"arn:aws:iam::{ACCOUNT}:role/ci-platform",
        "--push",
        "--docker-config",
        str(tmp_path),
    )
    assert code == 1
    assert "ImageTagAlreadyExistsException" in steps["tag can be pushed"]
    assert "allows ecr:PutImage" in steps["identity allowed (ci-platform)"]
    assert steps["login token (12 hours)"].startswith("SKIP")
    assert lines[-1] == "the push would fail"


def test_a_push_that_works(doctor, tmp_path):
    _docker_config(tmp_path, _ecr_auth(datetime.now(UTC) + timedelta(hours=11)), EU)
    code, _, steps, _ = doctor(
        f"{EU}/payments/api:9.9.9",
        "--role",
        f"arn:aws:iam::{ACCOUNT}:role/ci-payments",
        "--push",
        "--docker-config",
        str(tmp_path),
    )
    assert code == 0, steps
    assert "tag 9.9.9 is new" in steps["tag can be pushed"]
    assert steps["login token (12 hours)"].startswith("PASS")


def test_credentials_that_are_not_a_role_cannot_tell(doctor):
    code, lines, steps, _ = doctor(f"{EU}/payments/api:1.1.0")
    assert code == 3
    assert "not a role: name one with --role ARN" in steps["identity allowed"]
    assert lines[-1].startswith("cannot tell whether the pull would work")


def test_a_role_of_another_account_cannot_be_read(doctor):
    code, _, steps, _ = doctor(
        f"{EU}/payments/api:1.1.0", "--role", "arn:aws:iam::999988887777:role/ci"
    )
    assert code == 3
    assert "whose IAM these credentials cannot read" in steps["identity allowed (ci)"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nginx:latest"], "not an image in a private ECR registry"),
        ([f"{EU}/app:1", "--service", "prod"], "--service takes CLUSTER/SERVICE"),
        ([f"{EU}/app:1", "--service", "prod/api", "--push"], "--push judges a role"),
        ([f"{EU}/app:1", "--role", "ci"], "--role takes a role ARN"),
        ([f"{EU}/payments/api:1", "--service", "prod/nope"], "no service 'nope' in cluster 'prod'"),
        ([f"{EU}/payments/api:1", "--service", "nope/api"], "no cluster 'nope' in eu-west-1"),
        ([f"{EU}/app:1\x1b[2J"], "\\x1b[2J"),
    ],
)
def test_usage_errors(doctor, argv, message):
    code, lines, _, err = doctor(*argv)
    assert code == 2 and not lines
    assert message in err
    assert "\x1b" not in err


def test_hostile_names_reach_the_terminal_inert(doctor):
    code, *_ = doctor(f"{EU}/payments/api:1.1.0", "--role", f"arn:aws:iam::{ACCOUNT}:role/x\x1b")
    assert code == 2  # not a role name IAM accepts
    code, _, _, err = doctor(f"{EU}/payments/api:1.1.0", "--function", "f\x1b]0;owned\x07")
    assert code == 2 and "\x1b" not in err and "\x07" not in err
    code, _, _, err = doctor(f"{EU}/payments/api:1.1.0", "--function", "missing-function")
    assert code == 2 and "no function 'missing-function' in eu-west-1" in err


def test_doctor_operations_exist_and_only_read():
    import botocore.session

    iam = botocore.session.get_session().get_service_model("iam")
    for (service, operation), action in DOCTOR_OPERATIONS.items():
        assert service == "iam" and operation in iam.operation_names
        assert operation.startswith(READ_ONLY_PREFIXES) and action == f"iam:{operation}"


def test_iam_policy_for_doctor(capsys):
    assert main(["iam-policy", "--doctor"]) == 0
    actions = json.loads(capsys.readouterr().out)["Statement"][0]["Action"]
    assert "iam:GetRole" in actions and "ecr:DescribeRepositories" in actions
    assert main(["iam-policy"]) == 0
    assert "iam:GetRole" not in json.loads(capsys.readouterr().out)["Statement"][0]["Action"]


# ---------------------------------------------------------------------------------------------
# The login token, read from docker's config


def _ecr_auth(expires: datetime) -> str:
    password = base64.b64encode(
        json.dumps({"payload": "x", "expiration": int(expires.timestamp())}).encode()
    ).decode()
    return base64.b64encode(f"AWS:{password}".encode()).decode()


def _docker_config(directory, auth: str | None, host: str, **extra) -> None:
    auths = {host: {"auth": auth} if auth else {}}
    (directory / "config.json").write_text(json.dumps({"auths": auths, **extra}))


NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("config", "status", "fragment"),
    [
        ({"auth": _ecr_auth(NOW + timedelta(hours=3))}, "PASS", "3.0 hours left"),
        (
            {"auth": _ecr_auth(NOW - timedelta(minutes=5))},
            "FAIL",
            "expired at 2026-11-28 11:55 UTC",
        ),
        ({"auth": base64.b64encode(b"user:secret").decode()}, "SKIP", "not an ECR token"),
        ({"auth": "%%%not base64"}, "SKIP", "not an ECR token"),
        ({"auth": None}, "FAIL", "not logged in"),
        ({"auth": None, "credsStore": "osxkeychain"}, "SKIP", "credential store 'osxkeychain'"),
        ({"helper": "ecr-login"}, "PASS", "amazon-ecr-credential-helper"),
    ],
)
def test_token_step(tmp_path, config, status, fragment):
    host = EU
    if "helper" in config:
        (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {host: config["helper"]}}))
    else:
        extra = {"credsStore": config["credsStore"]} if "credsStore" in config else {}
        _docker_config(tmp_path, config["auth"], host, **extra)
    step = token_step(tmp_path, host, "eu-west-1", NOW)
    assert (step.status, fragment in step.evidence) == (status, True), step


def test_token_step_never_reads_a_fifo_or_garbage(tmp_path):
    os.mkfifo(tmp_path / "config.json")
    assert token_step(tmp_path, EU, "eu-west-1", NOW).status == "SKIP"
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text("[1, 2")
    assert token_step(other, EU, "eu-west-1", NOW).status == "SKIP"
    (other / "config.json").write_text(json.dumps({"auths": ["not", "a", "mapping"]}))
    assert token_step(other, EU, "eu-west-1", NOW).status == "FAIL"

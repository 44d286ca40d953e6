"""`ecrscan collect` as a user meets it: bad options refused up front, incomplete runs said.

Malformed regions and endpoint URLs are exit 2 with one line before any AWS call; missing
credentials are exit 2 with the fix; a region, account or organisation left unseen is a
top-level error in the snapshot, exit 3 and one warning line naming the call; with no region
configured, collect says which region it scanned.
"""

import json

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scanner.cli import main
from scanner.collect.regions import REGION_NAME, check_region_names, is_region_name
from scanner.collect.session import check_endpoint_url
from scanner.errors import InputError
from scanner.snapshot import validate
from tests import results_factory
from tests.test_collect_errors import inject_error
from tests.test_multi_account import MANAGEMENT, ROLE, caller_session, org  # noqa: F401

# Settings for properties that run the CLI with function-scoped fixtures; each example is
# independent of the fixture's state (nothing is written, no session is opened).
CLI_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def no_aws_call(monkeypatch):
    """Fails the test if the command gets as far as opening an AWS session."""

    def refuse(profile):
        raise AssertionError("an AWS session was opened before the options were checked")

    monkeypatch.setattr("scanner.collect.open_session", refuse)


def _one_error_line(capsys, expected: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ecrscan: error: "), lines
    assert expected in lines[0], lines
    assert captured.out == ""
    return lines[0]


def _not_a_region(text: str) -> bool:
    return text.lower() != "all" and not is_region_name(text)


@CLI_PROPERTY
@given(st.text(max_size=40).filter(_not_a_region))
@example("eu_west_1")
@example("EU-WEST-1")
@example("eu-west-1 ")
@example("eu-west-1\n::add-mask::x")
@example("")
def test_a_malformed_region_is_refused_before_any_call(no_aws_call, capsys, region):
    assert main(["collect", f"--region={region}"]) == 2
    line = _one_error_line(capsys, "is not an AWS region name such as eu-west-1")
    assert "\x1b" not in line


@given(st.from_regex(REGION_NAME, fullmatch=True))
def test_every_region_name_shape_is_accepted(region):
    check_region_names([region])


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-northwest-1", "us-isob-east-1"]
)
def test_real_region_names(region):
    assert is_region_name(region)


def _not_http(text: str) -> bool:
    return not text.lower().startswith(("http://", "https://"))


@CLI_PROPERTY
@given(st.text(max_size=60).filter(_not_http))
@example("not a url")
@example("http://")
@example("http://exa mple.com")
@example("http://127.0.0.1:99999")
@example("http://localhost:port")
@example("ftp://127.0.0.1")
@example("http://host\n::add-mask::x")
def test_a_malformed_endpoint_url_is_refused_before_any_call(no_aws_call, capsys, url):
    argv = ["collect", "--region", "eu-west-1", f"--endpoint-url={url}"]
    assert main(argv) == 2
    line = _one_error_line(capsys, "is not an http(s) URL with a host name")
    assert "\x1b" not in line


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5000", "https://ecr.eu-west-1.amazonaws.com", "http://[::1]:4566/"],
)
def test_usable_endpoint_urls(url):
    check_endpoint_url(url)


def test_a_malformed_configured_region_is_refused(aws_env, monkeypatch, capsys):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu_west_1")
    assert main(["collect"]) == 2
    _one_error_line(capsys, "the configured region 'eu_west_1' is not an AWS region name")


def test_with_no_region_configured_collect_says_which_it_scanned(
    moto_session, monkeypatch, capsys, tmp_path
):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert main(["collect", "--output", str(tmp_path / "s.json")]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "ecrscan: no region given (--region) or configured (AWS_REGION, AWS_DEFAULT_REGION, "
        "the profile's region): scanning us-east-1"
    ]
    assert json.loads((tmp_path / "s.json").read_text())["regions"] == ["us-east-1"]


@pytest.mark.parametrize(
    "argv",
    [
        ["collect", "--region", "eu-west-1"],
        ["doctor", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:1"],
        ["export", "securityhub", "RESULTS", "--region", "eu-west-1"],
    ],
    ids=["collect", "doctor", "export"],
)
def test_missing_credentials_are_exit_2_with_the_fix(aws_env, monkeypatch, capsys, tmp_path, argv):
    """Every command that calls AWS asks who the caller is first, the same way."""
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"metadata": results_factory.metadata([]), "results": []}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to look for
    assert main([str(results) if a == "RESULTS" else a for a in argv]) == 2
    line = _one_error_line(capsys, "No usable AWS credentials found")
    assert "--profile NAME" in line and "AWS_ACCESS_KEY_ID" in line


@pytest.fixture
def refused_regions(moto_session, monkeypatch):
    inject_error(moto_session, "ec2", "DescribeRegions", code="UnauthorizedOperation")
    monkeypatch.setattr("scanner.collect.open_session", lambda profile: moto_session)


def test_regions_not_listable_is_exit_3_and_one_warning_line(refused_regions, capsys, tmp_path):
    output = tmp_path / "snapshot.json"
    assert main(["collect", "--region", "all", "--output", str(output)]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "ecrscan: warning: collection incomplete: DescribeRegions failed with "
        "UnauthorizedOperation (account 123456789012, region us-east-1): allow "
        "ec2:DescribeRegions, or name the regions with --region; 10 collection error(s) "
        "recorded in the snapshot"
    ]
    snapshot = json.loads(output.read_text())
    validate(snapshot)
    assert snapshot["errors"][0]["operation"] == "DescribeRegions"


def test_an_unlistable_organisation_is_exit_3_and_one_warning_line(
    org,  # noqa: F811
    monkeypatch,
    capsys,
    tmp_path,
):
    session = caller_session(org)
    inject_error(session, "organizations", "ListAccounts", code="AccessDeniedException")
    monkeypatch.setattr("scanner.collect.open_session", lambda profile: session)
    output = tmp_path / "snapshot.json"
    argv = ["collect", "--org", "--role-name", ROLE, "--region", "us-east-1"]
    assert main([*argv, "--output", str(output)]) == 3
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        "ecrscan: warning: collection incomplete: ListAccounts failed with "
        f"AccessDeniedException (account {MANAGEMENT}, region us-east-1): --org needs the "
        "management account"
    )
    assert json.loads(output.read_text())["accounts"] == []


def test_hostile_region_names_from_the_endpoint_are_a_failed_listing(moto_session):
    from scanner.collect import collect_snapshot

    def hostile(**_):
        from botocore.awsrequest import AWSResponse

        body = {"Regions": [{"RegionName": "eu-west-1"}, {"RegionName": "\x1b[2J../x"}]}
        return AWSResponse("https://injected.invalid", 200, {}, None), body

    moto_session.events.register("before-call.ec2.DescribeRegions", hostile)
    snapshot = collect_snapshot(moto_session, ["all"])
    validate(snapshot)
    (error,) = snapshot["errors"]
    assert (error["operation"], error["code"]) == ("DescribeRegions", "InvalidRegionName")
    assert "\x1b" not in error["message"]


def test_the_library_refuses_a_malformed_endpoint_too():
    from scanner.collect.session import ClientFactory

    with pytest.raises(InputError, match="not an http"):
        ClientFactory(boto3.Session(region_name="eu-west-1"), endpoint_url="not a url")


_ANY_TEXT = st.text(max_size=300)


@given(operation=_ANY_TEXT, code=_ANY_TEXT, message=_ANY_TEXT, region=_ANY_TEXT)
def test_the_warning_line_is_one_inert_line_whatever_the_error_says(
    operation, code, message, region
):
    """Records in a snapshot are text from an endpoint (or an edited file): the warning that
    names them stays one line, with no control character and no workflow command."""
    from scanner.cli.collect_cmd import incomplete_warning

    error = {"operation": operation, "code": code, "message": message, "region": region}
    line = incomplete_warning({"errors": [error], "inventory": []})
    assert line.startswith("ecrscan: warning: collection incomplete: ")
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in line)

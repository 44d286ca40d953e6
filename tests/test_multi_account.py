"""Multi-account scans against an emulated organisation (moto, in-process).

The organisation has a management account (moto's default caller, 123456789012) and three
members. In moto, sts:AssumeRole always succeeds and the assumed-role credentials make moto
answer as the member account, so each member holds its own repositories. One member's role
"cannot be assumed": a botocore hook keyed on the RoleArn answers AccessDenied, as AWS does when
the trust policy does not let the scanner in.
"""

import json

import boto3
import pytest
from moto import mock_aws

from scanner.cli import main
from scanner.collect import collect_snapshot, collector
from scanner.collect.accounts import AccountPlan
from scanner.collect.permissions import ACCOUNT_ACCESS_OPERATIONS, is_declared
from scanner.collect.progress import Progress
from scanner.snapshot import validate
from tests.test_collect_errors import inject_error, request_params

ROLE = "ecrscan-audit"
REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT = "123456789012"
# Repositories each reachable account holds, per region (the locked account's are never seen).
ESTATE = {
    "payments": {"us-east-1": ["payments/api"], "eu-west-1": ["payments/worker"]},
    "data": {"us-east-1": ["data/etl"], "eu-west-1": []},
    "locked": {"us-east-1": ["locked/secret"], "eu-west-1": []},
}


class FakeTerminal:
    """A stderr stand-in that says it is a terminal, and keeps what was drawn."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def member_session(account_id: str) -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1")
    arn = f"arn:aws:iam::{account_id}:role/{ROLE}"
    credentials = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture(scope="module")
def org(module_aws_env):
    """{name: account id} of an organisation whose members hold ESTATE."""
    with mock_aws():
        organizations = boto3.client("organizations", region_name="us-east-1")
        organizations.create_organization(FeatureSet="ALL")
        accounts = {"management": MANAGEMENT}
        for name, regions in ESTATE.items():
            status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
            accounts[name] = status["CreateAccountStatus"]["AccountId"]
            session = member_session(accounts[name])
            for region, repositories in regions.items():
                for repository in repositories:
                    session.client("ecr", region_name=region).create_repository(
                        repositoryName=repository, imageTagMutability="IMMUTABLE"
                    )
        boto3.client("ecr", region_name="us-east-1").create_repository(repositoryName="mgmt/tool")
        yield accounts


def caller_session(org, assumed: list | None = None) -> boto3.Session:
    """The scanner's session: AssumeRole into the locked account is denied."""
    session = boto3.Session(region_name="us-east-1")
    if assumed is not None:  # first: the denial below answers before later hooks run
        session.events.register(
            "before-call.sts.AssumeRole",
            lambda params, **_: assumed.append(request_params(params)),
        )
    locked_role = f"arn:aws:iam::{org['locked']}:role/{ROLE}"
    inject_error(
        session, "sts", "AssumeRole", code="AccessDenied", only_for={"RoleArn": locked_role}
    )
    return session


def entries_of(snapshot, account_id):
    return [entry for entry in snapshot["inventory"] if entry["account_id"] == account_id]


def repository_names(entry):
    return sorted(r["repository"]["repositoryName"] for r in entry["repositories"])


@pytest.fixture(scope="module")
def org_snapshot(org):
    """One --org collection of the whole organisation, with a progress line on a terminal."""
    assumed, terminal, seen = [], FakeTerminal(), set()
    session = caller_session(org, assumed)
    session.events.register(
        "before-call",
        lambda model, **_: seen.add((model.service_model.service_name, model.name)),
    )
    plan = AccountPlan(ROLE, external_id="audit-2026", organization=True)
    snapshot = collect_snapshot(
        session, list(REGIONS), accounts=plan, progress=Progress(terminal), max_workers=2
    )
    return snapshot, assumed, terminal.text, seen


def test_org_scan_covers_every_active_account_with_their_own_repositories(org, org_snapshot):
    snapshot, _, _, _ = org_snapshot
    validate(snapshot)
    assert snapshot["account_id"] == MANAGEMENT  # the caller, not the members
    assert snapshot["accounts"] == sorted(org.values())
    assert snapshot["regions"] == list(REGIONS)
    for name in ("payments", "data"):
        entries = entries_of(snapshot, org[name])
        assert [entry["region"] for entry in entries] == list(REGIONS)
        for entry in entries:
            assert repository_names(entry) == sorted(ESTATE[name][entry["region"]])
            for record in entry["repositories"]:
                assert f":{org[name]}:repository/" in record["repository"]["repositoryArn"]
    east = entries_of(snapshot, MANAGEMENT)[0]
    assert repository_names(east) == ["mgmt/tool"]


def test_roles_are_assumed_in_members_only_with_the_external_id(org, org_snapshot):
    _, assumed, _, _ = org_snapshot
    arns = sorted(call["RoleArn"] for call in assumed)
    members = sorted(org[name] for name in ESTATE)
    assert arns == [f"arn:aws:iam::{account}:role/{ROLE}" for account in members]
    assert {(c["RoleSessionName"], c["ExternalId"]) for c in assumed} == {("ecrscan", "audit-2026")}


def test_an_account_whose_role_cannot_be_assumed_is_recorded_in_every_region(org, org_snapshot):
    snapshot, _, _, _ = org_snapshot
    entries = entries_of(snapshot, org["locked"])
    assert [entry["region"] for entry in entries] == list(REGIONS)
    for entry in entries:
        assert entry["repositories"] is None and entry["network"]["vpcs"] is None
        assert entry["registry"]["scanningConfiguration"] is None
        for errors in (entry["errors"], entry["network"]["errors"], entry["registry"]["errors"]):
            assert errors and all(
                (e["operation"], e["code"]) == ("AssumeRole", "AccessDenied")
                for e in errors.values()
            )


def test_every_call_of_a_multi_account_scan_is_declared(org_snapshot):
    _, _, _, seen = org_snapshot
    assert set(ACCOUNT_ACCESS_OPERATIONS) <= seen
    assert all(is_declared(*operation) for operation in seen)


def test_progress_ends_with_every_account_region_and_repository_counted(org_snapshot):
    snapshot, _, drawn, _ = org_snapshot
    repositories = sum(len(e["repositories"] or ()) for e in snapshot["inventory"])
    assert repositories == 4
    final = drawn.rsplit("\r", 1)[-1]
    assert final.startswith("ecrscan: accounts 4/4, regions 8/8, repositories 4/4, ")
    assert final.rstrip(" \n").endswith(" errors")
    assert "\x1b" not in drawn


def test_all_regions_are_resolved_per_account(org, monkeypatch):
    """Each account is asked for its own enabled regions, with its own credentials."""
    enabled = {org["payments"]: ["eu-west-1", "us-east-1"], MANAGEMENT: ["us-east-1"]}

    def regions_of_the_account_asking(ec2):
        frozen = ec2._request_signer._credentials.get_frozen_credentials()
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        return enabled[sts.get_caller_identity()["Account"]]

    monkeypatch.setattr(collector, "enabled_regions", regions_of_the_account_asking)
    plan = AccountPlan(ROLE, account_ids=(MANAGEMENT, org["payments"], org["locked"]))
    snapshot = collect_snapshot(caller_session(org), ["all"], accounts=plan, max_workers=2)
    validate(snapshot)
    regions = {(e["account_id"], e["region"]) for e in snapshot["inventory"]}
    assert regions == {
        (MANAGEMENT, "us-east-1"),
        (org["payments"], "eu-west-1"),
        (org["payments"], "us-east-1"),
        (org["locked"], "*"),  # its enabled regions could not be asked
    }
    assert snapshot["regions"] == ["eu-west-1", "us-east-1"]


def test_an_organisation_that_cannot_be_listed_is_a_top_level_error(org):
    """No account is scanned: the accounts that happen to be known are not the organisation."""
    session = caller_session(org)
    inject_error(session, "organizations", "ListAccounts", code="AccessDeniedException")
    plan = AccountPlan(ROLE, organization=True)
    snapshot = collect_snapshot(session, ["us-east-1"], accounts=plan)
    validate(snapshot)
    assert (snapshot["accounts"], snapshot["inventory"]) == ([], [])
    assert snapshot["errors"] == [
        {
            "operation": "ListAccounts",
            "code": "AccessDeniedException",
            "message": "injected AccessDeniedException",
            "account_id": MANAGEMENT,
            "region": "us-east-1",
        }
    ]


def test_a_role_that_cannot_be_assumed_is_a_top_level_error(org, org_snapshot):
    snapshot, _, _, _ = org_snapshot
    assert [(e["operation"], e["code"], e.get("account_id")) for e in snapshot["errors"]] == [
        ("AssumeRole", "AccessDenied", org["locked"])
    ]


@pytest.fixture
def cli_session(org, monkeypatch):
    """`ecrscan` opens its own session; hand it the one with the AccessDenied hook."""
    assumed = []
    monkeypatch.setattr(
        "scanner.collect.open_session", lambda profile: caller_session(org, assumed)
    )
    return assumed


def test_scan_org_end_to_end_gives_per_account_rows_and_error_rows(
    org, cli_session, tmp_path, capsys
):
    results_file = tmp_path / "results.json"
    argv = ["scan", "--org", "--role-name", ROLE, "--region", "us-east-1", "--region", "eu-west-1"]
    code = main([*argv, "--format", "json", "--output", str(results_file)])
    assert code == 3  # the locked account's cells are undecided
    results = json.loads(results_file.read_text())["results"]
    status = {
        (r["account_id"], r["region"], r["resource_name"], r["control_id"]): r["status"]
        for r in results
    }
    assert status[(org["payments"], "us-east-1", "payments/api", "ecr-tag-immutability")] == "PASS"
    assert status[(org["data"], "us-east-1", "data/etl", "ecr-lifecycle-policy")] == "FAIL"
    assert status[(MANAGEMENT, "us-east-1", "mgmt/tool", "ecr-tag-immutability")] == "FAIL"
    locked = [r for r in results if r["account_id"] == org["locked"]]
    assert {(r["resource_type"], r["region"]) for r in locked} == {
        (kind, region)
        for kind in ("repository", "registry", "vpc", "ecs-service", "lambda-function")
        for region in REGIONS
    }
    assert {r["status"] for r in locked} == {"ERROR"}
    assert all("AssumeRole" in r["reason"] and "AccessDenied" in r["reason"] for r in locked)
    assert "locked/secret" not in results_file.read_text()
    assert "\r" not in capsys.readouterr().err  # stderr is no terminal here: no progress line


def test_collect_with_an_accounts_file(org, cli_session, tmp_path):
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# audited this quarter\n{org['data']}  # data team\n\n{MANAGEMENT}\n")
    snapshot_file = tmp_path / "snapshot.json"
    argv = ["collect", "--accounts-file", str(listing), "--role-name", ROLE, "--quiet"]
    assert main([*argv, "--region", "us-east-1", "--output", str(snapshot_file)]) == 0
    snapshot = json.loads(snapshot_file.read_text())
    assert snapshot["accounts"] == [org["data"], MANAGEMENT]
    assert {e["account_id"] for e in snapshot["inventory"]} == {org["data"], MANAGEMENT}
    assert [call["RoleArn"] for call in cli_session] == [f"arn:aws:iam::{org['data']}:role/{ROLE}"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--org"], "need --role-name"),
        (["--accounts", "111122223333,12345", "--role-name", ROLE], "'12345' is not a 12-digit"),
        (["--role-name", ROLE], "need --org, --accounts or --accounts-file"),
        (["--accounts", "111122223333", "--role-name", ROLE, "--external-id", "x"], "2 to 1224"),
        (["--accounts-file", "FILE", "--role-name", ROLE], "line 2: 'not-an-id'"),
        (["--accounts-file", "MISSING", "--role-name", ROLE], "cannot read the accounts file"),
    ],
)
def test_bad_account_options_are_refused_before_any_call(tmp_path, capsys, argv, message):
    listing = tmp_path / "accounts.txt"
    listing.write_text("111122223333\nnot-an-id\n")
    argv = [
        str(listing) if a == "FILE" else str(tmp_path / "x") if a == "MISSING" else a for a in argv
    ]
    assert main(["collect", "--region", "us-east-1", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("ecrscan: error:")


def test_iam_policy_for_the_central_role(capsys):
    assert main(["iam-policy", "--role-name", ROLE]) == 0
    statements = json.loads(capsys.readouterr().out)["Statement"]
    grants = {(s["Action"][0], s["Resource"]) for s in statements if len(s["Action"]) == 1}
    assert ("organizations:ListAccounts", "*") in grants
    assert ("sts:AssumeRole", f"arn:aws:iam::*:role/{ROLE}") in grants
    assert main(["iam-policy"]) == 0
    member_policy = capsys.readouterr().out
    assert "sts:AssumeRole" not in member_policy and "organizations:" not in member_policy

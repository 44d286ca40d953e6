"""deploy/*.yaml: cfn-lint passes, the roles hold exactly the declared permissions, the event
rules subscribe to exactly the events the handler knows, and the organisation state machine's
definition names only states it has; its steps run against moto as the definition chains them."""

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from scanner.collect import iam_policy
from scanner.collect.permissions import (
    ACCOUNT_ACCESS_OPERATIONS,
    EXPORT_OPERATIONS,
    RESULTS_STORE_OPERATIONS,
)
from scanner.continuous import events
from scanner.continuous.organization import run_step
from scanner.continuous.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "deploy").glob("*.yaml"))
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
REGION = "eu-west-1"
BUCKET = "org-results"


def _template(name: str):
    return cfn_yaml.load(str(ROOT / "deploy" / name))


def _statements(role) -> dict[str, dict]:
    found = {}
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            found[statement.get("Sid", policy["PolicyName"])] = statement
    return found


def _actions(statement) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_cfn_lint_passes_on_every_template():
    assert len(TEMPLATES) == 2
    linted = subprocess.run(
        [str(CFN_LINT), *map(str, TEMPLATES)], capture_output=True, text=True, timeout=300
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_function_role_is_the_scan_policy_plus_the_export_action():
    statements = _statements(_template("continuous.yaml")["Resources"]["FunctionRole"])
    read_only = set(iam_policy()["Statement"][0]["Action"])
    assert _actions(statements["EcrscanReadOnly"]) == read_only
    assert _actions(statements["EcrscanImportFindings"]) == set(EXPORT_OPERATIONS.values())
    store = _actions(statements["EcrscanResultsObjects"]) | _actions(
        statements["EcrscanResultsListing"]
    )
    assert store == set(RESULTS_STORE_OPERATIONS.values())
    every = set().union(*(_actions(s) for s in statements.values()))
    assert every - read_only - store == {
        "securityhub:BatchImportFindings",
        "sqs:SendMessage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_the_organization_role_is_the_central_scanner_policy():
    statements = _statements(_template("organization.yaml")["Resources"]["StepRole"])
    assert _actions(statements["EcrscanReadOnly"]) == set(iam_policy()["Statement"][0]["Action"])
    assert _actions(statements["EcrscanListAccounts"]) | _actions(
        statements["EcrscanAssumeAuditRole"]
    ) == set(ACCOUNT_ACCESS_OPERATIONS.values())


def test_the_rules_subscribe_to_exactly_the_events_the_handler_reads():
    resources = _template("continuous.yaml")["Resources"]
    ecr = resources["EcrEventsRule"]["Properties"]["EventPattern"]
    assert set(ecr["detail-type"]) == {
        events.IMAGE_ACTION,
        events.IMAGE_SCAN,
        events.SCAN_RESOURCE_CHANGE,
    }
    calls = resources["EcrApiCallsRule"]["Properties"]["EventPattern"]
    assert calls["detail-type"] == [events.CLOUDTRAIL]
    assert set(calls["detail"]["eventName"]) == set(events.REPOSITORY_CALLS + events.REGISTRY_CALLS)
    function = resources["Function"]["Properties"]
    assert function["Handler"] == "scanner.aws_lambda.handler"
    assert function["Runtime"] == "python3.12"
    assert "DeadLetterConfig" in function


def _check_states(scope: dict, path: str) -> set[str]:
    """Every name a scope's states point at exists in that scope; every state is reachable."""
    states = scope["States"]
    assert scope["StartAt"] in states, f"{path}: StartAt {scope['StartAt']}"
    reached = {scope["StartAt"]}
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        targets += [catch.get("Next") for catch in state.get("Catch", [])]
        for target in filter(None, targets):
            assert target in states, f"{path}/{name} names {target}, which does not exist"
            reached.add(target)
        ends = state.get("End") or state["Type"] in ("Succeed", "Fail", "Choice")
        assert ends or state.get("Next"), f"{path}/{name} neither ends nor goes on"
        if "ItemProcessor" in state:
            _check_states(state["ItemProcessor"], f"{path}/{name}")
    assert reached == set(states), f"{path}: unreachable {set(states) - reached}"
    return reached


def test_the_state_machine_names_only_states_it_has():
    machine = _template("organization.yaml")["Resources"]["StateMachine"]["Properties"]
    definition = machine["Definition"]
    assert _check_states(definition, "") == {
        "ListAccounts",
        "ScanAccounts",
        "Merge",
        "EveryAccountScanned",
        "AccountsMissing",
        "Done",
    }
    scan = definition["States"]["ScanAccounts"]
    assert scan["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    substituted = json.dumps(definition)
    for name in machine["DefinitionSubstitutions"]:
        assert "${" + name + "}" in substituted
    steps = {
        state["Parameters"]["Payload"]["step"]
        for state in definition["States"].values()
        if isinstance(state.get("Parameters", {}).get("Payload"), dict)
    }
    assert steps | {scan["ItemSelector"]["step"]} == {"accounts", "scan-account", "merge"}


# ---------------------------------------------------------------- the steps, against moto

MEMBER = "210987654321"


@pytest.fixture
def organisation(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        organizations = session.client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        member = organizations.create_account(Email="m@example.com", AccountName="member")
        member_id = member["CreateAccountStatus"]["AccountId"]
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        session.client("ecr").create_repository(repositoryName="central/app")
        yield session, member_id


def _settings(**extra) -> Settings:
    environment = {
        "ECRSCAN_RESULTS_S3": f"s3://{BUCKET}/ecrscan",
        "ECRSCAN_ROLE_NAME": "ecrscan-audit",
        "ECRSCAN_REGIONS": REGION,
        **extra,
    }
    return Settings.from_environment(environment)


def _run_machine(session, settings, run_id="exec-1", drop=None):
    """The data flow of deploy/organization.yaml's definition: each step's payload as the
    definition builds it."""
    listed = run_step({"step": "accounts", "run_id": run_id}, settings, session)
    body = session.client("s3").get_object(Bucket=listed["bucket"], Key=listed["key"])["Body"]
    items = json.loads(body.read())
    scanned = []
    for item in items:
        if item["account_id"] == drop:
            continue  # a child execution that failed
        payload = {"step": "scan-account", "run_id": run_id, "account_id": item["account_id"]}
        scanned.append(run_step(payload, settings, session))
    merged = run_step({"step": "merge", "run_id": run_id}, settings, session)
    return items, scanned, merged


def test_the_organisation_steps_scan_every_account_and_merge(organisation):
    session, member = organisation
    items, scanned, merged = _run_machine(session, _settings())
    accounts = {item["account_id"] for item in items}
    assert {step["account_id"] for step in scanned} == accounts
    assert accounts == {"123456789012", member}
    assert merged["missing"] == [] and merged["accounts"] == 2
    key = merged["results"].removeprefix(f"s3://{BUCKET}/")
    document = json.loads(session.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert {r["account_id"] for r in document["results"]} == accounts
    assert len(document["metadata"]["shards"]) == 2
    report = merged["report"].removeprefix(f"s3://{BUCKET}/")
    html = session.client("s3").get_object(Bucket=BUCKET, Key=report)["Body"].read()
    assert b"central/app" in html


def test_an_accounts_file_and_a_missing_account(organisation):
    session, member = organisation
    session.client("s3").put_object(
        Bucket=BUCKET, Key="input/accounts.txt", Body=f"# scanned nightly\n{member}\n".encode()
    )
    settings = _settings(ECRSCAN_ACCOUNTS_S3=f"s3://{BUCKET}/input/accounts.txt")
    items, _, merged = _run_machine(session, settings, run_id="exec-2", drop=member)
    assert items == [{"account_id": member}]
    assert merged["missing"] == [member] and merged["results"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"step": "format-disk", "run_id": "x"},
        {"step": "accounts", "run_id": "../../etc"},
        {"step": "scan-account", "run_id": "x", "account_id": "1234"},
    ],
)
def test_bad_step_payloads_are_refused(organisation, payload):
    from scanner.errors import InputError

    session, _ = organisation
    with pytest.raises(InputError):
        run_step(payload, _settings(), session)

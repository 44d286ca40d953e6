"""`scan --repository NAME`: the registry settings and that repository, in a handful of read
requests, with verdicts that merge into a full scan's by (control, resource)."""

import json
from collections import Counter

import boto3
import pytest
from moto import mock_aws

from scanner import snapshot as snapshots
from scanner.cli import main
from scanner.collect import collect_snapshot
from scanner.collect.permissions import DECLARED_OPERATIONS, READ_ONLY_PREFIXES
from scanner.collect.targeted import Selection

REGION = "eu-west-1"
ACCOUNT = "123456789012"
# The exact requests of a one-repository scan without KMS or enhanced scanning: the registry's
# five settings, three to find the repository and its tags and scanning configuration, and its
# three own reads. No EC2 call: the network is not asked for.
ONE_REPOSITORY_REQUESTS = Counter(
    {
        ("sts", "GetCallerIdentity"): 1,
        ("ecr", "DescribeRegistry"): 1,
        ("ecr", "GetRegistryScanningConfiguration"): 1,
        ("ecr", "GetRegistryPolicy"): 1,
        ("ecr", "DescribePullThroughCacheRules"): 1,
        ("ecr", "DescribeRepositoryCreationTemplates"): 1,
        ("ecr", "DescribeRepositories"): 1,
        ("ecr", "BatchGetRepositoryScanningConfiguration"): 1,
        ("resourcegroupstaggingapi", "GetResources"): 1,
        ("ecr", "GetLifecyclePolicy"): 1,
        ("ecr", "GetRepositoryPolicy"): 1,
        ("ecr", "DescribeImages"): 1,
    }
)


def _seed(session):
    ecr = session.client("ecr")
    ecr.create_repository(
        repositoryName="team/api",
        imageTagMutability="MUTABLE",
        tags=[{"Key": "team", "Value": "core"}],
    )
    ecr.create_repository(repositoryName="team/web", imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName="team/jobs")


@pytest.fixture
def account(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        _seed(session)
        monkeypatch.setattr("scanner.collect.open_session", lambda profile=None: session)
        yield session


def _recorder(session):
    seen = Counter()
    session.events.register(
        "before-call",
        lambda model, **_: seen.update([(model.service_model.service_name, model.name)]),
    )
    return seen


def test_one_repository_costs_twelve_read_requests(account):
    seen = _recorder(account)
    snapshot = collect_snapshot(account, [REGION], selection=Selection(("team/api",)))
    assert seen == ONE_REPOSITORY_REQUESTS
    assert all(op in DECLARED_OPERATIONS and op[1].startswith(READ_ONLY_PREFIXES) for op in seen)
    [entry] = snapshot["inventory"]
    assert [r["repository"]["repositoryName"] for r in entry["repositories"]] == ["team/api"]
    assert entry["repositories"][0]["tags"] == [{"Key": "team", "Value": "core"}]
    assert entry["network"] == {"vpcs": [], "errors": {}}
    assert snapshot["selection"] == {"repositories": ["team/api"], "network": False, "absent": []}
    snapshots.validate(snapshot)


def test_a_missing_name_is_absent_not_an_error(account):
    seen = _recorder(account)
    snapshot = collect_snapshot(account, [REGION], selection=Selection(("team/api", "gone/app")))
    # One request for both names fails on the missing one; each is then asked alone.
    assert seen[("ecr", "DescribeRepositories")] == 3
    [entry] = snapshot["inventory"]
    assert [r["repository"]["repositoryName"] for r in entry["repositories"]] == ["team/api"]
    assert entry["errors"] == {}
    assert snapshot["selection"]["absent"] == [
        {"account_id": ACCOUNT, "region": REGION, "name": "gone/app"}
    ]
    snapshots.validate(snapshot)


def test_a_refused_describe_is_an_error_not_absent(account):
    from tests.test_collect_errors import inject_error

    inject_error(account, "ecr", "DescribeRepositories")
    snapshot = collect_snapshot(account, [REGION], selection=Selection(("team/api",)))
    [entry] = snapshot["inventory"]
    assert entry["repositories"] is None
    assert entry["errors"]["repositories"]["code"] == "AccessDeniedException"
    assert snapshot["selection"]["absent"] == []


def _scan(tmp_path, name, *extra):
    path = tmp_path / name
    argv = ["scan", "--region", REGION, "--quiet", "--format", "json", "--output", str(path)]
    assert main([*argv, *extra]) in (0, 1)
    return json.loads(path.read_text())


def _cells(document):
    return {(r["control_id"], r["resource_id"]): r for r in document["results"]}


def test_targeted_verdicts_equal_the_full_scans(account, tmp_path):
    full = _scan(tmp_path, "full.json")
    targeted = _scan(tmp_path, "one.json", "--repository", "team/api")
    names = {r["resource_name"] for r in targeted["results"]}
    assert names == {"team/api", "registry"}
    assert not any(c["resource_type"] == "vpc" for c in targeted["metadata"]["controls"])
    full_cells = _cells(full)
    for key, cell in _cells(targeted).items():
        assert full_cells[key]["status"] == cell["status"], key
        assert full_cells[key]["reason"] == cell["reason"], key
    assert targeted["metadata"]["selection"]["repositories"] == ["team/api"]


def test_vpc_controls_run_when_asked(account, tmp_path):
    targeted = _scan(
        tmp_path, "one.json", "--repository", "team/api", "--controls", "vpc-ecr-endpoints"
    )
    assert {r["resource_type"] for r in targeted["results"]} == {"vpc"}
    assert targeted["metadata"]["selection"]["network"] is True


def test_a_bad_repository_name_is_a_usage_error(account, capsys):
    assert main(["scan", "--region", REGION, "--repository", "Team/<script>"]) == 2
    assert "not an ECR repository name" in capsys.readouterr().err


def test_merge_update_replaces_cells_and_drops_a_deleted_repository(account, tmp_path):
    _scan(tmp_path, "full.json")
    ecr = account.client("ecr")
    ecr.put_image_tag_mutability(repositoryName="team/api", imageTagMutability="IMMUTABLE")
    ecr.delete_repository(repositoryName="team/jobs")
    ecr.put_image_tag_mutability(repositoryName="team/web", imageTagMutability="MUTABLE")
    _scan(tmp_path, "recheck.json", "--repository", "team/api", "--repository", "team/jobs")
    merged_path = tmp_path / "merged.json"
    argv = ["merge", str(tmp_path / "full.json"), "--update", str(tmp_path / "recheck.json")]
    assert main([*argv, "--output", str(merged_path)]) == 0
    merged = json.loads(merged_path.read_text())
    cells = _cells(merged)
    arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/"
    assert cells[("ecr-tag-immutability", arn + "team/api")]["status"] == "PASS"  # re-checked
    assert cells[("ecr-tag-immutability", arn + "team/web")]["status"] == "PASS"  # not re-checked
    assert not any(key[1] == arn + "team/jobs" for key in cells)  # deleted
    assert any(r["resource_type"] == "vpc" for r in merged["results"])  # kept from the full scan
    assert len(cells) == len(merged["results"])
    assert merged["metadata"]["updates"][0]["selection"]["absent"][0]["name"] == "team/jobs"


def test_merge_update_refuses_other_policies(account, tmp_path, capsys):
    full = _scan(tmp_path, "full.json")
    full["metadata"]["policy_digest"] = "sha256:" + "f" * 64  # another set of policies
    (tmp_path / "full.json").write_text(json.dumps(full))
    _scan(tmp_path, "recheck.json", "--repository", "team/api")
    argv = ["merge", str(tmp_path / "full.json"), "--update", str(tmp_path / "recheck.json")]
    assert main(argv) == 2
    assert "policy digest" in capsys.readouterr().err

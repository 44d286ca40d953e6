"""Gate semantics like the anchors' (issue 13, point 6): --soft-fail, ERROR cells below
--fail-on, and baselines that know ERROR cells."""

import json
from pathlib import Path

from scanner.cli import main

TEMPLATE = str(Path(__file__).parent / "data" / "iac" / "template.yaml")
CFN = ["iac", TEMPLATE, "--account-id", "123456789012", "--region", "eu-west-1"]
# team/worker's lifecycle (MEDIUM) and repository policy (HIGH) are known only at deploy time.
CONTROLS = ["--controls", "ecr-lifecycle-policy,ecr-tag-immutability", "--format", "csv"]


def test_soft_fail_reports_and_exits_0(capsys):
    assert main([*CFN, *CONTROLS]) == 3
    assert main([*CFN, *CONTROLS, "--soft-fail"]) == 0
    assert "ecr-lifecycle-policy" in capsys.readouterr().out  # still reported
    assert main([*CFN, *CONTROLS, "--soft-fail", "--controls", "nope"]) == 2  # usage: still 2


def test_errors_below_fail_on_can_stop_blocking(capsys):
    # Both controls are MEDIUM: with --fail-on HIGH their failures and ERROR cells pass.
    assert main([*CFN, *CONTROLS, "--fail-on", "HIGH"]) == 3
    assert main([*CFN, *CONTROLS, "--fail-on", "HIGH", "--errors-follow-fail-on"]) == 0
    assert main([*CFN, *CONTROLS, "--fail-on", "MEDIUM", "--errors-follow-fail-on"]) == 3
    high = ["--controls", "ecr-repository-policy", "--format", "csv", "--errors-follow-fail-on"]
    assert main([*CFN, *high, "--fail-on", "HIGH"]) == 3  # a HIGH control's ERROR still blocks
    capsys.readouterr()


def test_a_baseline_knows_error_cells(capsys, tmp_path):
    baseline = tmp_path / "baseline.json"
    main([*CFN, *CONTROLS[:2], "--format", f"json={baseline}"])
    out = tmp_path / "now.json"
    code = main([*CFN, *CONTROLS[:2], "--baseline", str(baseline), "--format", f"json={out}"])
    assert code == 0
    results = json.loads(out.read_text())["results"]
    known = [r for r in results if r["status"] == "ERROR"]
    assert known and all((r["exception"] or {}).get("kind") == "baseline" for r in known)
    assert all("known undecided cell" in r["reason"] for r in known)
    capsys.readouterr()

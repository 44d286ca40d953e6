"""Every command judges a snapshot the same way: a saved IaC snapshot evaluated later keeps its
suppressions, and results carry cost figures and evidence whichever command wrote them."""

import json
from pathlib import Path

from scanner.cli import main

PLAN = Path(__file__).parent / "data" / "iac" / "plan.json"


def _statuses(results):
    return {(r["resource_name"], r["control_id"]): r["status"] for r in results["results"]}


def test_saved_iac_snapshot_evaluates_to_the_same_results(tmp_path, capsys):
    snapshot, gated, later = (
        tmp_path / "plan-snapshot.json",
        tmp_path / "iac.json",
        tmp_path / "eval.json",
    )
    main(
        [
            "iac",
            str(PLAN),
            "--account-id",
            "111122223333",
            "--save-snapshot",
            str(snapshot),
            "--format",
            f"json={gated}",
        ]
    )
    main(["evaluate", str(snapshot), "--format", f"json={later}"])
    capsys.readouterr()
    iac_results, evaluated = json.loads(gated.read_text()), json.loads(later.read_text())
    assert "SUPPRESSED" in _statuses(iac_results).values()
    assert _statuses(evaluated) == _statuses(iac_results)
    for results in (iac_results, evaluated):
        assert "cost" in results["metadata"] and "evidence" in results["metadata"]


def test_iac_honours_the_same_control_selection_as_evaluate(capsys):
    main(
        [
            "iac",
            str(PLAN),
            "--account-id",
            "111122223333",
            "--min-severity",
            "HIGH",
            "--skip-controls",
            "ecr-scan-on-push",
            "--format",
            "json",
        ]
    )
    ids = {r["control_id"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert ids and "ecr-scan-on-push" not in ids
    assert "ecr-tag-immutability" not in ids  # MEDIUM, below the floor

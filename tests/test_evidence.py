"""The evidence header: digests anyone can recompute, who scanned what, and when."""

import ast
import copy
import datetime as dt
import json
from pathlib import Path

import boto3
from moto import mock_aws

from scanner.audit.evidence import canonical_digest, covered_accounts
from scanner.cli import main
from tests import snapshot_factory


def _evaluate(tmp_path, snapshot, *extra):
    snapshot_path = tmp_path / "snapshot.json"
    snapshot_path.write_text(json.dumps(snapshot, indent=4))
    out = tmp_path / "results.json"
    argv = ["evaluate", str(snapshot_path), "--controls", "ecr-tag-immutability", *extra]
    main([*argv, "--format", "json", "--output", str(out)])
    return json.loads(out.read_text())["metadata"]


def _time(text):
    return dt.datetime.fromisoformat(text)


def test_evaluate_records_digests_caller_coverage_and_times(tmp_path):
    snapshot = snapshot_factory.snapshot()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    metadata = _evaluate(tmp_path, snapshot)
    evidence = metadata["evidence"]
    assert evidence["tool"]["name"] == "ecrscan" and evidence["tool"]["version"]
    assert evidence["policy_digest"] == metadata["policy_digest"]
    assert evidence["config_digest"] == canonical_digest(metadata["config"])
    # The digest is of the content, not the file's formatting: recomputable from the archive.
    stored = json.loads((tmp_path / "snapshot.json").read_text())
    assert evidence["snapshot_digest"] == canonical_digest(stored)
    assert evidence["caller"] == {
        "arn": "arn:aws:iam::111122223333:user/auditor",
        "account_id": "111122223333",
    }
    assert evidence["accounts"] == ["111122223333"]
    assert evidence["regions"] == ["eu-west-1"]
    assert evidence["collection"] == {"started_at": snapshot["collected_at"], "finished_at": None}
    started = _time(evidence["evaluation"]["started_at"])
    assert before <= started <= _time(evidence["evaluation"]["finished_at"])
    assert evidence["controls"] == ["ecr-tag-immutability"]
    assert evidence["results"] == 1


def test_digests_change_with_the_snapshot_and_the_configuration(tmp_path):
    snapshot = snapshot_factory.snapshot()
    first = _evaluate(tmp_path, snapshot)["evidence"]
    changed = copy.deepcopy(snapshot)
    changed["inventory"][0]["repositories"][0]["repository"]["imageTagMutability"] = "MUTABLE"
    config = tmp_path / "config.yaml"
    config.write_text("trusted_accounts: ['444455556666']\n")
    second = _evaluate(tmp_path, changed, "--config", str(config))["evidence"]
    assert first["snapshot_digest"] != second["snapshot_digest"]
    assert first["config_digest"] != second["config_digest"]
    assert first["policy_digest"] == second["policy_digest"]


def test_canonical_digest_ignores_key_order_and_whitespace():
    assert canonical_digest({"a": 1, "b": ["é", None]}) == canonical_digest(
        json.loads('{ "b" : [ "\\u00e9" , null ],\n "a": 1 }')
    )
    assert canonical_digest({"a": 1}) != canonical_digest({"a": 2})


def test_covered_accounts_include_every_inventory_scope():
    snapshot = snapshot_factory.snapshot()
    other = copy.deepcopy(snapshot["inventory"][0])
    other["account_id"] = "444455556666"
    snapshot["inventory"].append(other)
    assert covered_accounts(snapshot) == ["111122223333", "444455556666"]


def test_scan_records_when_collection_finished(aws_env, tmp_path):
    out, saved = tmp_path / "results.json", tmp_path / "snapshot.json"
    with mock_aws():
        boto3.client("ecr", region_name="eu-west-1").create_repository(repositoryName="team/api")
        code = main(
            [
                "scan",
                "--region",
                "eu-west-1",
                "--controls",
                "ecr-tag-immutability",
                "--save-snapshot",
                str(saved),
                "--format",
                "json",
                "--output",
                str(out),
            ]
        )
    assert code == 1  # moto's repositories are MUTABLE by default
    evidence = json.loads(out.read_text())["metadata"]["evidence"]
    snapshot = json.loads(saved.read_text())
    assert evidence["snapshot_digest"] == canonical_digest(snapshot)
    assert evidence["caller"]["arn"] == snapshot["caller_arn"]
    assert evidence["accounts"] == [snapshot["account_id"]]
    collection, evaluation = evidence["collection"], evidence["evaluation"]
    assert collection["started_at"] == snapshot["collected_at"]
    assert _time(collection["started_at"]) <= _time(collection["finished_at"])
    assert _time(collection["finished_at"]) <= _time(evaluation["started_at"])
    assert _time(evaluation["started_at"]) <= _time(evaluation["finished_at"])


def _direct_writes(tree):
    """Calls that write a file in place: `.write_text`, `.write_bytes`, `json.dump`, `open(w)`."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in ("write_text", "write_bytes", "dump"):
            yield node.lineno, name
        elif name == "open":
            modes = node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"]
            if any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax+") for m in modes):
                yield node.lineno, "open"


def test_every_file_ecrscan_writes_goes_through_the_atomic_writer():
    """Evidence is never left half-written: only scanner/fileio.py may write files itself."""
    root = Path(__file__).resolve().parent.parent / "scanner"
    offenders = [
        f"{path.relative_to(root)}:{line} {call}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "fileio.py"
        for line, call in _direct_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "write through scanner.fileio.write_text_atomic instead"


def test_every_time_ecrscan_records_is_utc_with_z(tmp_path):
    """One instant, one spelling: auditors compare these across files."""
    metadata = _evaluate(tmp_path, snapshot_factory.snapshot())
    evaluation = metadata["evidence"]["evaluation"]
    for text in (metadata["evaluated_at"], evaluation["started_at"], evaluation["finished_at"]):
        assert text.endswith("Z") and "+" not in text, text
        assert _time(text).tzinfo is not None

"""`ecrscan merge`: the shards of a scan make the same results as one scan of everything."""

import json
import shutil

import pytest

from bench import synthetic
from scanner.cli import main
from scanner.evaluate.results import load_results
from scanner.fileio import write_json_atomic
from scanner.resources import policy_dir


def _shard(directory, name: str, first_account: int, *extra: str):
    snapshot = synthetic.snapshot(12, accounts=2, first_account=first_account, seed=first_account)
    write_json_atomic(snapshot, directory / f"{name}.snapshot.json")
    out = directory / f"{name}.results.json"
    argv = ["evaluate", str(directory / f"{name}.snapshot.json"), "--workers", "1"]
    code = main([*argv, "--format", "json", "--output", str(out), *extra])
    assert code in (0, 1, 3)
    return snapshot, out


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """Two disjoint shards (accounts 0-1 and 2-3), evaluated once for the module."""
    directory = tmp_path_factory.mktemp("shards")
    return _shard(directory, "a", 0), _shard(directory, "b", 2)


def _cells(results):
    return sorted((r.control_id, r.resource_id, r.status, r.severity, r.reason) for r in results)


def test_merged_shards_equal_one_scan_of_everything(tmp_path, shards):
    (first, a), (second, b) = shards
    merged = tmp_path / "merged.json"
    assert main(["merge", str(a), str(b), "--output", str(merged)]) == 0

    whole = {**first, "inventory": first["inventory"] + second["inventory"]}
    write_json_atomic(whole, tmp_path / "whole.json")
    main(
        [
            "evaluate",
            str(tmp_path / "whole.json"),
            "--format",
            "json",
            "--output",
            str(tmp_path / "whole.results.json"),
        ]
    )

    result = load_results(merged)
    assert _cells(result.results) == _cells(load_results(tmp_path / "whole.results.json").results)
    metadata = result.metadata
    assert [s["file"] for s in metadata["shards"]] == [str(a), str(b)]
    assert metadata["snapshot"]["accounts"] == sorted({first["account_id"], second["account_id"]})
    assert main(
        ["report", str(merged), "--format", "csv", "--output", str(tmp_path / "m.csv")]
    ) in (1, 3)
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert len(rows) == 1 + len(result.results)


def test_shards_with_another_configuration_are_refused(tmp_path, capsys, shards):
    config = tmp_path / "strict.yaml"
    config.write_text("allow_tag_exclusions: false\n")
    (_, a), _ = shards
    _, b = _shard(tmp_path, "b", 2, "--config", str(config))
    assert main(["merge", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert f"{b}: configuration differs from {a}'s" in err and err.count("\n") == 1


def test_shards_judged_by_other_policies_are_refused(tmp_path, capsys, shards):
    policies = tmp_path / "policies"
    shutil.copytree(policy_dir(), policies)
    rego = next(policies.rglob("tag_immutability.rego"))
    rego.write_text(rego.read_text() + "\n# a local change\n")
    (_, a), _ = shards
    _, b = _shard(tmp_path, "b", 2, "--policy-dir", str(policies))
    assert main(["merge", str(a), str(b)]) == 2
    assert "policy digest" in capsys.readouterr().err


def test_overlapping_shards_are_refused(tmp_path, capsys, shards):
    (_, a), _ = shards
    _, overlap = _shard(tmp_path, "overlap", 1)  # shares the account numbered 1 with shard a
    assert main(["merge", str(a), str(overlap)]) == 2
    assert "shards must cover disjoint accounts" in capsys.readouterr().err


def test_a_file_that_is_not_results_is_a_usage_error(tmp_path, capsys, shards):
    (_, a), _ = shards
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"results": []}))
    assert main(["merge", str(a), str(bogus)]) == 2
    assert "not an ecrscan results file" in capsys.readouterr().err


def test_the_same_file_twice_is_refused_not_doubled(capsys, shards):
    (_, a), _ = shards
    assert main(["merge", str(a), str(a)]) == 2
    err = capsys.readouterr().err
    assert f"{a} (argument 2)" in err and "also covered by" in err and err.count("\n") == 1


def test_shards_that_share_an_account_and_region_are_refused_even_without_resources(
    tmp_path, capsys, shards
):
    """Coverage is what was judged, recorded at evaluation: an account with no repository in
    one shard still overlaps the same account in another."""
    (_, a), (_, b) = shards
    document = json.loads(b.read_text())
    document["results"] = []
    document["metadata"]["snapshot"]["scopes"] = json.loads(a.read_text())["metadata"]["snapshot"][
        "scopes"
    ][:1]
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(document))
    assert main(["merge", str(a), str(empty)]) == 2
    assert "is also covered by" in capsys.readouterr().err


def test_merged_results_record_every_scope(tmp_path, shards):
    (_, a), (_, b) = shards
    merged = tmp_path / "merged.json"
    assert main(["merge", str(a), str(b), "--output", str(merged)]) == 0
    scopes = load_results(merged).metadata["snapshot"]["scopes"]
    expected = [
        scope
        for f in (a, b)
        for scope in json.loads(f.read_text())["metadata"]["snapshot"]["scopes"]
    ]
    assert scopes == sorted(expected) and len(scopes) == len({tuple(s) for s in scopes})

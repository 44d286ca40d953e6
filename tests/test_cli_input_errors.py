"""Bad input of every kind: one clear line on stderr, the documented exit code, no traceback."""

import json
import os
import signal

import pytest

from scanner.cli import main
from tests import snapshot_factory


def _snapshot_file(tmp_path, content):
    path = tmp_path / "snapshot.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_clear_line(err, expected):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ecrscan: error: "), err
    assert expected in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "snapshot is empty"),
        ("{not json", "snapshot is not JSON (line 1, column 2"),
        ({"schema_version": 99}, "schema_version 99 is not supported"),
        ({"schema_version": 1}, "not an ecrscan snapshot"),
        ([1, 2], "not an ecrscan snapshot"),
    ],
)
def test_bad_snapshots(tmp_path, capsys, content, expected):
    code, out, err = _run(capsys, "evaluate", _snapshot_file(tmp_path, content))
    assert code == 2
    assert out == ""
    _assert_one_clear_line(err, expected)


def test_missing_snapshot(tmp_path, capsys):
    code, _, err = _run(capsys, "evaluate", str(tmp_path / "nope.json"))
    assert code == 2
    _assert_one_clear_line(err, "snapshot not found")


def test_unknown_control_id(tmp_path, capsys, minimal_snapshot):
    path = _snapshot_file(tmp_path, minimal_snapshot)
    code, _, err = _run(capsys, "evaluate", path, "--controls", "ecr-tag-immutability,ecr-nope")
    assert code == 2
    _assert_one_clear_line(err, "unknown control id 'ecr-nope'")


def test_bad_configuration(tmp_path, capsys, minimal_snapshot):
    config = tmp_path / "c.yaml"
    config.write_text("trusted_accounts: [123]\n")
    code, _, err = _run(
        capsys, "evaluate", _snapshot_file(tmp_path, minimal_snapshot), "--config", str(config)
    )
    assert code == 2
    _assert_one_clear_line(err, "'123' is not a 12-digit account id")


def test_custom_rego_that_does_not_compile(tmp_path, capsys, minimal_snapshot):
    folder = tmp_path / "policies" / "broken"
    folder.mkdir(parents=True)
    (folder / "broken.rego").write_text(
        "# METADATA\n# title: Broken\n# custom:\n#   id: x-broken\n#   severity: LOW\n"
        "#   resource_type: repository\npackage ecr.broken\n\nverdict := {\n"
    )
    code, _, err = _run(
        capsys,
        "evaluate",
        _snapshot_file(tmp_path, minimal_snapshot),
        "--policy-dir",
        str(tmp_path / "policies"),
    )
    assert code == 2
    _assert_one_clear_line(err, "broken.rego:9:")


def test_repository_policy_that_is_not_json_is_a_fail_not_a_crash(
    tmp_path, capsys, minimal_snapshot
):
    repo = minimal_snapshot["inventory"][0]["repositories"][0]
    repo["repositoryPolicy"] = {"policyText": "{not json"}
    repo["derived"]["repositoryPolicy"] = {
        "parseError": "Expecting property name (line 1, column 2)"
    }
    code, out, err = _run(
        capsys,
        "evaluate",
        _snapshot_file(tmp_path, minimal_snapshot),
        "--controls",
        "ecr-repository-policy",
        "--format",
        "json",
    )
    assert err == ""
    [result] = json.loads(out)["results"]
    assert result["status"] == "FAIL"
    assert "not JSON" in result["reason"] or "Expecting property name" in result["reason"]
    assert code == 1


def test_bad_results_file_for_report(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text('{"results": 3}')
    code, _, err = _run(capsys, "report", str(path))
    assert code == 2
    _assert_one_clear_line(err, "not an ecrscan results file")


@pytest.mark.parametrize("command", ["evaluate", "report"])
def test_a_yaml_template_given_to_a_json_command_is_named(tmp_path, capsys, command):
    path = tmp_path / "stack.yaml"
    path.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Repo: {}\n")
    code, _, err = _run(capsys, command, str(path))
    assert code == 2
    _assert_one_clear_line(err, "it looks like a CloudFormation template, which `ecrscan iac`")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate"])
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.fixture
def minimal_snapshot():
    return snapshot_factory.snapshot()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_evaluation_leaves_the_last_good_output(
    tmp_path, capsys, monkeypatch, signum, code
):
    """The previous results file survives; the exit code says what stopped the run."""
    from scanner.cli import pipeline

    output = tmp_path / "results.json"
    output.write_text("last good results\n")
    real = pipeline.evaluate_snapshot

    def interrupted(*args, **kwargs):
        results = real(*args, **kwargs)
        os.kill(os.getpid(), signum)  # arrives before the renderer writes anything
        return results

    monkeypatch.setattr(pipeline, "evaluate_snapshot", interrupted)
    path = _snapshot_file(tmp_path, snapshot_factory.snapshot())
    assert main(["evaluate", path, "--format", "json", "--output", str(output)]) == code
    assert output.read_text() == "last good results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "snapshot.json"]
    assert "no output was written" in capsys.readouterr().err

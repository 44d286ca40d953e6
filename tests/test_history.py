"""The SQLite history: a scan recorded and read back is the same scan; the CLI lists, shows and
imports; a file that is not a history database is refused in one line."""

import json
import sqlite3

import pytest

from scanner.audit import history
from scanner.cli import main
from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results, load_results
from tests import snapshot_factory

CONTROL = {
    "id": "ecr-tag-immutability",
    "title": "Tags",
    "description": "",
    "severity": "MEDIUM",
    "resource_type": "repository",
    "frameworks": {"aws-fsbp": ["ECR.2"]},
    "remediation": {},
}


POLICY_DIGEST, SNAPSHOT_DIGEST = "sha256:" + "a" * 64, "sha256:" + "d" * 64


def _results(*statuses, evaluated_at="2026-11-28T09:00:00+00:00"):
    results = [
        Result(
            CONTROL["id"],
            f"arn:aws:ecr:eu-west-1:111122223333:repository/r{i}",
            "repository",
            f"r{i}",
            "111122223333",
            "eu-west-1",
            status,
            "MEDIUM",
            f"reason {i} ünïcode <b>",
            source={"file": "main.tf", "line": i} if i == 0 else None,
            exception={"kind": "waiver", "reason": "ok", "expires": "2027-01-01"}
            if status == "WAIVED"
            else None,
        )
        for i, status in enumerate(statuses)
    ]
    metadata = {
        "format": RESULTS_FORMAT,
        "tool": {"name": "ecrscan", "version": "0.1.0"},
        "evaluated_at": evaluated_at,
        "snapshot": {"collected_at": "2026-11-28T08:59:00+00:00", "account_id": "111122223333"},
        "policy_digest": POLICY_DIGEST,
        "evidence": {
            "tool": {"name": "ecrscan", "version": "0.1.0"},
            "policy_digest": POLICY_DIGEST,
            "config_digest": "sha256:" + "c" * 64,
            "snapshot_digest": SNAPSHOT_DIGEST,
            "accounts": ["111122223333", "444455556666"],
            "regions": ["eu-west-1", "us-east-1"],
            "collection": {"started_at": None, "finished_at": "2026-11-28T08:59:00Z"},
            "evaluation": {"started_at": evaluated_at, "finished_at": evaluated_at},
            "controls": [CONTROL["id"]],
            "results": len(statuses),
        },
        "controls": [CONTROL],
    }
    return Results(metadata, results)


def test_round_trip_keeps_every_field(tmp_path):
    original = _results("FAIL", "PASS", "WAIVED", "ERROR")
    with history.open_history(tmp_path / "h.sqlite3") as connection:
        scan_id, added = history.record(connection, original)
    with history.open_history(tmp_path / "h.sqlite3") as connection:
        loaded = history.load_scan(connection, scan_id)
        [row] = history.list_scans(connection)
    assert added
    assert loaded.results == original.results
    assert loaded.metadata == original.metadata
    assert row.id == scan_id
    assert row.accounts == ["111122223333", "444455556666"]
    assert row.regions == ["eu-west-1", "us-east-1"]
    assert row.counts == {"FAIL": 1, "PASS": 1, "WAIVED": 1, "ERROR": 1}
    assert (row.policy_digest, row.snapshot_digest) == (POLICY_DIGEST, SNAPSHOT_DIGEST)


def test_the_same_results_are_recorded_once(tmp_path):
    path = tmp_path / "h.sqlite3"
    with history.open_history(path) as connection:
        first = history.record(connection, _results("FAIL"))
        again = history.record(connection, _results("FAIL"))
        other = history.record(connection, _results("PASS"))
        assert history.latest_ids(connection, 2) == [other[0], first[0]]
    assert first == (1, True) and again == (1, False) and other == (2, True)


def test_default_path_follows_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert history.default_db_path() == tmp_path / "data" / "ecrscan" / "history.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert history.default_db_path() == (
        tmp_path / "home" / ".local" / "share" / "ecrscan" / "history.sqlite3"
    )


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_text("these are not the scans you are looking for" * 20)
    with (
        pytest.raises(InputError, match="not a usable ecrscan history database"),
        history.open_history(path) as connection,
    ):
        history.list_scans(connection)


def test_a_newer_database_version_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    with (
        pytest.raises(InputError, match="version 99 is not supported"),
        history.open_history(path),
    ):
        pass


def test_unknown_scan_id(tmp_path):
    with (
        history.open_history(tmp_path / "h.sqlite3") as connection,
        pytest.raises(InputError, match="no scan 7"),
    ):
        history.load_scan(connection, 7)


# Through the real entry point.


def test_cli_records_lists_shows_and_imports(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(snapshot_factory.snapshot()))
    results_file = tmp_path / "results.json"
    argv = ["evaluate", str(snapshot), "--controls", "ecr-tag-immutability", "--history"]
    assert main([*argv, "--format", "json", "--output", str(results_file)]) == ExitCode.OK
    assert "recorded as scan 1" in capsys.readouterr().err
    assert (tmp_path / "xdg" / "ecrscan" / "history.sqlite3").is_file()

    # import: the same results are recognised, another file is added.
    other = tmp_path / "other.json"
    other.write_text(json.dumps(_results("FAIL").to_document()))
    assert main(["history", "import", str(results_file), str(other)]) == 0
    out = capsys.readouterr().out
    assert "already imported: this exact results file is scan 1" in out
    assert "recorded as scan 2" in out

    assert main(["history", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in listed] == [1, 2]
    assert listed[0]["counts"] == {"PASS": 1}

    assert main(["history"]) == 0  # no action: the list, as a table
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["id", "evaluated", "collected"]

    shown = tmp_path / "shown.json"
    assert main(["history", "show", "1", "--format", "json", "--output", str(shown)]) == 0
    assert load_results(shown).results == load_results(results_file).results


def test_cli_db_option_before_or_after_the_action(tmp_path, capsys):
    db = tmp_path / "elsewhere.sqlite3"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(_results("FAIL").to_document()))
    assert main(["history", "--db", str(db), "import", str(other)]) == 0
    assert main(["history", "list", "--db", str(db), "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["history", "--db", str(db), "show", "1", "--format", "csv"]) == 0
    assert "r0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "show", "9"], "no scan 9 in the history database"),
        (["history", "import", "missing.json"], "missing.json: results file not found"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, argv, message):
    code = main([*argv, "--db", str(tmp_path / "h.sqlite3")])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert err.strip().splitlines() == [f"ecrscan: error: {message}"]


def test_cli_refuses_a_broken_database_before_evaluating(tmp_path, capsys):
    db = tmp_path / "h.sqlite3"
    db.write_text("not sqlite" * 100)
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(snapshot_factory.snapshot()))
    code = main(["evaluate", str(snapshot), "--db", str(db), "--output", str(tmp_path / "o")])
    assert code == ExitCode.USAGE
    assert "not a usable ecrscan history database" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()

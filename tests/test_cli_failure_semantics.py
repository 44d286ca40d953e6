"""The exit-code contract at the top of the CLI: anything unexpected is exit 4 and one line,
never a traceback and never 1 (which CI reads as "failures found")."""

import json

import pytest

from scanner import cli
from scanner.cli import main
from scanner.errors import ExitCode
from tests import snapshot_factory


@pytest.fixture
def snapshot_path(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps(snapshot_factory.snapshot([snapshot_factory.repository_record("a")]))
    )
    return path


def test_an_unexpected_exception_is_exit_4_and_one_line(snapshot_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("registryId\n::error::spoofed")

    monkeypatch.setattr("scanner.cli.evaluate_cmd.judge", broken)
    assert main(["evaluate", str(snapshot_path)]) == ExitCode.INTERNAL == 4
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ecrscan: error: internal error: KeyError at test_cli_failure")
    assert "ECRSCAN_DEBUG=1" in lines[0] and "Traceback" not in captured.err
    assert captured.out == ""


def test_debug_prints_the_traceback_for_the_report(snapshot_path, capsys, monkeypatch):
    monkeypatch.setenv("ECRSCAN_DEBUG", "1")
    monkeypatch.setattr("scanner.cli.evaluate_cmd.judge", lambda *a, **k: 1 / 0)
    assert main(["evaluate", str(snapshot_path)]) == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_error_messages_never_carry_control_characters_or_newlines(tmp_path, capsys):
    hostile = tmp_path / "a\x1b[31mred\nline::warning::x.json"
    assert main(["evaluate", str(hostile)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "\x1b" not in err and err.count("\n") == 1 and "\\x1b" in err


@pytest.mark.parametrize(
    ("kind", "command", "expected"),
    [
        ("results", "evaluate", "it is an ecrscan results file, which `ecrscan report` reads"),
        ("snapshot", "report", "it is an ecrscan snapshot, which `ecrscan evaluate` reads"),
    ],
)
def test_a_file_for_another_command_is_named(
    tmp_path, capsys, snapshot_path, kind, command, expected
):
    results = tmp_path / "results.json"
    main(["evaluate", str(snapshot_path), "--format", "json", "--output", str(results)])
    capsys.readouterr()
    path = results if kind == "results" else snapshot_path
    assert main([command, str(path)]) == ExitCode.USAGE
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper than 100 levels"),
        ('{"a": ' + "[" * 150 + "]" * 150 + "}", "nested deeper than 100 levels"),
        ('{"schema_version": ' + "9" * 5000 + "}", "holds a number too long to read"),
    ],
)
def test_json_that_would_break_a_reader_is_refused(tmp_path, capsys, text, message):
    path = tmp_path / "in.json"
    path.write_text(text)
    for command in ("evaluate", "report"):
        assert main([command, str(path)]) == ExitCode.USAGE
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


def test_the_handler_is_the_only_catch_all():
    """Exit 4 is reserved for bugs: the exit-code enum and the epilog say so."""
    assert ExitCode.INTERNAL == 4
    assert "4  internal error" in cli.EPILOG

"""The command line is parsed once into a typed RunOptions; the pipeline never sees argparse."""

import ast
import datetime as dt
import json
from pathlib import Path

import pytest

from scanner.cli import build_parser
from scanner.cli.audit_trail import AuditTrail
from scanner.cli.pipeline import judge, publish
from scanner.cli.run_options import AuditOptions, GateOptions, OutputOptions, RunOptions
from scanner.config import Config
from scanner.errors import InputError
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir
from tests import snapshot_factory

ROOT = Path(__file__).resolve().parent.parent


def _options(*argv: str) -> RunOptions:
    return RunOptions.from_args(build_parser().parse_args(["evaluate", "s.json", *argv]))


def test_every_evaluation_option_is_typed_and_defaulted():
    options = _options(
        "--controls", "ecr-tag-immutability, ecr-kms-cmk", "--policy-dir", "p", "--as-of",
        "2026-06-01", "--fail-on", "high", "--format", "csv=out.csv", "--workers", "3",
    )  # fmt: skip
    assert options.selection.controls == ("ecr-tag-immutability", "ecr-kms-cmk")
    assert options.selection.policy_dir == Path("p")
    assert options.audit.as_of == dt.date(2026, 6, 1)
    assert options.gate.fail_on == "HIGH"
    assert options.output.targets == (("csv", "out.csv"),)
    assert options.engine.workers == 3
    assert _options() == RunOptions()  # the defaults are the dataclass's


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--controls", " , "], "--controls names no control"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--output", "a", "--format", "csv=b"], "--output cannot be combined"),
        (["--format", "csv", "--format", "json"], "would all go to stdout"),
    ],
)
def test_contradictory_options_are_refused_once_parsed(argv, message):
    with pytest.raises(InputError, match=message):
        _options(*argv)


def test_the_pipeline_runs_without_a_command_line(tmp_path):
    """A caller that is not the CLI (the Lambda, a test) builds the options it needs."""
    snapshot = snapshot_factory.snapshot([snapshot_factory.repository_record("team/api")])
    out = tmp_path / "r.json"
    options = RunOptions(
        gate=GateOptions(fail_on="CRITICAL"), output=OutputOptions(targets=(("json", str(out)),))
    )
    policies = load_policies(policy_dir()).select(["ecr-tag-immutability"])
    results = judge(snapshot, policies, Config(), AuditTrail(AuditOptions()))
    assert publish(results, options) == 0
    assert json.loads(out.read_text())["results"][0]["status"] == "PASS"


def test_no_module_past_the_command_modules_takes_a_namespace():
    """argparse belongs to the command modules; what they call takes typed values."""
    allowed = {"run_options.py", "options.py", "audit_trail.py", "__init__.py"}
    for path in sorted((ROOT / "scanner").rglob("*.py")):
        if path.parent.name == "cli" and (path.name.endswith("_cmd.py") or path.name in allowed):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "argparse" not in imports and "Namespace" not in names, path

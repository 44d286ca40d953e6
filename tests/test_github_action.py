"""The composite GitHub Action (action.yml): its shell steps run against a fixture, with inputs
given as GitHub gives them (environment variables) and this checkout's ecrscan on PATH."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "data" / "iac" / "template.yaml"


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def _expand(value: str, inputs: dict[str, str]) -> str:
    """${{ inputs.x }} as GitHub expands it; nothing else is used in the env blocks."""
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], value)


def _run_judge(tmp_path, **given) -> tuple[int, str, str]:
    action = _action()
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs |= given
    [step] = [s for s in action["runs"]["steps"] if s.get("id") == "judge"]
    env = {k: _expand(str(v), inputs) for k, v in step["env"].items()}
    output = tmp_path / "github_output"
    env |= {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [step["shell"], "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr, output.read_text()


def test_the_action_is_a_composite_with_the_documented_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"paths", "account-id", "config", "fail-on", "sarif-file"} <= set(action["inputs"])
    uses = [s.get("uses", "") for s in action["runs"]["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    for step in action["runs"]["steps"]:
        # inputs never reach a script's text, only its environment (no script injection)
        assert "inputs." not in step.get("run", "")


def test_the_judge_step_runs_ecrscan_and_writes_sarif(tmp_path):
    code, output, github_output = _run_judge(
        tmp_path,
        paths=str(TEMPLATE),
        **{"account-id": "123456789012", "region": "eu-west-1", "fail-on": "LOW"},
    )
    assert code == 3, output  # the fixture has cells known only at deploy time
    assert "exit-code=3" in github_output
    assert (tmp_path / "ecrscan.sarif").is_file()
    assert "Findings" in output


def test_hostile_inputs_stay_arguments(tmp_path):
    """A path input with shell syntax is a (missing) file name, not a command."""
    marker = tmp_path / "pwned"
    code, output, _ = _run_judge(tmp_path, paths=f"$(touch {marker}) ;touch {marker}")
    assert code == 2 and not marker.exists(), output

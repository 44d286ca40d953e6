"""Which engine runs (`--engine auto` and its fallbacks), and what each command loads: boto3
only where AWS is called, an engine only where something is evaluated, so the commands that
evaluate nothing run under a small address-space limit (`ulimit -v 2000000`)."""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import scanner.engines as engines
from bench import synthetic
from scanner.cli import main
from scanner.engines import NO_ENGINE, choose_engine
from scanner.engines.base import EngineError
from scanner.fileio import write_json_atomic

IAC = Path(__file__).parent / "data" / "iac"
LIMIT_KIB = 2_000_000  # ulimit -v 2000000


@pytest.fixture
def no_server(monkeypatch):
    monkeypatch.delenv(engines.OPA_URL_VARIABLE, raising=False)


@pytest.fixture
def snapshot(tmp_path):
    path = tmp_path / "snapshot.json"
    write_json_atomic(synthetic.snapshot(4), path)
    return path


def _without(monkeypatch, *missing: str) -> None:
    """Make the named engines unavailable, as on a machine without them."""
    if "regopy" in missing:
        monkeypatch.setattr(engines, "regopy_problem", lambda: "the regopy engine needs regopy")
    if "opa-embedded" in missing:
        monkeypatch.setattr(engines, "go_opa_installed", lambda: False)


def test_auto_takes_regopy_first(no_server):
    assert choose_engine("auto").name == "regopy"


def test_auto_falls_back_to_go_opa_then_to_a_server(monkeypatch, no_server):
    _without(monkeypatch, "regopy")
    assert choose_engine("auto").name == (
        "opa-embedded" if engines._imports("opa_bindings") else "opa"
    )
    _without(monkeypatch, "regopy", "opa-embedded")
    assert choose_engine("auto", opa_url="http://127.0.0.1:1").name == "opa"
    monkeypatch.setenv(engines.OPA_URL_VARIABLE, "http://127.0.0.1:1")
    choice = choose_engine("auto")
    assert choice.name == "opa" and choice.factory.keywords["url"] == "http://127.0.0.1:1"


def test_no_engine_at_all_is_one_line_saying_what_to_install(
    monkeypatch, no_server, snapshot, capsys
):
    _without(monkeypatch, "regopy", "opa-embedded")
    with pytest.raises(EngineError, match="no Rego engine can run here"):
        choose_engine("auto")
    assert main(["evaluate", str(snapshot)]) == 2
    err = capsys.readouterr().err
    assert err == f"ecrscan: error: {NO_ENGINE}\n"
    for hint in ("pip install 'regopy", "opa-golib-python-bindings==0.4.4", "--opa-url"):
        assert hint in err


def test_the_server_url_comes_from_the_environment(monkeypatch, snapshot, capsys):
    monkeypatch.setenv(engines.OPA_URL_VARIABLE, "ftp://not-http")
    assert main(["evaluate", str(snapshot), "--engine", "opa"]) == 2
    assert "'ftp://not-http' is not an http(s)://host:port URL" in capsys.readouterr().err


def test_results_name_the_engine_auto_chose(monkeypatch, no_server, snapshot, tmp_path):
    if not engines._imports("opa_bindings"):
        pytest.skip("Go OPA in-process is not installed")
    _without(monkeypatch, "regopy")
    output = tmp_path / "results.json"
    main(["evaluate", str(snapshot), "--format", "json", "--output", str(output), "--workers", "1"])
    assert json.loads(output.read_text())["metadata"]["engine"] == "opa-embedded"


def test_regopy_under_a_small_address_space_limit_is_refused_not_aborted(monkeypatch):
    """rego-cpp reserves 256 GiB when it loads; below that the import aborts the process."""
    assert engines.REGOPY_ADDRESS_SPACE == 257 << 30
    monkeypatch.setattr(resource, "getrlimit", lambda which: (4 << 30, resource.RLIM_INFINITY))
    problem = engines.regopy_problem()
    assert problem is not None and "ulimit -v allows 4 GiB" in problem
    with pytest.raises(EngineError, match="needs about 257 GiB of address space"):
        choose_engine("regopy")


def _run(argv: list[str], *, limit_kib: int | None = None, block: tuple[str, ...] = ()):
    """Run `python -m scanner ARGV` in a fresh process, optionally under RLIMIT_AS and with
    some top-level modules made unimportable; report which heavy modules it loaded."""
    code = f"""
import atexit, json, sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {list(block)!r}:
            raise ImportError(f"{{name}} is blocked by the test")
sys.meta_path.insert(0, Blocked())
def report():
    heavy = ("boto3", "botocore", "regopy", "opa_bindings")
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
    print(json.dumps(loaded), file=sys.stderr)
atexit.register(report)
from scanner.cli import main
sys.exit(main({argv!r}))
"""

    def limit():
        if limit_kib:
            resource.setrlimit(resource.RLIMIT_AS, (limit_kib * 1024, limit_kib * 1024))

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
        env={**os.environ, "ECRSCAN_OPA_URL": ""},
    )
    loaded = json.loads(done.stderr.strip().splitlines()[-1]) if done.stderr.strip() else None
    return done, loaded


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["controls"], ["iam-policy"], ["evaluate", "--help"]]
)
def test_commands_that_evaluate_nothing_run_under_ulimit_v_2000000(argv):
    done, loaded = _run(argv, limit_kib=LIMIT_KIB)
    assert done.returncode == 0, done.stderr
    assert done.stdout
    assert loaded == [], loaded  # iam-policy names AWS actions, and calls no AWS to do so


def test_evaluate_runs_with_boto3_unimportable(snapshot):
    done, loaded = _run(["evaluate", str(snapshot)], block=("boto3", "botocore"))
    assert done.returncode in (1, 3), done.stderr
    assert "Traceback" not in done.stderr
    assert loaded == ["regopy"]


def test_iac_runs_with_boto3_unimportable():
    argv = [
        "iac",
        str(IAC / "plan.json"),
        str(IAC / "template.yaml"),
        "--account-id",
        "123456789012",
    ]
    done, loaded = _run(argv, block=("boto3", "botocore"))
    assert done.returncode in (1, 3), done.stderr
    assert "Traceback" not in done.stderr
    assert loaded == ["regopy"]


def test_auto_evaluates_under_a_limit_regopy_cannot_live_with(snapshot, tmp_path):
    """Under ulimit -v 4000000 rego-cpp cannot load; auto takes Go OPA in-process instead of
    aborting."""
    if not engines._imports("opa_bindings"):
        pytest.skip("Go OPA in-process is not installed")
    output = tmp_path / "results.json"
    argv = ["evaluate", str(snapshot), "--format", "json", "--output", str(output)]
    done, loaded = _run([*argv, "--workers", "1"], limit_kib=4_000_000)
    assert done.returncode in (1, 3), done.stderr
    assert loaded == ["opa_bindings"]
    assert json.loads(output.read_text())["metadata"]["engine"] == "opa-embedded"

"""The OPA server engine: uploads, batching, errors, and the same verdicts as the embedded one.

Against a stand-in for OPA's REST API on loopback (tests/opa_fake_server.py, evaluating with Go
OPA in-process), and against a real `opa run --server` where an `opa` binary is on PATH.
"""

import shutil
import socket
import subprocess
import time
from functools import partial

import pytest

from bench import synthetic
from scanner.cli import main
from scanner.config import config_from_mapping
from scanner.engines import opa_embedded
from scanner.engines.base import EngineError
from scanner.engines.opa_server import OpaServerEngine
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import BATCH_SIZE, evaluate_snapshot
from scanner.fileio import write_json_atomic
from scanner.resources import policy_dir

needs_go_opa = pytest.mark.skipif(
    not opa_embedded.available(),
    reason="the fake OPA server evaluates with opa-golib-python-bindings, which is not installed",
)
POLICIES = load_policies(policy_dir())
CONFIG = config_from_mapping({"trusted_accounts": [synthetic.TRUSTED]})
TYPED = """package typed

verdict := {"status": "PASS", "reason": concat("", ["n+1 is ", format_int(input.n + 1, 10)])}
"""
SIMPLE = """package simple

verdict := {"status": "PASS", "reason": "always"}
"""
UNDEFINED = """package undefined

verdict := {"status": "PASS", "reason": "only for n"} if input.n
"""


def _cells(results):
    return sorted((r.control_id, r.resource_id, r.status, r.severity, r.reason) for r in results)


@pytest.fixture
def fake_opa():
    from tests.opa_fake_server import FakeOpaServer

    with FakeOpaServer() as server:
        yield server


@needs_go_opa
def test_same_verdicts_as_regopy_in_batched_requests(fake_opa):
    snapshot = synthetic.snapshot(300, vpcs_per_region=3)
    engine = partial(OpaServerEngine, url=fake_opa.url)
    remote = evaluate_snapshot(snapshot, POLICIES, CONFIG, engine_factory=engine, memoise=False)
    local = evaluate_snapshot(snapshot, POLICIES, CONFIG, memoise=False)
    assert remote.metadata["engine"] == "opa"
    assert _cells(remote.results) == _cells(local.results)
    resources = len({r.resource_id for r in local.results})
    types = len({r.resource_type for r in local.results})
    # One request per batch of documents (a batch holds one resource type of one region), never
    # one per resource.
    assert len(fake_opa.posts()) <= resources // BATCH_SIZE + types * len(synthetic.REGIONS)
    assert len(fake_opa.posts()) < resources / 10
    assert set(fake_opa.posts()) == {"/v1/data/ecrscan/batch/answers"}


@needs_go_opa
def test_policies_and_configuration_are_uploaded_under_stable_ids(fake_opa):
    engine = OpaServerEngine(
        {"/p/ecr/simple/simple.rego": SIMPLE, "/p/lib/typed.rego": TYPED},
        {"ecrscan": {"config": {"trusted_accounts": ["444455556666"]}}},
        ["simple/verdict"],
        url=fake_opa.url,
    )
    engine.close()
    assert set(fake_opa.policies) == {
        "ecrscan/ecr/simple/simple.rego",
        "ecrscan/lib/typed.rego",
        "ecrscan/ecrscan_batch.rego",
    }
    assert fake_opa.data == {"ecrscan": {"config": {"trusted_accounts": ["444455556666"]}}}


@needs_go_opa
def test_an_aborted_batch_is_retried_so_the_error_lands_on_its_own_cell(fake_opa):
    """OPA aborts the whole query on a builtin type error; the other documents and the other
    controls of the faulty document still get their verdicts."""
    modules = {"/p/typed.rego": TYPED, "/p/simple.rego": SIMPLE, "/p/undefined.rego": UNDEFINED}
    entrypoints = ["typed/verdict", "simple/verdict", "undefined/verdict"]
    engine = OpaServerEngine(modules, {}, entrypoints, url=fake_opa.url)
    answers = engine.verdicts(entrypoints, [{"n": 1}, {"n": "one"}, {"n": 2}])
    engine.close()
    assert answers[0]["typed/verdict"]["reason"] == "n+1 is 2"
    assert answers[2]["typed/verdict"]["reason"] == "n+1 is 3"
    assert isinstance(answers[1]["typed/verdict"], EngineError)
    assert "operand 1 must be number" in str(answers[1]["typed/verdict"])
    assert answers[1]["simple/verdict"] == {"status": "PASS", "reason": "always"}
    assert answers[1]["undefined/verdict"] == {"status": "PASS", "reason": "only for n"}


@needs_go_opa
def test_an_undefined_verdict_does_not_hide_the_others(fake_opa):
    entrypoints = ["undefined/verdict", "simple/verdict"]
    modules = {"/p/s.rego": SIMPLE, "/p/u.rego": UNDEFINED}
    engine = OpaServerEngine(modules, {}, entrypoints, url=fake_opa.url)
    [answer] = engine.verdicts(entrypoints, [{"n": False}])
    engine.close()
    assert isinstance(answer["undefined/verdict"], EngineError)
    assert "undefined" in str(answer["undefined/verdict"])
    assert answer["simple/verdict"]["status"] == "PASS"
    assert len(fake_opa.posts()) == 1


@needs_go_opa
def test_a_policy_the_server_refuses_is_one_clean_error(fake_opa):
    with pytest.raises(EngineError, match=r"refused the policy: ecrscan/broken.rego:\d+: .*eof"):
        OpaServerEngine({"/p/broken.rego": "package broken\n\nx := {\n"}, {}, [], url=fake_opa.url)


def test_no_server_is_one_clean_error():
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(EngineError, match=rf"OPA server http://127.0.0.1:{port}: "):
        OpaServerEngine({"/p/s.rego": SIMPLE}, {}, [], url=f"http://127.0.0.1:{port}", timeout=2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--engine", "opa"], "--engine opa needs --opa-url or ECRSCAN_OPA_URL"),
        (["--engine", "opa", "--opa-url", "ftp://x"], "is not an http(s)://host:port URL"),
        (
            ["--engine", "regopy", "--opa-url", "http://127.0.0.1:8181"],
            "--opa-url is only used with --engine opa (or auto), not regopy",
        ),
        (["--engine", "regopy", "--opa-no-upload"], "--opa-no-upload is only used with --engine"),
        (["--opa-no-upload"], "--engine auto chose regopy"),
    ],
)
def test_cli_usage_errors(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.delenv("ECRSCAN_OPA_URL", raising=False)
    path = tmp_path / "snapshot.json"
    write_json_atomic(synthetic.snapshot(3), path)
    assert main(["evaluate", str(path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.skipif(shutil.which("opa") is None, reason="no `opa` binary on PATH to serve")
def test_against_a_real_opa_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["opa", "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        snapshot = synthetic.snapshot(200)
        engine = partial(OpaServerEngine, url=f"http://127.0.0.1:{port}")
        remote = evaluate_snapshot(snapshot, POLICIES, CONFIG, engine_factory=engine)
        local = evaluate_snapshot(snapshot, POLICIES, CONFIG)
        assert _cells(remote.results) == _cells(local.results)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("opa did not start listening")

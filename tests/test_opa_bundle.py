"""`ecrscan bundle` and `--engine opa --opa-no-upload`: an OPA fleet that serves the controls as
a bundle gives the embedded engine's verdicts, and a server holding another bundle (other
policies, another configuration, missing controls) or none is refused before any verdict.

The bundle is loaded the way `opa run --server --bundle` loads it (tests/opa_fake_server.py:
manifest roots checked, writes under them refused) into Go OPA in-process."""

import json
import shutil
import socket
import subprocess
from functools import partial

import pytest
import yaml

from bench import synthetic
from scanner.cli import main
from scanner.config import config_from_mapping
from scanner.engines import opa_embedded
from scanner.engines.base import EngineError
from scanner.engines.opa_bundle import read_tarball, roots
from scanner.engines.opa_server import OpaServerEngine
from scanner.evaluate.catalog import load_policies, policy_digest
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.fileio import write_json_atomic
from scanner.resources import policy_dir

needs_go_opa = pytest.mark.skipif(
    not opa_embedded.available(), reason="the fake OPA server evaluates with Go OPA in-process"
)
POLICIES = load_policies(policy_dir())
SETTINGS = {
    "trusted_accounts": [synthetic.TRUSTED],
    "organization_id": "o-a1b2c3d4e5",
    "storage_price_per_gb_month": 0.00001,  # written 1e-05 by Python: must still load
}
CONFIG = config_from_mapping(SETTINGS)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "ecrscan.yaml"
    path.write_text(yaml.safe_dump(SETTINGS), encoding="utf-8")
    return path


def _bundle(tmp_path, *argv) -> bytes:
    output = tmp_path / "out" / "ecrscan.tar.gz"
    assert main(["bundle", "--output", str(output), *argv]) == 0
    return output.read_bytes()


@pytest.fixture
def bundle(tmp_path, config_file) -> bytes:
    return _bundle(tmp_path, "--config", str(config_file))


@pytest.fixture
def fleet(bundle):
    from tests.opa_fake_server import FakeOpaServer

    with FakeOpaServer() as server:
        server.load_bundle(bundle)
        yield server


def _cells(results):
    return {
        (r.control_id, r.resource_id): (r.status, r.severity, r.reason) for r in results.results
    }


def test_the_bundle_holds_manifest_controls_batch_package_and_configuration(bundle, tmp_path):
    files = read_tarball(bundle)
    manifest = json.loads(files.pop(".manifest"))
    assert manifest["rego_version"] == 1
    assert len(manifest["revision"]) == 32
    assert manifest["metadata"]["ecrscan"]["policy_digest"] == policy_digest(POLICIES.modules)
    assert manifest["metadata"]["ecrscan"]["controls"] == sorted(
        c.entrypoint for c in POLICIES.controls
    )
    assert manifest["roots"] == roots(POLICIES.modules.values())
    assert "ecrscan" in manifest["roots"] and "ecr/tag_immutability" in manifest["roots"]
    modules = {p: t.decode() for p, t in files.items() if p.endswith(".rego")}
    assert "ecrscan/batch.rego" in modules
    assert {f"ecr/{c.path.parent.name}/{c.path.name}" for c in POLICIES.controls} <= set(modules)
    assert len(modules) == len(POLICIES.modules) + 1
    data = json.loads(files["data.json"])
    assert data == {"ecrscan": {"config": CONFIG.policy_data()}}
    assert b"1e-05" not in files["data.json"] and b"0.00001" in files["data.json"]
    # The same inputs give the same bytes: a rebuilt bundle does not make a fleet reload.
    assert _bundle(tmp_path, "--config", str(tmp_path / "ecrscan.yaml")) == bundle


def test_roots_never_overlap():
    sources = ["package lib.aws\n", "package lib.aws.iam\n", "package ecrscan.custom\n", "x"]
    assert roots(sources) == ["ecrscan", "lib/aws"]


@needs_go_opa
def test_a_fleet_serving_the_bundle_gives_the_embedded_engines_verdicts(fleet):
    estate = synthetic.snapshot(400, accounts=2, vpcs_per_region=3, seed=16)
    served = partial(OpaServerEngine, url=fleet.url, upload=False)
    remote = evaluate_snapshot(estate, POLICIES, CONFIG, engine_factory=served)
    local = evaluate_snapshot(estate, POLICIES, CONFIG)
    assert remote.metadata["engine"] == "opa"
    assert _cells(remote) == _cells(local)
    assert len(_cells(local)) > 4000
    assert {r.status for r in local.results} >= {"PASS", "FAIL", "ERROR", "N/A"}
    assert fleet.puts() == []  # nothing uploaded
    assert set(fleet.posts()) == {"/v1/data/ecrscan/batch/answers", "/v1/data/ecrscan/batch/about"}


@needs_go_opa
def test_the_cli_evaluates_against_the_fleet_without_uploading(fleet, tmp_path, config_file):
    snapshot = tmp_path / "snapshot.json"
    write_json_atomic(synthetic.snapshot(60, vpcs_per_region=2), snapshot)
    outputs = {}
    for name, argv in {
        "fleet": ["--engine", "opa", "--opa-url", fleet.url, "--opa-no-upload"],
        "regopy": ["--engine", "regopy"],
    }.items():
        outputs[name] = tmp_path / f"{name}.json"
        output = ["--format", "json", "--output", str(outputs[name])]
        code = main(["evaluate", str(snapshot), "--config", str(config_file), *argv, *output])
        assert code in (1, 3)
    fleet_results, local_results = (json.loads(outputs[n].read_text()) for n in outputs)
    assert fleet_results["results"] == local_results["results"]
    assert fleet_results["metadata"]["engine"] == "opa"
    assert fleet_results["metadata"]["policy_digest"] == local_results["metadata"]["policy_digest"]
    assert fleet.puts() == []


@needs_go_opa
def test_uploading_to_a_bundle_server_is_refused_with_the_way_out(fleet, tmp_path, capsys):
    snapshot = tmp_path / "snapshot.json"
    write_json_atomic(synthetic.snapshot(3), snapshot)
    assert main(["evaluate", str(snapshot), "--engine", "opa", "--opa-url", fleet.url]) == 2
    err = capsys.readouterr().err
    assert "is owned by bundle" in err and "--opa-no-upload" in err
    assert err.count("\n") == 1


@needs_go_opa
@pytest.mark.parametrize(
    ("extra_module", "config", "extra_control", "message"),
    [
        (None, {"trusted_accounts": []}, None, "bundle holds another configuration"),
        ("package lib.extra\n\nx := 1\n", SETTINGS, None, "serves a bundle of other policies"),
        (None, SETTINGS, "ecr/extra/verdict", "its bundle lacks ecr/extra/verdict"),
    ],
)
def test_a_server_holding_another_bundle_is_refused(
    fleet, extra_module, config, extra_control, message
):
    modules = dict(POLICIES.modules)
    if extra_module:
        modules[str(policy_dir() / "lib" / "extra.rego")] = extra_module
    data = {"ecrscan": {"config": config_from_mapping(config).policy_data()}}
    wanted = [c.entrypoint for c in POLICIES.controls] + ([extra_control] if extra_control else [])
    with pytest.raises(EngineError, match=message) as refused:
        OpaServerEngine(modules, data, wanted, url=fleet.url, upload=False)
    assert "rebuild it with `ecrscan bundle`" in str(refused.value)


@needs_go_opa
def test_a_server_without_the_bundle_is_refused(tmp_path):
    from tests.opa_fake_server import FakeOpaServer

    data = {"ecrscan": {"config": CONFIG.policy_data()}}
    with FakeOpaServer() as empty, pytest.raises(EngineError, match="holds no ecrscan bundle"):
        OpaServerEngine(POLICIES.modules, data, [], url=empty.url, upload=False)


def test_bundle_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bundle"])  # --output is required
    assert exit_info.value.code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("storage_price_per_gb_month: .inf\n", encoding="utf-8")
    target = tmp_path / "b.tar.gz"
    assert main(["bundle", "--output", str(target), "--config", str(bad)]) == 2
    assert "storage_price_per_gb_month" in capsys.readouterr().err
    assert main(["bundle", "--output", str(tmp_path)]) == 2  # a directory
    assert "is a directory" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.skipif(shutil.which("opa") is None, reason="no `opa` binary on PATH to serve")
def test_a_real_opa_serving_the_bundle(tmp_path, bundle):
    path = tmp_path / "ecrscan.tar.gz"
    path.write_bytes(bundle)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["opa", "run", "--server", "--addr", f"127.0.0.1:{port}", "--bundle", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from tests.test_engine_opa_server import _wait_for_port

        _wait_for_port(port)
        estate = synthetic.snapshot(200)
        served = partial(OpaServerEngine, url=f"http://127.0.0.1:{port}", upload=False)
        remote = evaluate_snapshot(estate, POLICIES, CONFIG, engine_factory=served)
        assert _cells(remote) == _cells(evaluate_snapshot(estate, POLICIES, CONFIG))
    finally:
        server.terminate()
        server.wait(timeout=10)

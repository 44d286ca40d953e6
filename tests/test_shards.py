"""Evaluation in forked worker processes gives the results threads give, in the same order."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import synthetic
from scanner.config import config_from_mapping
from scanner.engines.base import EngineError
from scanner.engines.regopy import RegopyEngine
from scanner.evaluate import shards
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.resources import policy_dir

pytestmark = pytest.mark.skipif(
    not shards.usable(2, RegopyEngine), reason="worker processes need fork (POSIX)"
)


@pytest.fixture(scope="module")
def estate():
    snapshot = synthetic.snapshot(400, accounts=2)
    policies = load_policies(policy_dir())
    config = config_from_mapping({"trusted_accounts": [synthetic.TRUSTED]})
    return snapshot, policies, config


def _cells(results):
    return [(r.control_id, r.resource_id, r.status, r.severity, r.reason) for r in results.results]


def test_processes_and_threads_give_the_same_results_in_the_same_order(estate):
    snapshot, policies, config = estate
    threads = evaluate_snapshot(snapshot, policies, config, workers=2)
    processes = evaluate_snapshot(snapshot, policies, config, workers=3, processes=True)
    assert _cells(processes) == _cells(threads)
    assert processes.metadata["engine"] == threads.metadata["engine"] == "regopy"
    assert len(processes.results) > 4000


def test_one_worker_or_an_engine_that_cannot_fork_stays_in_process():
    assert not shards.usable(1, RegopyEngine)
    assert not shards.usable(2, object)  # an engine that has not said it can run in a fork


class _DyingEngine(RegopyEngine):
    """Dies the way a crashing native engine would: the worker process simply ends."""

    def verdicts(self, entrypoints, documents):
        os._exit(1)


def test_a_worker_that_dies_becomes_one_clear_error(estate):
    snapshot, policies, config = estate
    with pytest.raises(EngineError, match="worker process stopped"):
        evaluate_snapshot(
            snapshot,
            policies,
            config,
            engine_factory=_DyingEngine,
            workers=2,
            processes=True,
        )


_ORPHAN_PROBE = """
import sys, time
from bench import synthetic
from scanner.config import config_from_mapping
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.engines.regopy import RegopyEngine
from scanner.resources import policy_dir

class SlowEngine(RegopyEngine):
    def verdicts(self, entrypoints, documents):
        time.sleep(60)

if __name__ == "__main__":
    evaluate_snapshot(synthetic.snapshot(50), load_policies(policy_dir()), config_from_mapping({}),
                      engine_factory=SlowEngine, workers=2, processes=True)
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc")
def test_workers_end_with_a_parent_killed_outright(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(_ORPHAN_PROBE)
    parent = subprocess.Popen([sys.executable, str(probe)], cwd=Path.cwd())
    children_file = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
    workers: list[int] = []
    for _ in range(100):  # up to 20 s for the parent to load and fork
        time.sleep(0.2)
        workers = [int(p) for p in children_file.read_text().split()]
        if len(workers) == 2:
            break
    assert len(workers) == 2, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers):
        assert time.monotonic() < deadline, "a worker outlived its parent"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_cli_evaluates_in_processes_on_request(tmp_path, estate):
    import json

    from scanner.cli import main

    snapshot, _, _ = estate
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    outputs = {}
    for name, extra in {"threads": [], "processes": ["--processes"]}.items():
        out = tmp_path / f"{name}.json"
        code = main(["evaluate", str(path), "--format", f"json={out}", "--workers", "2", *extra])
        assert code in (1, 3)
        outputs[name] = [
            (r["control_id"], r["resource_id"], r["status"], r["reason"])
            for r in json.loads(out.read_text())["results"]
        ]
    assert outputs["processes"] == outputs["threads"]


def test_processes_need_the_embedded_engine(capsys):
    from scanner.cli import main

    code = main(["evaluate", "missing.json", "--processes", "--engine", "opa-embedded"])
    assert code == 2
    assert "--processes runs the embedded engine" in capsys.readouterr().err

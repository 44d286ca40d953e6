"""A SIGTERM is never lost: one that lands while `--processes` forks its workers still ends the
run with exit 143 and no output file (scanner.signals)."""

import os
import signal
import subprocess
import sys

import pytest

from bench import synthetic
from scanner import signals
from scanner.evaluate import shards
from scanner.fileio import write_json_atomic

pytestmark = pytest.mark.skipif(not shards.fork_available(), reason="--processes needs fork")


def _evaluate_with_a_sigterm_at_fork(tmp_path, kill: str):
    """Run `ecrscan evaluate --processes` in its own session, sending SIGTERM from inside the
    parent's at-fork callback: exactly while the workers are being forked."""
    snapshot, output = tmp_path / "snapshot.json", tmp_path / "results.json"
    write_json_atomic(synthetic.snapshot(30), snapshot)
    code = f"""
import os, signal, sys
os.register_at_fork(after_in_parent=lambda: {kill})
from scanner.cli import main
sys.exit(main(["evaluate", {str(snapshot)!r}, "--processes", "--workers", "2",
               "--format", "json", "--output", {str(output)!r}]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # its own process group: killpg reaches it and nothing else
    )
    return done, output


def test_a_sigterm_while_the_workers_are_forked_ends_the_run_with_143(tmp_path):
    done, output = _evaluate_with_a_sigterm_at_fork(
        tmp_path, "os.kill(os.getpid(), signal.SIGTERM)"
    )
    assert done.returncode == 143, done.stderr
    assert done.stderr.endswith("ecrscan: error: terminated; no output was written\n")
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    assert not output.exists()


def test_a_sigterm_to_the_whole_process_group_while_forking_ends_the_run_with_143(tmp_path):
    """What a container runtime or CI runner does: parent and workers get it together."""
    done, output = _evaluate_with_a_sigterm_at_fork(
        tmp_path, "os.killpg(os.getpgid(0), signal.SIGTERM)"
    )
    assert done.returncode == 143, done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    assert not output.exists()


def test_deferred_holds_a_signal_until_the_block_ends():
    caught = []
    previous = signal.signal(signal.SIGTERM, lambda *_: caught.append("term"))
    try:
        with signals.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            assert caught == []  # pending, not delivered
        assert caught == ["term"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_handler_records_the_signal_before_raising():
    signals.reset()
    with pytest.raises(signals.Terminated):
        signals.raise_terminated(signal.SIGTERM, None)
    assert signals.terminated()
    signals.reset()
    assert not signals.terminated()


def test_deferred_holds_a_signal_another_thread_takes():
    """The mask covers the calling thread only: a signal another thread takes must still wait.
    (In a fresh process: pytest-xdist's workers handle signals their own way.)"""
    code = """
import os, signal, threading
from scanner import signals
caught, fire, sent = [], threading.Event(), threading.Event()

def helper():
    fire.wait(10)
    os.kill(os.getpid(), signal.SIGTERM)  # taken by this thread, which does not block it
    sent.set()

thread = threading.Thread(target=helper)
thread.start()
signal.signal(signal.SIGTERM, lambda *_: caught.append("term"))
with signals.deferred():
    fire.set()
    sent.wait(10)
    for _ in range(10000):  # bytecodes enough for Python to run a handler
        pass
    print("inside", caught)
print("after", caught)
thread.join()
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout == "inside []\nafter ['term']\n", done.stderr

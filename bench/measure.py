"""Run one measurement in a fresh Python process and read back its figures and peak RSS.

A fresh process per size, so one size's peak memory does not hide in the next one's. The
emulated AWS server and its clients can be kept on CPUs of their own (`split_cpus`).
"""

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Fake credentials and no user configuration: nothing can reach (or bill) a real account.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@dataclass(frozen=True)
class CpuSplit:
    """CPUs for the emulated server and CPUs for the processes that call it."""

    server: frozenset[int]
    clients: frozenset[int]

    def as_json(self) -> dict[str, list[int]]:
        return {"server": sorted(self.server), "clients": sorted(self.clients)}


def split_cpus() -> CpuSplit | None:
    """One CPU for the server, another for its clients; None with fewer than two to give.

    AWS's servers do not run on the scanner's CPUs, but on loopback they do: left to the
    scheduler, the collector's threads and moto's land on the same CPU part of the time and
    the server slows by a tenth to a fifth (seen on two cores: wall over floor 1.20 to 1.25
    shared, 1.06 to 1.15 split). The ceiling's replay gets the clients' CPU too, so both sides
    of the ratio are measured alike.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    return CpuSplit(frozenset(allowed[:1]), frozenset(allowed[1:2]))


def _on(cpus: frozenset[int] | None):
    """A preexec_fn keeping the child on `cpus` (threads it starts inherit that), or None."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextlib.contextmanager
def serving(module: str, *args: str, cpus: frozenset[int] | None = None) -> Iterator[str]:
    """`python -m module args...` (bench.moto_counting or bench.faults) on loopback, with fake
    credentials, on `cpus` if given: yields its URL once it prints `READY <port>`, and stops it
    afterwards."""
    server = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # werkzeug logs every request (and every reset) there
        text=True,
        env=FAKE_AWS | {"PATH": "/usr/bin:/bin"},
        preexec_fn=_on(cpus),
    )
    try:
        line = server.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"{module} did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def answer(url: str, timeout: float = 30) -> Any:
    """What a bench server (bench.moto_counting, bench.faults) answers at one of its control
    URLs, as JSON."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def in_child(
    module: str, *args: str, timeout: float = 1800, cpus: frozenset[int] | None = None
) -> dict[str, Any]:
    """`python -m module args...` must print one JSON object last; add its peak RSS in MB.
    On `cpus` if given."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"} | FAKE_AWS
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=_on(cpus),
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{completed.stderr[-2000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = round(peak_rss_mb(figures.pop("ru_maxrss_kb")), 1)
    return figures


def own_peak_rss_kb() -> int:
    """This process's peak resident set (Linux reports ru_maxrss in kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024


class PeakMemory:
    """The most memory this process and its worker processes held at once, sampled.

    ru_maxrss cannot answer that for forked workers: each one's resident set counts the pages it
    shares with its parent, so summing them counts the snapshot several times. The proportional
    set size (Pss, /proc/PID/smaps_rollup) splits every shared page between its sharers, so the
    sum over the process tree is the memory the tree actually holds. Linux only; elsewhere the
    figure stays None.
    """

    def __init__(self, every_seconds: float = 0.2):
        self.every = every_seconds
        self.peak_kb: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        while True:
            total = sum(_pss_kb(pid) for pid in _tree(os.getpid()))
            self.peak_kb = max(self.peak_kb or 0, total)
            if self._stop.wait(self.every):
                return


def _tree(pid: int) -> list[int]:
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return pids


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # the process ended between listing and reading
    return 0

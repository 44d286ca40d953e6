"""Evaluation in forked worker processes, one share of the resources each (--processes).

Threads are the default, and on two cores the better choice: rego-cpp runs with the GIL released
(scanner/engines/_native_input.c hands it whole batches), so two threads reach about 1.7 times
one. The Python around the queries (memo, projection, results) still holds the GIL, about a
fifth of a worker's time, which caps threads at about five times one thread however many cores
there are; processes share nothing and keep scaling with cores. On the 2-core development
machine they are no faster than threads (100,000 repositories: 1,982/s against 2,182/s), so
they are worth their memory only on bigger machines.

The price is memory, which is why processes are asked for, not the default. Each worker is
forked, so it reads the snapshot the parent already holds without a copy being sent, and
gc.freeze() keeps the workers' garbage collector off the parent's pages; but merely reading an
object writes its reference count, so each worker ends up copying most of the pages it walks.
At 100,000 repositories the process tree peaks at about 2.4 times the memory of threads.

Worker k judges resources k, k + n, k + 2n, ... with its own engine and memo, and the parent puts
the answers back in resource order, so the results are the ones the threads would have produced,
in the same order. Fork exists only on POSIX; see `usable`.
"""

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scanner import signals
from scanner.engines.base import EngineError
from scanner.evaluate.results import RESULT_FIELDS, Result

# What a forked worker needs, set by the parent just before the fork: (job, workers).
_job: tuple[Callable[[int, int], list[list[Result]]], int] | None = None


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def usable(workers: int, engine_factory: Any) -> bool:
    return (
        workers > 1
        and getattr(engine_factory, "runs_in_worker_processes", False)
        and fork_available()
    )


def judge_in_processes(
    judge_share: Callable[[int, int], list[list[Result]]], workers: int
) -> list[Result]:
    """judge_share(k, n) -> the results of resources k, k + n, ... grouped per resource, as one
    worker process computes them; the parent interleaves the shares back into order."""
    global _job
    _job = (judge_share, workers)
    gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        # The workers are forked here: a SIGTERM or Ctrl-C meanwhile waits until they exist
        # (scanner.signals), instead of landing in an at-fork callback, where it would be lost.
        with signals.deferred():
            futures = [pool.submit(_judge_share, k) for k in range(workers)]
        gc.unfreeze()  # the workers exist now; the parent collects as usual again
        shares = [_rows(future.result()) for future in futures]
    except BrokenProcessPool:
        if signals.terminated():  # the same SIGTERM reached the workers first
            raise signals.Terminated from None
        raise EngineError(
            "an evaluation worker process stopped unexpectedly; "
            "rerun with --workers 1 to evaluate in one process"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers now, not after their share
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    finally:
        gc.unfreeze()
        _job = None
        pool.shutdown(wait=True, cancel_futures=True)
    results: list[Result] = []
    longest = max((len(share) for share in shares), default=0)
    for index in range(longest):
        for share in shares:
            if index < len(share):
                results += share[index]
    return results


def _start_worker(parent: int) -> None:
    # Ctrl-C reaches the whole process group; the parent decides what it means and stops the
    # workers itself, so they must not print a traceback of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, inherited by fork
    signals.unblock()  # forked while the parent held them back (signals.deferred)
    # A parent killed outright (SIGKILL, OOM killer) cannot stop its workers, and a forked worker
    # holds the write end of its own task pipe, so it would wait forever: on Linux, have the
    # kernel end it with its parent.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)


_PR_SET_PDEATHSIG = 1


def _judge_share(worker: int) -> list[list[tuple]]:
    assert _job is not None, "a worker process started without a job"
    judge_share, workers = _job
    # Plain tuples cross the process boundary: pickling them is several times cheaper than
    # pickling dataclass instances (200,000 results: 0.3 s against 2.1 s, both ways).
    return [[_row(r) for r in per_resource] for per_resource in judge_share(worker, workers)]


def _row(result: Result) -> tuple:
    return tuple(getattr(result, name) for name in RESULT_FIELDS)


def _rows(share: list[list[tuple]]) -> list[list[Result]]:
    return [[Result(*row) for row in per_resource] for per_resource in share]

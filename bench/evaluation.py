"""Evaluation over synthetic snapshots: repositories per second and peak RSS, per phase.

Each size runs in a fresh process (bench.measure.in_child): the snapshot is generated and written
by one process, then another does what `ecrscan evaluate SNAPSHOT --format json --output FILE`
does (load, validate, evaluate, write the results) and reports each phase's time and its own
peak RSS.
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.measure import PeakMemory, in_child, own_peak_rss_kb

REPOSITORIES_PER_ACCOUNT = 500  # 100,000 repositories = 200 accounts x 3 regions


def run(
    sizes: list[int], *, workers: int = 2, memoise: bool = True, processes: bool = False
) -> list[dict[str, Any]]:
    return [measure(size, workers=workers, memoise=memoise, processes=processes) for size in sizes]


def measure(
    repositories: int, *, workers: int = 2, memoise: bool = True, processes: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ecrscan-bench-") as scratch:
        snapshot = Path(scratch) / "snapshot.json"
        in_child("bench.evaluation", "--generate", str(repositories), str(snapshot))
        figures = in_child(
            "bench.evaluation",
            "--evaluate",
            str(snapshot),
            str(Path(scratch) / "results.json"),
            str(workers),
            "memoise" if memoise else "whole",
            "processes" if processes else "threads",
        )
    figures.update(repositories=repositories, workers=workers, memoise=memoise, processes=processes)
    evaluate = figures["seconds"]["evaluate"]
    figures["repositories_per_second"] = round(repositories / evaluate) if evaluate else None
    # CPU seconds do not depend on what else the machine runs: per core, at full use.
    evaluate_cpu = figures["cpu_seconds"]["evaluate"]
    figures["repositories_per_cpu_second"] = round(repositories / evaluate_cpu)
    end_to_end = sum(figures["seconds"].values())
    figures["end_to_end_repositories_per_second"] = round(repositories / end_to_end)
    return figures


def _cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def generate(repositories: int, path: str) -> None:
    accounts = max(1, repositories // REPOSITORIES_PER_ACCOUNT)
    snapshot = synthetic.snapshot(repositories, accounts=accounts)
    Path(path).write_text(json.dumps(snapshot), encoding="utf-8")
    print(json.dumps({"ru_maxrss_kb": own_peak_rss_kb()}))


def evaluate(
    snapshot_path: str, results_path: str, workers: int, memoise: bool, processes: bool
) -> None:
    """What `ecrscan evaluate SNAPSHOT --format json --output FILE` does, phase by phase."""
    from scanner import snapshot as snapshots
    from scanner.cli.options import emit_chunks
    from scanner.config import config_from_mapping
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot
    from scanner.render import json_format
    from scanner.resources import policy_dir

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    clock, cpu = time.perf_counter(), _cpu_seconds()

    def lap(phase: str) -> None:
        nonlocal clock, cpu
        now, now_cpu = time.perf_counter(), _cpu_seconds()
        seconds[phase], cpu_seconds[phase] = round(now - clock, 2), round(now_cpu - cpu, 2)
        clock, cpu = now, now_cpu

    with PeakMemory() as memory:
        snapshot = snapshots.read(snapshot_path)
        lap("load")
        snapshots.validate(snapshot)
        lap("validate")
        policies = load_policies(policy_dir())
        config = config_from_mapping({"trusted_accounts": [synthetic.TRUSTED]})
        results = evaluate_snapshot(
            snapshot, policies, config, workers=workers, memoise=memoise, processes=processes
        )
        lap("evaluate")
        emit_chunks(json_format.chunks(results), results_path)  # as `--format json --output` does
        lap("write_json")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "controls": len(policies.controls),
                "results": len(results.results),
                "ru_maxrss_kb": own_peak_rss_kb(),
                # Worker processes (scanner.evaluate.shards): the largest one's resident set,
                # which counts pages it shares with this process, and the whole tree's peak.
                "workers_peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
                "peak_pss_mb": round(memory.peak_kb / 1024, 1) if memory.peak_kb else None,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "--generate":
        generate(int(sys.argv[2]), sys.argv[3])
    else:
        evaluate(
            sys.argv[2],
            sys.argv[3],
            int(sys.argv[4]),
            sys.argv[5] == "memoise",
            sys.argv[6] == "processes",
        )

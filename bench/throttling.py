"""Collection under throttling: what 25% throttled requests cost, and proof they cost no verdict.

One moto server (bench.faults) with N repositories; the collector runs twice in a child process,
first fault-free, then with a share of the distinct ECR and EC2 requests answered
ThrottlingException / RequestLimitExceeded once before being served. Both snapshots are
evaluated; the verdicts must be identical (image digests aside: moto invents a new one each time
it describes an image).

Retries use botocore's "standard" mode: the emulator throttles a fixed share of requests
whatever the rate, which "adaptive" mode would answer by slowing the whole client to a crawl.
"""

import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.faults import injected, set_plan
from bench.measure import in_child, own_peak_rss_kb, serving
from bench.moto_counting import REGION

SHARE = 0.25
FAILURES = 1  # throttled answers per faulted request before it is served
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def run(sizes: list[int], share: float = SHARE) -> list[dict[str, Any]]:
    return [measure(size, share) for size in sizes]


def measure(repositories: int, share: float = SHARE) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        clean_path, throttled_path = Path(directory, "clean"), Path(directory, "throttled")
        with serving("bench.faults", "--repositories", str(repositories)) as url:
            clean = in_child("bench.throttling", "--child", url, str(clean_path))
            set_plan(url, {"share": share, "kinds": ["throttle"], "failures": FAILURES})
            throttled = in_child("bench.throttling", "--child", url, str(throttled_path))
            answered = injected(url)
        same, cells = _same_verdicts(clean_path, throttled_path)
    extra = throttled["wall_seconds"] - clean["wall_seconds"]
    return {
        "repositories": repositories,
        "throttled_share": share,
        "throttled_answers": answered.get("throttle", 0),
        "clean_seconds": clean["wall_seconds"],
        "throttled_seconds": throttled["wall_seconds"],
        "extra_seconds": round(extra, 2),
        "extra_percent": round(100 * extra / clean["wall_seconds"], 1),
        "collection_errors": throttled["collection_errors"],
        "cells": cells,
        "same_verdicts": same,
        "peak_rss_mb": throttled["peak_rss_mb"],
    }


def _same_verdicts(clean: Path, throttled: Path) -> tuple[bool, int]:
    from scanner.config import Config
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot
    from scanner.resources import policy_dir

    policies = load_policies(policy_dir())

    def cells(path: Path) -> dict:
        snapshot = json.loads(path.read_text())
        results = evaluate_snapshot(snapshot, policies, Config()).results
        return {
            (r.control_id, r.resource_id): (r.status, _DIGEST.sub("sha256:…", r.reason))
            for r in results
        }

    before, after = cells(clean), cells(throttled)
    return before == after, len(before)


def child(url: str, output: str) -> None:
    """In the measured process: one collection of REGION, its snapshot written to `output`."""
    import boto3

    from scanner.collect import collect_snapshot
    from scanner.collect.collector import inventory_errors
    from scanner.collect.session import ClientFactory, RetryBudget

    session = boto3.Session(region_name=REGION)
    clients = ClientFactory(session, endpoint_url=url, budget=RetryBudget(mode="standard"))
    started = time.perf_counter()
    snapshot = collect_snapshot(session, [REGION], clients=clients)
    wall = time.perf_counter() - started
    Path(output).write_text(json.dumps(snapshot), encoding="utf-8")
    errors = len(snapshot["errors"]) + sum(inventory_errors(s) for s in snapshot["inventory"])
    print(
        json.dumps(
            {
                "wall_seconds": round(wall, 2),
                "collection_errors": errors,
                "ru_maxrss_kb": own_peak_rss_kb(),
            }
        )
    )


if __name__ == "__main__":
    arguments = sys.argv[sys.argv.index("--child") + 1 :]
    child(*arguments)

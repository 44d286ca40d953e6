"""Collection against moto's server on loopback: wall time, requests per repository, peak RSS.

The server (bench.moto_counting) runs in its own process and counts every request by operation;
the collector runs in another, so its peak RSS is the collector's alone.
"""

import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

from bench.measure import FAKE_AWS, ROOT, in_child, own_peak_rss_kb
from bench.moto_counting import COUNTS_PATH, REGION

# Calls made once per region (or per page of a listing), whatever the number of repositories.
PER_REPOSITORY_THRESHOLD = 0.5  # an operation called at least this often per repository


def run(sizes: list[int]) -> list[dict[str, Any]]:
    return [measure(size) for size in sizes]


def measure(repositories: int, consumers: bool = False) -> dict[str, Any]:
    """One collection of a seeded estate; with consumers, ECS services and image functions too
    (bench.moto_consumers), and the requests they add, per service and per function."""
    command = [sys.executable, "-m", "bench.moto_counting", "--repositories", str(repositories)]
    server = subprocess.Popen(
        command + (["--consumers"] if consumers else []),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # werkzeug logs every request there
        text=True,
        env=FAKE_AWS | {"PATH": "/usr/bin:/bin"},
    )
    try:
        url = f"http://127.0.0.1:{_ready_port(server)}"
        figures = in_child("bench.collection", "--child", url)
        counts = _counts(url)
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = summarise(repositories, figures, counts)
    if consumers:
        from bench.consumer_requests import consumer_requests

        summary["consumers"] = consumer_requests(repositories, counts, figures)
    return summary


def summarise(repositories: int, figures: dict, counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    per_repository = {
        op: n for op, n in counts.items() if n >= PER_REPOSITORY_THRESHOLD * repositories
    }
    return {
        "repositories": repositories,
        "wall_seconds": figures["wall_seconds"],
        "peak_rss_mb": figures["peak_rss_mb"],
        "requests": total,
        "requests_per_repository": round(total / repositories, 2),
        "per_repository_requests_per_repository": round(
            sum(per_repository.values()) / repositories, 2
        ),
        "per_repository_operations": sorted(per_repository),
        "by_operation": dict(sorted(counts.items())),
        "repositories_collected": figures["repositories_collected"],
    }


def _ready_port(server: subprocess.Popen) -> int:
    line = server.stdout.readline()
    if not line.startswith("READY "):
        raise RuntimeError(f"moto server did not start: {line!r}")
    return int(line.split()[1])


def _counts(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url + COUNTS_PATH, timeout=30) as response:
        return json.loads(response.read())


def child(url: str) -> None:
    """In the measured process: one collection of REGION through the server."""
    import boto3

    from scanner.collect import collect_snapshot

    session = boto3.Session(region_name=REGION)
    started = time.perf_counter()
    snapshot = collect_snapshot(session, [REGION], endpoint_url=url)
    wall = time.perf_counter() - started
    collected = sum(len(scope["repositories"] or ()) for scope in snapshot["inventory"])
    kinds = [c["kind"] for scope in snapshot["inventory"] for c in scope.get("consumers") or ()]
    print(
        json.dumps(
            {
                "wall_seconds": round(wall, 2),
                "repositories_collected": collected,
                "services_collected": kinds.count("ecs-service"),
                "functions_collected": kinds.count("lambda-function"),
                "ru_maxrss_kb": own_peak_rss_kb(),
            }
        )
    )


if __name__ == "__main__":
    child(sys.argv[sys.argv.index("--child") + 1])

"""Collection against moto's server on loopback: wall time, requests per repository, peak RSS,
and the wall time over the floor the server's own ceiling sets.

The server (bench.moto_counting) runs in its own process and counts (and records) every request
by operation; the collector runs in another, so its peak RSS is the collector's alone. Given two
CPUs, the server has one and the collector (and the replay) the other, as AWS's servers are not
on the scanner's CPUs (bench.measure.split_cpus). After each collection its recorded requests
are sent again as fast as the server answers (bench.ceiling): `requests / ceiling` is the
shortest a collection of that estate can take on that server, and wall / floor says how much of
the time the collector leaves the server idle. The server's CPU seconds during the collection
ask the same of the collection itself: wall / busy floor (round_figures says why both).
"""

import json
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import ceiling
from bench.measure import answer, in_child, own_peak_rss_kb, serving, split_cpus
from bench.moto_counting import COUNTS_PATH, REGION, RESET_PATH

# Calls made once per region (or per page of a listing), whatever the number of repositories.
PER_REPOSITORY_THRESHOLD = 0.5  # an operation called at least this often per repository
# Collections measured per size, each followed by replays of its requests: a 500-repository
# collection lasts three seconds, which one busy moment on a shared machine can skew. Odd, so
# that the median is a round.
ROUNDS = 5


def run(sizes: list[int]) -> list[dict[str, Any]]:
    return [measure(size) for size in sizes]


def measure(repositories: int, consumers: bool = False, rounds: int = ROUNDS) -> dict[str, Any]:
    """Collections of a seeded estate, each followed by the server's ceiling for its requests;
    with consumers, ECS services and image functions too, and the requests they add."""
    extra = ["--consumers"] if consumers else []
    split = split_cpus()
    server_cpus, client_cpus = (split.server, split.clients) if split else (None, None)
    server = serving(
        "bench.moto_counting", "--repositories", str(repositories), *extra, cpus=server_cpus
    )
    measured = []
    with server as url, tempfile.TemporaryDirectory() as directory:
        # moto builds some of its state on first use (seconds of its CPU for an estate):
        # one collection first, so the measured ones and the ceiling see a warm server.
        in_child("bench.collection", "--child", url, cpus=client_cpus)
        for _ in range(rounds):
            _reset(url)  # forget what was recorded, the replays included
            before = ceiling.server_cpu_seconds(url)
            figures = in_child("bench.collection", "--child", url, cpus=client_cpus)
            figures["server_cpu_seconds"] = ceiling.server_cpu_seconds(url) - before
            counts = _counts(url)
            limit = ceiling.measure(
                url, ceiling.recorded_requests(url), Path(directory), cpus=client_cpus
            )
            measured.append((figures, counts, limit))
    # Each collection is set against the replays that follow it, under the same conditions
    # (a busy spell on a shared machine lasts seconds); the round with the median ratio
    # stands for the size, so one lucky or unlucky moment on either side moves nothing.
    rounds_seen = [round_figures(*m) for m in measured]
    median = sorted(range(rounds), key=lambda i: rounds_seen[i]["wall_over_floor"])[rounds // 2]
    figures, counts, _ = measured[median]
    summary = summarise(repositories, figures, counts) | rounds_seen[median]
    summary["median_round"] = median  # which of the rounds below stands for the size
    summary["ceiling_measurements"] = [limit["by_concurrency"] for _, _, limit in measured]
    summary["collection_wall_seconds"] = [m[0]["wall_seconds"] for m in measured]
    summary["wall_over_floor_rounds"] = [r["wall_over_floor"] for r in rounds_seen]
    # The busy-floor ratio is measured within each collection: its own median stands.
    busy_ratios = [r["wall_over_busy_floor"] for r in rounds_seen]
    summary["wall_over_busy_floor_rounds"] = busy_ratios
    summary["wall_over_busy_floor"] = sorted(busy_ratios)[rounds // 2]
    summary["server_busy_rounds"] = [
        {"collection": r["server_busy_share"], "replay": r["replay_server_busy_share"]}
        for r in rounds_seen
    ]
    summary["cpus"] = split.as_json() if split else None
    if consumers:
        from bench.consumer_requests import consumer_requests

        summary["consumers"] = consumer_requests(repositories, counts, figures)
    return summary


def round_figures(figures: dict, counts: dict[str, int], limit: dict) -> dict[str, Any]:
    """One round: the server's ceiling (requests/s, the best of its replays), the floor it sets
    for the collection's requests, and the collection's wall time over it.

    And the same question asked of the server's CPU during the collection itself: how busy it
    was (CPU seconds over wall time, on a CPU of its own) against the busiest its replays kept
    it. A host whose speed changes from second to second moves the replay-based floor away from
    the collection it is set against (the server's CPU per request went from 2.1 to 3.3 ms
    between rounds seconds apart); the busy share is measured while the collection runs.
    """
    rate = limit["requests_per_second"]
    requests = sum(counts.values())
    floor = requests / rate
    busy = figures["server_cpu_seconds"] / figures["wall_seconds"]
    return {
        "server_ceiling_requests_per_second": round(rate, 1),
        "floor_seconds": round(floor, 2),
        "wall_over_floor": round(figures["wall_seconds"] / floor, 2),
        "server_busy_share": round(busy, 2),
        "replay_server_busy_share": round(limit["server_busy_share"], 2),
        # The collection's own floor: its server CPU, at the busiest share a replay reached.
        "wall_over_busy_floor": round(limit["server_busy_share"] / busy, 2),
        "server_cpu_ms_per_request": round(1000 * figures["server_cpu_seconds"] / requests, 2),
    }


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
        "collector_cpu_seconds": figures.get("cpu_seconds"),
    }


def _reset(url: str) -> None:
    request = urllib.request.Request(url + RESET_PATH, data=b"", method="POST")
    urllib.request.urlopen(request, timeout=30).close()


def _counts(url: str) -> dict[str, int]:
    return answer(url + COUNTS_PATH)


def child(url: str) -> None:
    """In the measured process: one collection of REGION through the server."""
    import boto3

    from scanner.collect import collect_snapshot

    session = boto3.Session(region_name=REGION)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    snapshot = collect_snapshot(session, [REGION], endpoint_url=url)
    wall = time.perf_counter() - started
    collected = sum(len(scope["repositories"] or ()) for scope in snapshot["inventory"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kinds = [c["kind"] for scope in snapshot["inventory"] for c in scope.get("consumers") or ()]
    print(
        json.dumps(
            {
                "wall_seconds": round(wall, 2),
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
                "repositories_collected": collected,
                "services_collected": kinds.count("ecs-service"),
                "functions_collected": kinds.count("lambda-function"),
                "ru_maxrss_kb": own_peak_rss_kb(),
            }
        )
    )


if __name__ == "__main__":
    child(sys.argv[sys.argv.index("--child") + 1])

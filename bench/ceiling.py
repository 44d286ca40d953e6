"""The emulated server's own ceiling for the requests a collection made, and the floor it sets.

The counting middleware (bench.moto_counting) records every request of the collection. They
are then sent again, exactly as recorded, by plain HTTP clients on keep-alive connections in a
separate process, as fast as the server answers, with several connections in flight; the best
rate over a few concurrency levels is the server's ceiling for that mix of operations. A
collection cannot finish before `requests / ceiling` seconds (the floor); its wall time over
that floor says how much of the time it leaves the server idle.

moto does not check signatures, and every recorded request only reads, so replaying them
changes nothing and is answered as the collection's were.
"""

import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.measure import answer, in_child

RECORDED_PATH = "/_bench/recorded"
# GET: the server process's CPU seconds so far (all its threads).
CPU_PATH = "/_bench/cpu"
# Connections in flight while replaying; the best rate of these is the ceiling.
CONCURRENCY = (4, 8, 16)
# Headers http.client writes itself when the request is sent again.
_SET_BY_CLIENT = ("HTTP_HOST", "HTTP_CONTENT_LENGTH", "HTTP_CONNECTION")


def server_cpu_seconds(url: str) -> float:
    return answer(url + CPU_PATH)["cpu_seconds"]


def recorded_requests(url: str) -> list[dict[str, Any]]:
    return answer(url + RECORDED_PATH, timeout=60)


def record(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """What replaying a request needs, from its WSGI environ (bench.moto_counting calls it)."""
    query = environ.get("QUERY_STRING")
    # Every header the collector sent (user agent, invocation id, signature ...): moto reads
    # them all, so a replay without them would cost the server less than the collection did.
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_") and key not in _SET_BY_CLIENT
    }
    if "CONTENT_TYPE" in environ:
        headers["content-type"] = environ["CONTENT_TYPE"]
    return {
        "method": environ.get("REQUEST_METHOD", "POST"),
        "path": environ.get("PATH_INFO", "/") + (f"?{query}" if query else ""),
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
    }


def measure(
    url: str, requests: list[dict[str, Any]], directory: Path, cpus: frozenset[int] | None = None
) -> dict[str, Any]:
    """The best rate replaying `requests` (requests/s), from a process on `cpus` (the
    collector's, when the server has CPUs of its own), and the busiest the server was during a
    replay: its CPU seconds over the replay's duration (about 0.99 of its one CPU)."""
    path = directory / "recorded.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    rates, busy = {}, {}
    for concurrency in CONCURRENCY:
        before = server_cpu_seconds(url)
        rates[concurrency] = in_child(
            "bench.ceiling", "--child", url, str(path), str(concurrency), cpus=cpus
        )["requests_per_second"]
        seconds = len(requests) / rates[concurrency]
        busy[concurrency] = round((server_cpu_seconds(url) - before) / seconds, 3)
    return {
        "requests_per_second": max(rates.values()),
        "by_concurrency": rates,
        "server_busy_share": max(busy.values()),
        "server_busy_by_concurrency": busy,
    }


def replay(url: str, requests: list[dict[str, Any]], concurrency: int) -> float:
    """Send every request once over `concurrency` keep-alive connections; requests/second."""
    target = urllib.parse.urlsplit(url)
    queue = list(reversed(requests))
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                request = queue.pop()
            status = _send(connection, request)
            if status >= 500:
                failures.append(f"{status} for {request['path']}")
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the replay was not answered as the collection was: {failures[:3]}")
    return len(requests) / elapsed


def _send(connection: http.client.HTTPConnection, request: dict[str, Any]) -> int:
    body = base64.b64decode(request["body"])
    for attempt in range(2):  # a keep-alive connection the server closed is opened again
        try:
            connection.request(request["method"], request["path"], body, request["headers"])
            response = connection.getresponse()
            response.read()
            return response.status
        except (http.client.HTTPException, ConnectionError):
            connection.close()
            if attempt:
                raise
    raise AssertionError("unreachable")


def child(url: str, path: str, concurrency: str) -> None:
    from bench.measure import own_peak_rss_kb

    requests = json.loads(Path(path).read_text(encoding="utf-8"))
    rate = replay(url, requests, int(concurrency))
    print(json.dumps({"requests_per_second": round(rate, 1), "ru_maxrss_kb": own_peak_rss_kb()}))


if __name__ == "__main__":
    child(*sys.argv[sys.argv.index("--child") + 1 :])

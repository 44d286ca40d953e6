"""A smoke run of the benchmark code paths (tiny sizes, seconds, no timing assertions)."""

import base64
import io
import json
import os

import pytest

from bench import collection, evaluation, html
from bench.__main__ import table
from bench.moto_counting import COUNTS_PATH, RequestCounter


def _call(app, environ):
    status = []
    body = b"".join(app(environ, lambda s, headers: status.append(s)))
    return status[0], body


def test_the_middleware_counts_json_and_query_operations_and_passes_bodies_on():
    seen = []

    def backend(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"ok"]

    counter = RequestCounter(backend)
    auth = "AWS4-HMAC-SHA256 Credential=testing/20261128/eu-west-1/{}/aws4_request, ..."
    ecr = {
        "HTTP_AUTHORIZATION": auth.format("ecr"),
        "HTTP_X_AMZ_TARGET": "AmazonEC2ContainerRegistry_V20150921.ListTagsForResource",
        "wsgi.input": io.BytesIO(b"{}"),
        "CONTENT_LENGTH": "2",
    }
    query = b"Action=DescribeVpcs&Version=2016-11-15"
    ec2 = {
        "HTTP_AUTHORIZATION": auth.format("ec2"),
        "wsgi.input": io.BytesIO(query),
        "CONTENT_LENGTH": str(len(query)),
    }
    for environ in (ecr, dict(ecr, **{"wsgi.input": io.BytesIO(b"{}")}), ec2):
        assert _call(counter, environ)[0] == "200 OK"
    assert seen[-1] == query  # moto still reads the body the counter read
    _, body = _call(counter, {"PATH_INFO": COUNTS_PATH})
    assert json.loads(body) == {"ecr:ListTagsForResource": 2, "ec2:DescribeVpcs": 1}


def test_an_operation_moto_lacks_is_refused_at_once_not_retried():
    def backend(environ, start_response):
        raise NotImplementedError("The describe_x action has not been implemented")

    status, body = _call(RequestCounter(backend), {"HTTP_X_AMZ_TARGET": "X.DescribeX"})
    assert status.startswith("400") and b"ValidationException" in body


def test_collection_bench_against_a_moto_server():
    figures = collection.measure(12, rounds=3)
    assert figures["repositories_collected"] == 12
    # Each collection is set against the best of the replays after it; the median round stands.
    ratios = figures["wall_over_floor_rounds"]
    assert len(ratios) == len(figures["ceiling_measurements"]) == 3
    assert figures["wall_over_floor"] == sorted(ratios)[1]
    # Two rounds can round to the same ratio: the results name the round that stands.
    median = figures["median_round"]
    assert ratios[median] == figures["wall_over_floor"]
    assert figures["wall_seconds"] == figures["collection_wall_seconds"][median]
    best = max(figures["ceiling_measurements"][median].values())
    assert figures["server_ceiling_requests_per_second"] == round(best, 1)
    assert figures["requests"] == sum(figures["by_operation"].values())
    counts = figures["by_operation"]
    assert counts["sts:GetCallerIdentity"] == 1  # the warm-up collection is not counted
    assert counts["ecr:DescribeRepositories"] >= 1
    for op in figures["per_repository_operations"]:
        assert counts[op] >= 6
    # Four of the twelve are under ENHANCED scanning: one ListFindings call for them all;
    # three use one of the shared KMS keys each: one DescribeKey per key.
    assert counts["inspector2:ListFindings"] == 1
    assert counts["kms:DescribeKey"] == 3
    assert figures["peak_rss_mb"] > 0
    assert figures["server_ceiling_requests_per_second"] > 0
    assert figures["floor_seconds"] > 0 and figures["wall_over_floor"] > 0
    # The server's busy share during each collection and during its busiest replay: a share of
    # one CPU when the server has one of its own.
    busy = figures["server_busy_rounds"]
    assert len(busy) == 3 and all(r["collection"] > 0 and r["replay"] > 0 for r in busy)
    if figures["cpus"]:
        assert all(r["collection"] <= 1.05 and r["replay"] <= 1.05 for r in busy)
    assert all(ratio > 0 for ratio in figures["wall_over_busy_floor_rounds"])
    assert figures["wall_over_busy_floor"] == sorted(figures["wall_over_busy_floor_rounds"])[1]
    assert figures["server_cpu_ms_per_request"] > 0
    assert "wall/busy floor" in table({"collection": [figures], "evaluation": []})


def test_the_middleware_records_requests_for_the_replay_and_forgets_them_on_reset():
    from bench.ceiling import CPU_PATH, RECORDED_PATH
    from bench.moto_counting import RESET_PATH

    counter = RequestCounter(lambda environ, start_response: start_response("200 OK", []) or [])
    body = b'{"repositoryName": "team/api"}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_X_AMZ_TARGET": "AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy",
        "CONTENT_TYPE": "application/x-amz-json-1.1",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    _call(counter, environ)
    (recorded,) = json.loads(_call(counter, {"PATH_INFO": RECORDED_PATH})[1])
    assert recorded["headers"]["x-amz-target"].endswith("GetLifecyclePolicy")
    assert recorded["headers"]["content-type"] == "application/x-amz-json-1.1"
    assert base64.b64decode(recorded["body"]) == body
    _call(counter, {"PATH_INFO": RESET_PATH, "REQUEST_METHOD": "POST"})
    assert json.loads(_call(counter, {"PATH_INFO": RECORDED_PATH})[1]) == []
    # The server's own CPU seconds, which the busy floor is measured with: not a request.
    cpu = json.loads(_call(counter, {"PATH_INFO": CPU_PATH})[1])["cpu_seconds"]
    sum(range(2_000_000))  # some CPU in this process, which is the server's here
    assert json.loads(_call(counter, {"PATH_INFO": CPU_PATH})[1])["cpu_seconds"] > cpu
    assert json.loads(_call(counter, {"PATH_INFO": COUNTS_PATH})[1]) == {}


def test_evaluation_bench_reports_each_phase():
    figures = evaluation.measure(40)
    assert set(figures["seconds"]) == {"load", "validate", "evaluate", "write_json"}
    assert figures["results"] >= 40 * figures["controls"] // 2
    assert figures["peak_rss_mb"] > 0
    text = table({"collection": [], "evaluation": [figures]})
    assert "evaluate" in text and str(figures["repositories"]) in text


def test_evaluation_bench_counts_worker_processes():
    figures = evaluation.measure(40, processes=True)
    assert figures["processes"] is True
    assert figures["workers_peak_rss_mb"] > 0  # the forked workers ran and were waited for
    if figures["peak_pss_mb"] is not None:  # Linux: the process tree was sampled
        assert figures["peak_pss_mb"] > 0
    assert "processes" in table({"collection": [], "evaluation": [figures]})


def test_html_bench_renders_and_opens_a_report():
    figures = html.measure(150, runs=1)
    assert figures["repositories"] == 150 and figures["verdicts"] > 150 * 10
    assert figures["megabytes"] > 0
    if figures.get("chromium") != "not installed":
        assert figures["ready_ms"] > 0 and figures["headless_seconds"] > 0


def test_consumer_collection_bench_reports_what_consumers_add():
    from bench.__main__ import consumers_table

    figures = collection.measure(20, consumers=True, rounds=1)
    consumers = figures["consumers"]
    assert (consumers["services_collected"], consumers["functions_collected"]) == (2, 1)
    assert consumers["by_operation"]["iam:GetAccountAuthorizationDetails"] == 1
    assert consumers["by_operation"]["lambda:GetFunction"] == 1
    assert consumers["image_lookups"] >= 3  # one per referenced repository, more for a missing tag
    assert consumers["added_requests"] == sum(consumers["by_operation"].values())
    assert "ECS requests" in consumers_table([figures])


def test_the_server_and_its_clients_get_cpus_of_their_own(monkeypatch):
    import subprocess
    import sys

    from bench import measure

    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("CPU affinity is Linux's")
    monkeypatch.setattr(measure.os, "sched_getaffinity", lambda pid: {5, 3, 7})
    split = measure.split_cpus()
    assert (split.server, split.clients) == ({3}, {5})
    assert split.as_json() == {"server": [3], "clients": [5]}
    monkeypatch.setattr(measure.os, "sched_getaffinity", lambda pid: {2})
    assert measure.split_cpus() is None  # one CPU: nothing to split
    monkeypatch.undo()

    cpu = min(os.sched_getaffinity(0))
    probe = [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"]
    pinned = subprocess.run(
        probe, preexec_fn=measure._on(frozenset({cpu})), capture_output=True, text=True
    )
    assert pinned.stdout.strip() == f"[{cpu}]"

"""Faults on the wire: throttling, 500s, resets, slow answers, AccessDenied and a deadline.

A moto server in its own process (bench.faults) sits behind a middleware that answers a chosen,
seeded share of the requests with a fault. Every scan here goes through the real CLI over HTTP
on loopback with a small retry budget, and is compared cell by cell with a fault-free scan:
a cell either equals the fault-free verdict or is ERROR naming why; nothing is dropped.
"""

import json
import re
import time
from pathlib import Path

import pytest

from bench.faults import ALWAYS, injected, set_plan
from bench.measure import serving
from scanner.cli import main

REGIONS = ("eu-west-1", "us-east-1")
REPOSITORIES_PER_REGION = 30
# Small budgets keep the suite fast; "standard" retries because the emulator throttles a fixed
# share of requests whatever the rate, which adaptive mode would answer by crawling.
BUDGET = ("--max-attempts", "3", "--connect-timeout", "1", "--read-timeout", "1")
BUDGET += ("--retry-mode", "standard")


@pytest.fixture(scope="module")
def server(module_aws_env):
    regions = [arg for region in REGIONS for arg in ("--region", region)]
    with serving("bench.faults", "--repositories", str(REPOSITORIES_PER_REGION), *regions) as url:
        yield url


def _plan(url: str, **plan) -> None:
    set_plan(url, plan)


def _scan(url: str, directory: Path, *extra: str) -> tuple[int, dict, dict]:
    """(exit code, results, snapshot) of `ecrscan scan` against the server."""
    results, snapshot = directory / "results.json", directory / "snapshot.json"
    regions = [a for r in REGIONS for a in ("--region", r)]
    outputs = ["--format", "json", "--output", str(results), "--save-snapshot", str(snapshot)]
    code = main(["scan", *regions, "--endpoint-url", url, *BUDGET, "--quiet", *outputs, *extra])
    return code, json.loads(results.read_text()), json.loads(snapshot.read_text())


# moto makes up a new digest for an image each time DescribeImages describes it, so two
# fault-free scans differ in the digests their reasons quote, and in nothing else.
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _cells(results: dict) -> dict[tuple[str, str], dict]:
    return {
        (r["control_id"], r["resource_id"]): r | {"reason": _DIGEST.sub("sha256:…", r["reason"])}
        for r in results["results"]
    }


@pytest.fixture(scope="module")
def fault_free(server, tmp_path_factory):
    _plan(server)
    code, results, _ = _scan(server, tmp_path_factory.mktemp("fault-free"))
    assert code in (0, 1)
    assert not [r for r in results["results"] if r["status"] == "ERROR"]
    assert len(results["results"]) > 2 * REPOSITORIES_PER_REGION * 10
    return code, _cells(results)


def _snapshot_errors(snapshot: dict) -> list[dict]:
    found = list(snapshot["errors"])
    for scope in snapshot["inventory"]:
        for holder in (scope, scope["registry"], scope["network"], *(scope["repositories"] or ())):
            found += holder["errors"].values()
    return found


def _assert_kept_or_marked(baseline: dict, results: dict, snapshot: dict) -> list[dict]:
    """Every cell equals the fault-free one or is ERROR with a recorded cause; none is lost.

    Returns the ERROR cells."""
    cells = _cells(results)
    codes = {error["code"] for error in _snapshot_errors(snapshot)}
    errors = []
    for key, cell in cells.items():
        if cell["status"] == "ERROR":
            assert any(code in cell["reason"] for code in codes), cell
            errors.append(cell)
        else:
            assert key in baseline, cell
            assert (cell["status"], cell["reason"]) == (
                baseline[key]["status"],
                baseline[key]["reason"],
            ), key
    gaps = {(c["control_id"], c["region"]) for c in errors if c["resource_name"] == "*"}
    for key, cell in baseline.items():
        assert key in cells or (cell["control_id"], cell["region"]) in gaps, key
    return errors


@pytest.mark.parametrize(
    "kinds", [["throttle"], ["throttle", "internal", "reset"]], ids=["throttling", "mixed"]
)
def test_faults_that_retries_outlast_change_no_verdict(server, fault_free, tmp_path, kinds):
    """25% of ECR and EC2 requests (both regions) fail once, then succeed on the retry."""
    _plan(server, share=0.25, kinds=kinds, failures=1)
    code, results, snapshot = _scan(server, tmp_path)
    assert set(injected(server)) == set(kinds), "every kind of fault was answered"
    # Each call has its own attempts (no scan-wide retry quota), so every kind is outlasted.
    assert _snapshot_errors(snapshot) == []
    assert code == fault_free[0]
    assert _cells(results) == fault_free[1]


def test_faults_that_outlast_retries_become_error_cells_and_exit_3(server, fault_free, tmp_path):
    _plan(
        server,
        share=0.1,
        kinds=["throttle", "internal", "reset", "slow"],
        failures=ALWAYS,
        slow_seconds=1.5,
    )
    code, results, snapshot = _scan(server, tmp_path)
    assert code == 3
    errors = _assert_kept_or_marked(fault_free[1], results, snapshot)
    assert errors and len(errors) < len(results["results"]) / 2
    codes = {error["code"] for error in _snapshot_errors(snapshot)}
    # The JSON protocol's ThrottlingException and EC2's RequestLimitExceeded both reached us.
    assert {"ThrottlingException", "RequestLimitExceeded"} <= codes, codes
    assert codes & {"ConnectionClosedError", "ReadTimeoutError"}, codes


def test_access_denied_on_an_operation_in_one_region(server, fault_free, tmp_path):
    _plan(
        server,
        deny=[
            {"operation": "ecr:GetRepositoryPolicy", "region": "us-east-1"},
            {"operation": "ec2:DescribeVpcEndpoints", "region": "*"},
        ],
    )
    code, results, snapshot = _scan(server, tmp_path)
    assert code == 3
    errors = _assert_kept_or_marked(fault_free[1], results, snapshot)
    by_control = {(c["control_id"], c["region"]) for c in errors}
    assert ("ecr-repository-policy", "us-east-1") in by_control
    assert ("ecr-repository-policy", "eu-west-1") not in by_control
    assert {c["control_id"] for c in errors} == {
        "ecr-repository-policy",
        "vpc-ecr-endpoints",
        "vpc-ecr-endpoints-depth",
    }
    assert all(
        "AccessDeniedException" in c["reason"] or "Unauthorized" in c["reason"] for c in errors
    )


def test_a_deadline_ends_a_stuck_scan_with_what_it_has(server, fault_free, tmp_path):
    """Every answer is slower than the read timeout: without a deadline this scan would take
    minutes; with one it stops, writes the snapshot and marks what it lacks."""
    _plan(server, share=1.0, kinds=["slow"], failures=ALWAYS, slow_seconds=1.5)
    # The deadline runs from the moment collection starts: on a loaded machine the session and
    # STS (not slowed) may take a second or two of it, so it leaves room for them.
    started = time.monotonic()
    code, results, snapshot = _scan(server, tmp_path, "--deadline", "5s")
    elapsed = time.monotonic() - started
    assert code == 3
    # Overrun: at most one read timeout plus one retry backoff past the deadline (and start-up).
    assert elapsed < 5 + 1 + 1 + 6, elapsed
    codes = {error["code"] for error in _snapshot_errors(snapshot)}
    assert "DeadlineExceeded" in codes, codes
    errors = _assert_kept_or_marked(fault_free[1], results, snapshot)
    assert len(errors) == len(results["results"])


def test_a_passed_deadline_fails_calls_without_sending_them(aws_env):
    """Nothing listens on the endpoint: a call that tried to send would fail another way."""
    import boto3

    from scanner.collect.calls import Deadline, OperationFailed, call, paginate
    from scanner.collect.session import ClientFactory

    now = [0.0]
    deadline = Deadline(5, clock=lambda: now[0])
    clients = ClientFactory(
        boto3.Session(region_name="eu-west-1"),
        endpoint_url="http://127.0.0.1:9",
        deadline=deadline,
    )
    ecr = clients.client("ecr", "eu-west-1")
    now[0] = 5.0
    for attempt in (
        lambda: call(ecr, "DescribeRegistry"),
        lambda: paginate(ecr, "DescribeRepositories", "repositories"),
    ):
        with pytest.raises(OperationFailed) as failed:
            attempt()
        assert failed.value.code == "DeadlineExceeded"
        assert "5 s --deadline" in failed.value.message


@pytest.mark.parametrize(
    "option",
    [
        ("--deadline", "soon"),
        ("--deadline", "0"),
        ("--max-attempts", "0"),
        ("--max-workers", "0"),
        ("--max-workers", "65"),
        ("--connect-timeout", "nan"),
        ("--read-timeout", "inf"),
    ],
)
def test_bad_budget_options_are_usage_errors(option, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["collect", "--region", "eu-west-1", *option])
    assert exited.value.code == 2
    assert option[0] in capsys.readouterr().err


def test_durations():
    from scanner.cli.collect_cmd import _duration

    assert [_duration(t) for t in ("90", "90s", "1.5m", "1h")] == [90, 90, 90, 3600]


def test_clients_of_an_assumed_role_keep_the_budget_and_the_deadline(aws_env):
    import boto3

    from scanner.collect.calls import Deadline
    from scanner.collect.session import ClientFactory, RetryBudget

    budget, deadline = RetryBudget(2, 1, 1, "standard"), Deadline(60)
    caller = ClientFactory(boto3.Session(region_name="eu-west-1"), budget=budget, deadline=deadline)
    member = caller.for_session(boto3.Session(region_name="eu-west-1"))
    assert (member.budget, member.deadline) == (budget, deadline)
    config = member.client("ecr", "eu-west-1").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert (config.connect_timeout, config.read_timeout) == (1, 1)


def test_the_throttling_bench_at_a_small_size():
    """`make bench` runs this at 5,000 repositories; here, its code paths at a dozen."""
    from bench import throttling
    from bench.__main__ import throttling_table

    figures = throttling.measure(12)
    assert figures["throttled_answers"] > 0
    assert figures["collection_errors"] == 0
    assert figures["same_verdicts"] and figures["cells"] > 12 * 10
    assert "yes" in throttling_table([figures])

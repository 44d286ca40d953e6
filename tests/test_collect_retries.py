"""Retries survive a bad hour: each call has its own attempt budget, no scan-wide quota.

botocore's retry quota is per client, and a scan sends thousands of calls through one client per
service and region; under a run of 5xx answers it empties and later failures are no longer
retried. These tests prove the quota is gone (in-process, answers injected before sending) and
that a 200-repository scan through a fault-injecting moto server at 25% throttling and 5% server
errors decides every cell, five runs out of five.
"""

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from bench.faults import BAD_HOUR, injected, set_plan
from bench.measure import serving
from scanner.collect import collect_snapshot
from scanner.collect.calls import OperationFailed, call
from scanner.collect.collector import inventory_errors
from scanner.collect.session import ClientFactory, RetryBudget

REGION = "eu-west-1"
JSON = {"content-type": "application/x-amz-json-1.1"}
REGISTRY = b'{"registryId": "123456789012", "replicationConfiguration": {"rules": []}}'


class _Body:
    """What AWSResponse reads a body from."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


class FailingFirst:
    """A before-send handler: the first `failures` attempts of each call get `status`."""

    def __init__(self, failures: int, status: int = 500, code: str = "InternalFailure"):
        self.failures, self.status, self.code = failures, status, code
        self.attempts: dict[str, int] = {}

    def __call__(self, request, **_):
        call_id = request.headers["amz-sdk-invocation-id"]
        self.attempts[call_id] = self.attempts.get(call_id, 0) + 1
        if self.failures < 0 or self.attempts[call_id] <= self.failures:
            body = json.dumps({"__type": self.code, "message": "injected"}).encode()
            return AWSResponse(request.url, self.status, JSON, _Body(body))
        return AWSResponse(request.url, 200, JSON, _Body(REGISTRY))


def _ecr(aws_env, answers, **budget):
    session = boto3.Session(region_name=REGION)
    budget = RetryBudget(**{"mode": "standard", "max_backoff": 0, **budget})
    ecr = ClientFactory(session, budget=budget).client("ecr", REGION)
    ecr.meta.events.register("before-send", answers)
    return ecr


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_a_long_run_of_server_errors_is_retried_to_the_last_call(aws_env, mode):
    """botocore's quota (500 units, 14 a 5xx retry) would refuse retries after ~36 such calls."""
    ecr = _ecr(aws_env, FailingFirst(failures=2), mode=mode)
    answers = [call(ecr, "DescribeRegistry") for _ in range(120)]
    assert all(answer["registryId"] == "123456789012" for answer in answers)


@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalFailure"), (400, "ThrottlingException")]
)
def test_max_attempts_still_bounds_each_call(aws_env, status, code):
    answers = FailingFirst(failures=-1, status=status, code=code)
    ecr = _ecr(aws_env, answers, max_attempts=4)
    for _ in range(3):
        with pytest.raises(OperationFailed) as failed:
            call(ecr, "DescribeRegistry")
        assert failed.value.code == code
    assert list(answers.attempts.values()) == [4, 4, 4]


def test_a_refusal_is_not_retried(aws_env):
    answers = FailingFirst(failures=-1, status=400, code="AccessDeniedException")
    with pytest.raises(OperationFailed):
        call(_ecr(aws_env, answers), "DescribeRegistry")
    assert list(answers.attempts.values()) == [1]


def test_the_bad_hour_plan_is_a_quarter_throttled_and_a_twentieth_server_errors():
    from bench.faults import FaultPlan

    plan = FaultPlan.from_json(BAD_HOUR)
    kinds = [plan.fault_for(f"request {n}".encode(), "ecr") for n in range(20_000)]
    assert abs(kinds.count("throttle") / 20_000 - 0.25) < 0.01
    assert abs(kinds.count("internal") / 20_000 - 0.05) < 0.005


REPOSITORIES = 200


@pytest.fixture(scope="module")
def faulty_server(module_aws_env):
    with serving("bench.faults", "--repositories", str(REPOSITORIES), "--region", REGION) as url:
        yield url


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_bad_hour_leaves_no_cell_undecided(faulty_server, seed):
    """Each run faults other requests (the seed picks them); every call still succeeds within
    the default ten attempts. Backoff is shortened (a configuration, not a timing)."""
    set_plan(faulty_server, {**BAD_HOUR, "seed": seed})
    session = boto3.Session(region_name=REGION)
    clients = ClientFactory(
        session, endpoint_url=faulty_server, budget=RetryBudget(mode="standard", max_backoff=0.05)
    )
    snapshot = collect_snapshot(session, [REGION], clients=clients)
    answered = injected(faulty_server)
    assert answered.get("throttle", 0) > 100 and answered.get("internal", 0) > 20, answered
    assert snapshot["errors"] == []
    assert [inventory_errors(entry) for entry in snapshot["inventory"]] == [0]
    assert len(snapshot["inventory"][0]["repositories"]) == REPOSITORIES

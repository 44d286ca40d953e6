"""Every call the collector makes is declared, read-only, and covered by the generated policy."""

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collect import collect_snapshot, iam_policy
from scanner.collect.calls import call, paginate
from scanner.collect.permissions import (
    DECLARED_OPERATIONS,
    READ_ONLY_PREFIXES,
    UndeclaredOperationError,
)
from tests.consumer_estate import seed_consumers
from tests.test_collect import seed_east, seed_west

# Services whose IAM action prefix is not botocore's service name.
IAM_PREFIXES = {"resourcegroupstaggingapi": "tag"}


@pytest.fixture(scope="module")
def recorded_operations(module_aws_env):
    """Every (service, operation) a full two-region collection sends."""
    seen: set[tuple[str, str]] = set()

    def record(model, **_):
        seen.add((model.service_model.service_name, model.name))

    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        seed_east(session)
        seed_west(session)
        seed_consumers(session, "us-west-2")
        session.events.register("before-call", record)
        collect_snapshot(session, ["us-east-1", "us-west-2"])
    return seen


def test_every_call_made_is_declared(recorded_operations):
    undeclared = recorded_operations - set(DECLARED_OPERATIONS)
    assert not undeclared


def test_every_call_made_only_reads(recorded_operations):
    for _service, operation in recorded_operations:
        assert operation.startswith(READ_ONLY_PREFIXES), operation


def test_a_full_collection_uses_every_declared_operation_but_describe_regions(recorded_operations):
    """A declaration nothing uses would widen the IAM policy for no reason."""
    assert set(DECLARED_OPERATIONS) - recorded_operations == {("ec2", "DescribeRegions")}


def test_no_declared_operation_mutates():
    """Each declared operation exists in botocore's models, only reads, and maps to its action."""
    models = botocore.session.get_session()
    for (service, operation), action in DECLARED_OPERATIONS.items():
        assert operation.startswith(READ_ONLY_PREFIXES), operation
        model = models.get_service_model(service)
        assert operation in model.operation_names, f"{service}:{operation} does not exist"
        if action is not None:
            assert action == f"{IAM_PREFIXES.get(service, service)}:{operation}"


def test_get_caller_identity_needs_no_permission():
    assert DECLARED_OPERATIONS[("sts", "GetCallerIdentity")] is None


def test_iam_policy_is_generated_from_the_declarations():
    policy = iam_policy()
    assert policy["Version"] == "2012-10-17"
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "*"
    assert statement["Action"] == sorted(statement["Action"])
    assert set(statement["Action"]) == {a for a in DECLARED_OPERATIONS.values() if a}
    assert "ecr:DescribeRepositories" in statement["Action"]
    assert not any(action.startswith("sts:") for action in statement["Action"])


def test_undeclared_operations_are_refused_before_any_request(aws_env):
    ecr = boto3.Session(region_name="us-east-1").client("ecr")
    with Stubber(ecr):  # no responses queued: any request that got out would fail loudly
        with pytest.raises(UndeclaredOperationError):
            call(ecr, "DeleteRepository", repositoryName="x")
        with pytest.raises(UndeclaredOperationError):
            paginate(ecr, "ListImages", "imageIds", repositoryName="x")

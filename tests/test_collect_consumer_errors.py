"""Consumer collection fails closed: each refused call is an error record where its answer would
have gone, what was listed is kept, and a missing image costs few extra requests."""

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from scanner.collect import collect_snapshot
from scanner.collect.consumers.referenced_images import attach_referenced_images
from scanner.evaluate.documents import gaps
from scanner.snapshot import validate
from tests.consumer_estate import seed_consumers
from tests.test_collect_errors import DENIED, inject_error, inject_exception

REGION = "us-east-1"


@pytest.fixture(scope="module")
def _seeded(module_aws_env):
    """One seeded account for the module: each test only reads it, through its own session."""
    with mock_aws():
        yield seed_consumers(boto3.Session(region_name=REGION))


@pytest.fixture
def estate(_seeded):
    """A fresh session (its own injected failures) over the module's account."""
    return boto3.Session(region_name=REGION), _seeded


def _collect(session):
    snapshot = collect_snapshot(session, [REGION])
    validate(snapshot, source="consumer snapshot")
    [entry] = snapshot["inventory"]
    return snapshot, entry


def test_services_not_listed_keeps_the_functions_and_marks_the_gap(estate):
    session, _ = estate
    inject_error(session, "ecs", "ListClusters")
    snapshot, entry = _collect(session)
    assert entry["errors"]["ecsServices"]["operation"] == "ListClusters"
    assert [c["name"] for c in entry["consumers"]] == ["fn"]
    [gap] = [g for g in gaps(snapshot) if g.resource_type == "ecs-service"]
    assert gap.error["code"] == DENIED and gap.resource_id.endswith(":service/*")


def test_neither_kind_listed_leaves_consumers_null(estate):
    session, _ = estate
    inject_error(session, "ecs", "ListClusters")
    inject_error(session, "lambda", "ListFunctions")
    snapshot, entry = _collect(session)
    assert entry["consumers"] is None
    assert {g.resource_type for g in gaps(snapshot)} == {"ecs-service", "lambda-function"}


def test_a_task_definition_not_described_is_recorded_on_its_service(estate):
    session, _ = estate
    inject_exception(
        session, "ecs", "DescribeTaskDefinition", ReadTimeoutError(endpoint_url="https://ecs")
    )
    _, entry = _collect(session)
    web = next(c for c in entry["consumers"] if c["name"] == "c1/web")
    assert web["errors"]["taskDefinitions"]["code"] == "ReadTimeoutError"
    assert web["taskDefinitions"] == [] and web["derived"]["images"] == []


def test_container_instances_not_listed(estate):
    session, _ = estate
    inject_error(session, "ecs", "ListContainerInstances")
    _, entry = _collect(session)
    worker = next(c for c in entry["consumers"] if c["name"] == "c1/worker")
    assert worker["containerInstances"] is None
    assert worker["errors"]["containerInstances"]["operation"] == "ListContainerInstances"


def test_get_function_refused_keeps_the_listing(estate):
    session, _ = estate
    inject_error(session, "lambda", "GetFunction")
    _, entry = _collect(session)
    function = next(c for c in entry["consumers"] if c["name"] == "fn")
    assert function["errors"]["function"]["operation"] == "GetFunction"
    assert function["derived"]["images"] == []
    assert function["function"]["Configuration"]["FunctionName"] == "fn"


def test_authorization_details_refused(estate):
    session, _ = estate
    inject_error(session, "iam", "GetAccountAuthorizationDetails", code="AccessDenied")
    snapshot, _ = _collect(session)
    section = snapshot["iam"]["123456789012"]
    assert section["roles"] is None and section["policies"] is None
    assert section["errors"]["authorizationDetails"]["code"] == "AccessDenied"


def test_nat_gateways_refused(estate):
    session, _ = estate
    inject_error(session, "ec2", "DescribeNatGateways", code="UnauthorizedOperation")
    _, entry = _collect(session)
    assert entry["network"]["natGateways"] is None
    assert entry["network"]["errors"]["natGateways"]["code"] == "UnauthorizedOperation"


def test_image_lookup_refused_is_recorded_on_each_reference(estate):
    session, _ = estate
    inject_error(session, "ecr", "DescribeImages")
    _, entry = _collect(session)
    web = next(c for c in entry["consumers"] if c["name"] == "c1/web")
    image = next(i for i in web["derived"]["images"] if i["tag"] == "1.0")
    assert image["lookup"] == "failed"
    assert image["errors"]["imageDetail"]["operation"] == "DescribeImages"


# ---------------------------------------------------------------------------------------------
# DescribeImages with imageIds fails a whole request when one id is missing: halves are asked


class _FakeEcr:
    """DescribeImages by tag over a fixed set, failing a request that names a missing tag."""

    def __init__(self, tags):
        self.tags = set(tags)
        self.requests = 0
        self.meta = type("M", (), {"service_model": type("S", (), {"service_name": "ecr"})()})()

    def describe_images(self, registryId, repositoryName, imageIds):
        from botocore.exceptions import ClientError

        self.requests += 1
        missing = [i for i in imageIds if i["imageTag"] not in self.tags]
        if missing:
            error = {"Error": {"Code": "ImageNotFoundException", "Message": "not found"}}
            raise ClientError(error, "DescribeImages")
        return {
            "imageDetails": [
                {"imageDigest": f"sha256:{i['imageTag']}", "imageTags": [i["imageTag"]]}
                for i in imageIds
            ]
        }


def _inventory(tags):
    references = [
        {
            "registry": "ecr",
            "registryId": "111122223333",
            "region": "eu-west-1",
            "repositoryName": "app",
            "tag": tag,
            "digest": None,
            "resolvedDigest": None,
            "errors": {},
        }
        for tag in tags
    ]
    consumer = {"derived": {"images": references}}
    return references, [
        {
            "account_id": "111122223333",
            "region": "eu-west-1",
            "repositories": [{"repository": {"repositoryName": "app"}}],
            "errors": {},
            "consumers": [consumer],
        }
    ]


def test_a_missing_image_is_found_by_halving():
    tags = [f"v{n}" for n in range(64)]
    ecr = _FakeEcr(set(tags) - {"v37"})
    references, inventory = _inventory(tags)
    attach_referenced_images(inventory, lambda account, region: ecr, max_workers=1)
    lookups = {r["tag"]: r["lookup"] for r in references}
    assert lookups.pop("v37") == "missing"
    assert set(lookups.values()) == {"found"}
    assert ecr.requests <= 1 + 2 * 6  # log2(64) levels, two halves each


def test_all_present_costs_one_request_per_hundred():
    tags = [f"v{n}" for n in range(150)]
    ecr = _FakeEcr(tags)
    references, inventory = _inventory(tags)
    attach_referenced_images(inventory, lambda account, region: ecr, max_workers=1)
    assert ecr.requests == 2
    assert {r["lookup"] for r in references} == {"found"}


def test_collect_counts_an_iam_error(estate):
    from scanner.cli.collect_cmd import incomplete_warning

    session, _ = estate
    inject_error(session, "iam", "GetAccountAuthorizationDetails", code="AccessDenied")
    snapshot, _ = _collect(session)
    assert incomplete_warning(snapshot) == "ecrscan: 1 collection error(s) recorded in the snapshot"

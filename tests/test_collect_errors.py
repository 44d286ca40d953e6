"""'Absent' and 'could not collect' stay apart; programming errors are never swallowed.

Failures are injected with botocore's `before-call` event: a handler that returns
(http_response, parsed_body) short-circuits the call before it reaches moto, and one that
raises makes the call raise (as a network fault does once botocore's retries are spent).
"""

import json

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError, NoCredentialsError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from scanner.collect import collect_snapshot
from scanner.errors import CollectionError, InputError
from scanner.snapshot import validate

DENIED = "AccessDeniedException"
# The API wants at least 100 characters of lifecycle policy.
LIFECYCLE_TEXT = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "description": "keep the last ten images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": 10,
                },
                "action": {"type": "expire"},
            }
        ]
    }
)


def request_params(params: dict) -> dict:
    """The API parameters of a serialized request: JSON body (ECR) or query dict (EC2)."""
    body = params.get("body")
    if isinstance(body, bytes | str):
        return json.loads(body or "{}")
    return body or {}


def inject_error(session, service: str, operation: str, code: str = DENIED, only_for=None):
    """Make `operation` answer HTTP 400 `code` (for requests whose params match `only_for`)."""

    def answer_with_error(params, **_):
        if only_for and not only_for.items() <= request_params(params).items():
            return None
        body = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://injected.invalid", 400, {}, None), body

    session.events.register(f"before-call.{service}.{operation}", answer_with_error)


def inject_exception(session, service: str, operation: str, exception: Exception):
    def raise_it(**_):
        raise exception

    session.events.register(f"before-call.{service}.{operation}", raise_it)


def repositories_by_name(snapshot, region="us-east-1"):
    entry = next(item for item in snapshot["inventory"] if item["region"] == region)
    return {repo["repository"]["repositoryName"]: repo for repo in entry["repositories"]}


@pytest.fixture
def two_repositories(moto_session):
    ecr = moto_session.client("ecr")
    ecr.create_repository(repositoryName="denied")
    ecr.put_lifecycle_policy(repositoryName="denied", lifecyclePolicyText=LIFECYCLE_TEXT)
    ecr.create_repository(repositoryName="plain")
    return moto_session


def collect(session, regions=("us-east-1",)):
    snapshot = collect_snapshot(session, list(regions), max_workers=4)
    validate(snapshot)
    return snapshot


def test_denied_lifecycle_policy_is_an_error_not_an_absence(two_repositories):
    inject_error(
        two_repositories, "ecr", "GetLifecyclePolicy", only_for={"repositoryName": "denied"}
    )
    repos = repositories_by_name(collect(two_repositories))

    denied = repos["denied"]
    assert denied["lifecyclePolicy"] is None
    assert denied["derived"]["lifecyclePolicy"] is None
    assert denied["errors"] == {
        "lifecyclePolicy": {
            "operation": "GetLifecyclePolicy",
            "code": DENIED,
            "message": f"injected {DENIED}",
        }
    }

    plain = repos["plain"]
    assert plain["lifecyclePolicy"] is None
    assert plain["errors"] == {}


@pytest.mark.parametrize(
    ("service", "operation", "error_key", "field"),
    [
        # One tag listing per region (the tagging API): its failure marks every repository.
        ("resourcegroupstaggingapi", "GetResources", "tags", "tags"),
        ("ecr", "GetRepositoryPolicy", "repositoryPolicy", "repositoryPolicy"),
        (
            "ecr",
            "BatchGetRepositoryScanningConfiguration",
            "scanningConfiguration",
            "scanningConfiguration",
        ),
    ],
)
def test_each_repository_call_records_its_own_error(
    two_repositories, service, operation, error_key, field
):
    inject_error(two_repositories, service, operation)
    for repo in repositories_by_name(collect(two_repositories)).values():
        assert repo[field] is None
        assert repo["errors"][error_key]["operation"] == operation
        assert repo["errors"][error_key]["code"] == DENIED


def test_failed_image_listing_leaves_no_summary(two_repositories):
    inject_error(two_repositories, "ecr", "DescribeImages", code="ThrottlingException")
    repo = repositories_by_name(collect(two_repositories))["plain"]
    assert repo["derived"]["imageSummary"] is None
    assert repo["errors"]["images"]["code"] == "ThrottlingException"


def test_scanning_failure_for_one_repository(two_repositories):
    """A repository listed in the batch's `failures` gets an error; the others keep their data."""

    def drop_denied(parsed, model, **_):
        configurations = parsed.get("scanningConfigurations", [])
        parsed["scanningConfigurations"] = [
            item for item in configurations if item["repositoryName"] != "denied"
        ]
        parsed["failures"] = [
            {
                "repositoryName": "denied",
                "failureCode": "REPOSITORY_NOT_FOUND",
                "failureReason": "gone",
            }
        ]

    two_repositories.events.register(
        "after-call.ecr.BatchGetRepositoryScanningConfiguration", drop_denied
    )
    repos = repositories_by_name(collect(two_repositories))
    assert repos["denied"]["scanningConfiguration"] is None
    assert repos["denied"]["errors"]["scanningConfiguration"] == {
        "operation": "BatchGetRepositoryScanningConfiguration",
        "code": "REPOSITORY_NOT_FOUND",
        "message": "gone",
    }
    assert repos["plain"]["scanningConfiguration"]["scanFrequency"] == "MANUAL"
    assert repos["plain"]["errors"] == {}


def test_denied_repository_listing_is_null_with_region_error(two_repositories):
    inject_error(two_repositories, "ecr", "DescribeRepositories")
    region = collect(two_repositories)["inventory"][0]
    assert region["repositories"] is None
    assert region["errors"]["repositories"]["operation"] == "DescribeRepositories"


def test_registry_errors(moto_session):
    inject_error(moto_session, "ecr", "GetRegistryPolicy")
    inject_error(moto_session, "ecr", "DescribeRegistry")
    inject_error(moto_session, "ecr", "GetRegistryScanningConfiguration")
    registry = collect(moto_session)["inventory"][0]["registry"]
    assert registry["registryPolicy"] is None
    assert registry["replicationConfiguration"] is None
    assert registry["scanningConfiguration"] is None
    assert registry["registryId"] is None
    assert set(registry["errors"]) == {
        "registryPolicy",
        "replicationConfiguration",
        "scanningConfiguration",
    }


def test_absent_registry_policy_is_not_an_error(moto_session):
    registry = collect(moto_session)["inventory"][0]["registry"]
    assert registry["registryPolicy"] is None
    assert registry["errors"] == {}


@pytest.mark.parametrize(
    ("operation", "error_key"),
    [
        ("DescribeSubnets", "subnets"),
        ("DescribeRouteTables", "routeTables"),
        ("DescribeVpcEndpoints", "vpcEndpoints"),
    ],
)
def test_network_part_errors(moto_session, operation, error_key):
    inject_error(moto_session, "ec2", operation, code="UnauthorizedOperation")
    network = collect(moto_session)["inventory"][0]["network"]
    assert set(network["errors"]) == {error_key}
    assert network["errors"][error_key]["code"] == "UnauthorizedOperation"
    assert all(vpc[error_key] == [] for vpc in network["vpcs"])


def test_vpc_listing_error(moto_session):
    inject_error(moto_session, "ec2", "DescribeVpcs", code="UnauthorizedOperation")
    network = collect(moto_session)["inventory"][0]["network"]
    assert network["vpcs"] is None
    assert set(network["errors"]) == {"vpcs"}


@pytest.mark.parametrize(
    "fault",
    [
        EndpointConnectionError(endpoint_url="https://ecr.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://ecr.us-east-1.amazonaws.com"),
    ],
)
def test_network_faults_are_recorded_with_the_exception_class(two_repositories, fault):
    inject_exception(two_repositories, "ecr", "GetRepositoryPolicy", fault)
    repo = repositories_by_name(collect(two_repositories))["plain"]
    assert repo["repositoryPolicy"] is None
    assert repo["errors"]["repositoryPolicy"]["code"] == type(fault).__name__
    assert "ecr.us-east-1.amazonaws.com" in repo["errors"]["repositoryPolicy"]["message"]


def test_region_listing_failure_is_a_top_level_error(moto_session):
    inject_error(moto_session, "ec2", "DescribeRegions", code="UnauthorizedOperation")
    snapshot = collect(moto_session, regions=["all"])
    assert snapshot["regions"] == []
    assert snapshot["errors"] == [
        {
            "operation": "DescribeRegions",
            "code": "UnauthorizedOperation",
            "message": "injected UnauthorizedOperation",
            "account_id": "123456789012",
            "region": "us-east-1",
        }
    ]
    # The account is not "none found": its every listing is undecided, in every region.
    (entry,) = snapshot["inventory"]
    assert (entry["region"], entry["repositories"], entry["network"]["vpcs"]) == ("*", None, None)
    assert entry["errors"]["repositories"]["operation"] == "DescribeRegions"


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("resourcegroupstaggingapi", "GetResources"),
        ("ec2", "DescribeVpcs"),
        ("ecr", "DescribeRegistry"),
    ],
)
def test_programming_errors_propagate(two_repositories, service, operation):
    inject_exception(two_repositories, service, operation, TypeError("a bug in ecrscan"))
    with pytest.raises(TypeError, match="a bug in ecrscan"):
        collect_snapshot(two_repositories, ["us-east-1"])


def test_missing_credentials_are_unusable_input_with_the_fix(moto_session):
    inject_exception(moto_session, "sts", "GetCallerIdentity", NoCredentialsError())
    with pytest.raises(InputError, match="No usable AWS credentials found") as raised:
        collect_snapshot(moto_session, ["us-east-1"])
    assert "--profile" in str(raised.value) and "AWS_ACCESS_KEY_ID" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_rejected_credentials_are_unusable_input(moto_session):
    inject_error(moto_session, "sts", "GetCallerIdentity", code="InvalidClientTokenId")
    with pytest.raises(InputError, match=r"did not accept the credentials \(InvalidClientTokenId"):
        collect_snapshot(moto_session, ["us-east-1"])


def test_an_unreachable_identity_endpoint_is_a_collection_error(moto_session):
    fault = EndpointConnectionError(endpoint_url="https://sts.amazonaws.com")
    inject_exception(moto_session, "sts", "GetCallerIdentity", fault)
    with pytest.raises(CollectionError, match="Cannot identify the AWS account") as raised:
        collect_snapshot(moto_session, ["us-east-1"])
    assert "EndpointConnectionError" in str(raised.value)
    assert "check the network, the proxy settings" in str(raised.value)


def test_an_identity_answer_not_from_aws_names_the_proxy_not_the_credentials(moto_session):
    fault = ResponseParserError("Unable to parse response (mismatched tag), invalid XML received")
    inject_exception(moto_session, "sts", "GetCallerIdentity", fault)
    with pytest.raises(CollectionError, match="Cannot identify the AWS account") as raised:
        collect_snapshot(moto_session, ["us-east-1"])
    assert "the answer did not come from AWS" in str(raised.value)
    assert "credentials" not in str(raised.value)


@pytest.mark.parametrize("regions", [[], ["all", "us-east-1"], ["us-east-1", "ALL"]])
def test_meaningless_region_lists_are_refused(moto_session, regions):
    with pytest.raises(InputError):
        collect_snapshot(moto_session, regions)

"""Pagination against a stub that really pages (moto ignores maxResults), injected via the seam."""

import threading
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collect import ClientFactory, collect_snapshot
from scanner.collect.images import image_summary
from scanner.collect.repositories import PAGE_SIZE, list_images
from scanner.collect.repository_scanning import BATCH_SIZE, collect_scanning_configurations
from scanner.snapshot import validate

ACCOUNT = "123456789012"
REGION = "us-east-1"


def repository_item(name: str) -> dict:
    return {
        "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
        "registryId": ACCOUNT,
        "repositoryName": name,
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}",
        "createdAt": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "AES256"},
    }


def queue_registry(stub: Stubber) -> None:
    stub.add_response(
        "describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": []}}
    )
    stub.add_response(
        "get_registry_scanning_configuration",
        {"registryId": ACCOUNT, "scanningConfiguration": {"scanType": "BASIC", "rules": []}},
    )
    stub.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException")
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": []})
    stub.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": []})


def queue_repository(stub: Stubber, name: str) -> None:
    """The per-repository calls, in the order one worker makes them."""
    stub.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException")
    stub.add_client_error("get_repository_policy", "RepositoryPolicyNotFoundException")
    stub.add_response(
        "describe_images", {"imageDetails": []}, {"repositoryName": name, "maxResults": PAGE_SIZE}
    )


@pytest.fixture
def stubbed_ecr(aws_env):
    ecr = boto3.Session(region_name=REGION).client("ecr")
    with Stubber(ecr) as stub:
        yield ecr, stub


def test_describe_repositories_follows_next_token(stubbed_ecr):
    ecr, stub = stubbed_ecr
    queue_registry(stub)
    stub.add_response(
        "describe_repositories",
        {"repositories": [repository_item("first")], "nextToken": "page-2"},
        {"maxResults": PAGE_SIZE},
    )
    # The stub checks the second request carried the token from the first page.
    stub.add_response(
        "describe_repositories",
        {"repositories": [repository_item("second")]},
        {"maxResults": PAGE_SIZE, "nextToken": "page-2"},
    )
    stub.add_response(
        "batch_get_repository_scanning_configuration",
        {
            "scanningConfigurations": [
                {
                    "repositoryName": name,
                    "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
                    "scanOnPush": True,
                    "scanFrequency": "SCAN_ON_PUSH",
                    "appliedScanFilters": [],
                }
                for name in ("first", "second")
            ],
            "failures": [],
        },
        {"repositoryNames": ["first", "second"]},
    )
    queue_repository(stub, "first")
    queue_repository(stub, "second")
    # The registry part and the repository listing run beside each other, and the stub answers
    # in the order above: the listing waits until the registry's last call is answered.
    registry_done = threading.Event()
    ecr.meta.events.register(
        "after-call.ecr.DescribeRepositoryCreationTemplates", lambda **_: registry_done.set()
    )

    def after_the_registry(**_):
        # provide-client-params comes before the stub checks which call it expected; a value
        # returned here would replace the call's parameters.
        registry_done.wait(10)

    ecr.meta.events.register("provide-client-params.ecr.DescribeRepositories", after_the_registry)

    with mock_aws():  # STS and EC2 still come from moto; only ECR is stubbed.
        session = boto3.Session(region_name=REGION)
        clients = ClientFactory(session, prebuilt={("ecr", REGION): ecr})
        # One worker keeps the per-repository calls in the order the stub expects.
        snapshot = collect_snapshot(session, [REGION], max_workers=1, clients=clients)

    stub.assert_no_pending_responses()
    validate(snapshot)
    repositories = snapshot["inventory"][0]["repositories"]
    assert [repo["repository"]["repositoryName"] for repo in repositories] == ["first", "second"]
    assert repositories[1]["repository"]["createdAt"] == "2024-05-01T09:30:00Z"
    assert all(
        repo["scanningConfiguration"]["scanFrequency"] == "SCAN_ON_PUSH" for repo in repositories
    )
    assert all(repo["errors"] == {} for repo in repositories)


def test_describe_images_pages_are_summed(stubbed_ecr):
    ecr, stub = stubbed_ecr
    pushed = [datetime(2024, 1, day, tzinfo=UTC) for day in (1, 2)]
    stub.add_response(
        "describe_images",
        {
            "imageDetails": [
                {
                    "imageDigest": "sha256:aa",
                    "imageTags": ["v1"],
                    "imagePushedAt": pushed[0],
                    "imageSizeInBytes": 10,
                }
            ],
            "nextToken": "more",
        },
        {"repositoryName": "repo", "maxResults": PAGE_SIZE},
    )
    stub.add_response(
        "describe_images",
        {
            "imageDetails": [
                {"imageDigest": "sha256:bb", "imagePushedAt": pushed[1], "imageSizeInBytes": 5}
            ]
        },
        {"repositoryName": "repo", "maxResults": PAGE_SIZE, "nextToken": "more"},
    )
    summary = image_summary(list_images(ecr, "repo"))
    assert summary["imageCount"] == 2
    assert summary["untaggedImageCount"] == 1
    assert summary["totalSizeInBytes"] == 15
    assert summary["newestImage"]["imageDigest"] == "sha256:bb"


def test_scanning_configurations_are_fetched_in_batches_of_25(stubbed_ecr):
    ecr, stub = stubbed_ecr
    names = [f"repo-{index:02d}" for index in range(BATCH_SIZE + 3)]
    first, rest = names[:BATCH_SIZE], names[BATCH_SIZE:]
    stub.add_response(
        "batch_get_repository_scanning_configuration",
        {
            "scanningConfigurations": [
                {"repositoryName": name, "scanFrequency": "MANUAL"} for name in first
            ]
        },
        {"repositoryNames": first},
    )
    stub.add_client_error(
        "batch_get_repository_scanning_configuration",
        "ThrottlingException",
        expected_params={"repositoryNames": rest},
    )
    found = collect_scanning_configurations(ecr, names)
    stub.assert_no_pending_responses()
    assert set(found.by_name) == set(first)
    assert all(found.error_for(name) is None for name in first)
    assert all(found.error_for(name)["code"] == "ThrottlingException" for name in rest)

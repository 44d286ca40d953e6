"""A region's repositories, each with its tags, policies, images and scanning configuration.

Per repository it costs three requests (GetLifecyclePolicy, GetRepositoryPolicy, DescribeImages:
AWS offers no batch form of them); scanning configurations come 25 repositories a request and,
given a tagging client, tags 100 a request (scanner.collect.tags).
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, call, paginate
from scanner.collect.concurrency import map_concurrently
from scanner.collect.images import image_summary
from scanner.collect.jsonable import response_body, to_json
from scanner.collect.policy_text import parse_optional_policy_text
from scanner.collect.repository_scanning import (
    ScanningConfigurations,
    collect_scanning_configurations,
)
from scanner.collect.tags import RepositoryTags, collect_repository_tags

# The largest page ECR serves; fewer round trips against its low request rate limits.
PAGE_SIZE = 1000
LIFECYCLE_POLICY_ABSENT = ("LifecyclePolicyNotFoundException",)
REPOSITORY_POLICY_ABSENT = ("RepositoryPolicyNotFoundException",)


def list_repositories(ecr: BaseClient) -> list[dict[str, Any]]:
    """Every DescribeRepositories item, exactly as AWS returns it (timestamps as text)."""
    return to_json(paginate(ecr, "DescribeRepositories", "repositories", page_size=PAGE_SIZE))


def collect_repositories(
    ecr: BaseClient,
    errors: dict[str, ErrorRecord],
    max_workers: int,
    tagging: BaseClient,
) -> list[dict[str, Any]] | None:
    """One record per repository, or None (with errors['repositories']) if none could be listed.

    `tagging` is a Resource Groups Tagging API client of the same region: tags cost one request
    per 100 repositories instead of one ListTagsForResource per repository.
    """
    repositories = attempt(errors, "repositories", lambda: list_repositories(ecr))
    if repositories is None:
        return None
    names = [repository["repositoryName"] for repository in repositories]
    scanning = collect_scanning_configurations(ecr, names)
    # A region without repositories has no tags to list.
    tags = collect_repository_tags(tagging) if repositories else None
    return map_concurrently(
        lambda repository: collect_repository(ecr, repository, scanning, tags),
        repositories,
        max_workers,
        name="ecrscan-repository",
    )


def collect_repository(
    ecr: BaseClient,
    repository: dict[str, Any],
    scanning: ScanningConfigurations,
    listed_tags: RepositoryTags,
) -> dict[str, Any]:
    name = repository["repositoryName"]
    errors: dict[str, ErrorRecord] = {}
    if listed_tags.error is not None:
        errors["tags"] = dict(listed_tags.error)
    tags = listed_tags.tags_for(repository["repositoryArn"])
    lifecycle = attempt(
        errors,
        "lifecyclePolicy",
        lambda: response_body(call(ecr, "GetLifecyclePolicy", repositoryName=name)),
        absent_codes=LIFECYCLE_POLICY_ABSENT,
    )
    policy = attempt(
        errors,
        "repositoryPolicy",
        lambda: response_body(call(ecr, "GetRepositoryPolicy", repositoryName=name)),
        absent_codes=REPOSITORY_POLICY_ABSENT,
    )
    images = attempt(errors, "images", lambda: list_images(ecr, name))
    scanning_error = scanning.error_for(name)
    if scanning_error:
        errors["scanningConfiguration"] = scanning_error
    return {
        "repository": repository,
        "tags": tags,
        "lifecyclePolicy": lifecycle,
        "repositoryPolicy": policy,
        "scanningConfiguration": scanning.by_name.get(name),
        "derived": {
            "lifecyclePolicy": parse_optional_policy_text(
                (lifecycle or {}).get("lifecyclePolicyText")
            ),
            "repositoryPolicy": parse_optional_policy_text((policy or {}).get("policyText")),
            "imageSummary": None if images is None else image_summary(images),
        },
        "errors": errors,
    }


def list_images(ecr: BaseClient, name: str) -> list[dict[str, Any]]:
    """Every DescribeImages item of the repository (timestamps still datetimes)."""
    return paginate(ecr, "DescribeImages", "imageDetails", page_size=PAGE_SIZE, repositoryName=name)

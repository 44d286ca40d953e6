"""A region's repositories, each with its tags, policies, images and scanning configuration.

Per repository it costs three requests (GetLifecyclePolicy, GetRepositoryPolicy, DescribeImages:
AWS offers no batch form of them); scanning configurations come 25 repositories a request and,
given a tagging client, tags 100 a request (scanner.collect.tags). Scan findings come from
DescribeImages' summaries; no DescribeImageScanFindings call is made.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, call, paginate
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
    follow: Callable[[dict[str, Any]], None] | None = None,
    listing: Future | None = None,
) -> list[dict[str, Any]] | None:
    """One record per repository, or None (with errors['repositories']) if none could be listed.

    `tagging` is a Resource Groups Tagging API client of the same region: tags cost one request
    per 100 repositories instead of one ListTagsForResource per repository. The tag listing and
    the scanning-configuration batches (sequential chains of requests) run beside the
    per-repository calls, in the same pool, so the server is never left waiting for them.
    `follow` is called with each record as soon as it is complete, in order, so that what
    depends on it (Inspector findings, KMS keys) starts while other repositories are fetched.
    `listing` is list_repositories(ecr) already under way, if the caller started it.
    """
    listed = listing.result if listing is not None else lambda: list_repositories(ecr)
    repositories = attempt(errors, "repositories", listed)
    if repositories is None:
        return None
    names = [repository["repositoryName"] for repository in repositories]
    pool = ThreadPoolExecutor(max_workers=max_workers + 1, thread_name_prefix="ecrscan-repository")
    try:
        # A region without repositories has no tags to list.
        tags = pool.submit(collect_repository_tags, tagging) if repositories else None
        scanning = pool.submit(collect_scanning_configurations, ecr, names)
        fetched = [pool.submit(fetch_repository, ecr, name) for name in names]
        listed_tags = tags.result() if tags else RepositoryTags({})
        records = []
        for repository, job in zip(repositories, fetched, strict=True):
            records.append(
                repository_record(repository, job.result(), scanning.result(), listed_tags)
            )
            if follow is not None:
                follow(records[-1])
        return records
    finally:
        # On a failure (a bug, or Ctrl-C) queued work is dropped, not finished.
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Fetched:
    """A repository's own calls: their answers (None when absent or failed) and failures."""

    lifecycle: dict[str, Any] | None
    policy: dict[str, Any] | None
    images: list[dict[str, Any]] | None
    errors: dict[str, ErrorRecord]


def fetch_repository(ecr: BaseClient, name: str) -> Fetched:
    """GetLifecyclePolicy, GetRepositoryPolicy and DescribeImages for one repository."""
    errors: dict[str, ErrorRecord] = {}
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
    return Fetched(lifecycle, policy, images, errors)


def collect_repository(
    ecr: BaseClient,
    repository: dict[str, Any],
    scanning: ScanningConfigurations,
    listed_tags: RepositoryTags,
) -> dict[str, Any]:
    """One repository's record, its own calls made here (a targeted scan's path)."""
    fetched = fetch_repository(ecr, repository["repositoryName"])
    return repository_record(repository, fetched, scanning, listed_tags)


def repository_record(
    repository: dict[str, Any],
    fetched: Fetched,
    scanning: ScanningConfigurations,
    listed_tags: RepositoryTags,
) -> dict[str, Any]:
    name = repository["repositoryName"]
    errors = dict(fetched.errors)
    if listed_tags.error is not None:
        errors["tags"] = dict(listed_tags.error)
    scanning_error = scanning.error_for(name)
    if scanning_error:
        errors["scanningConfiguration"] = scanning_error
    return {
        "repository": repository,
        "tags": listed_tags.tags_for(repository["repositoryArn"]),
        "lifecyclePolicy": fetched.lifecycle,
        "repositoryPolicy": fetched.policy,
        "scanningConfiguration": scanning.by_name.get(name),
        "derived": {
            "lifecyclePolicy": parse_optional_policy_text(
                (fetched.lifecycle or {}).get("lifecyclePolicyText")
            ),
            "repositoryPolicy": parse_optional_policy_text(
                (fetched.policy or {}).get("policyText")
            ),
            "imageSummary": None if fetched.images is None else image_summary(fetched.images),
        },
        "errors": errors,
    }


def list_images(ecr: BaseClient, name: str) -> list[dict[str, Any]]:
    """Every DescribeImages item of the repository (timestamps still datetimes)."""
    return paginate(ecr, "DescribeImages", "imageDetails", page_size=PAGE_SIZE, repositoryName=name)

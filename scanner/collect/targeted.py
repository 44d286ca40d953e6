"""A targeted scan: named repositories of a region, not all of them (`scan --repository NAME`,
and the Lambda's re-check of the repository an event names).

For one repository it costs a handful of requests beside the region's registry settings: one
DescribeRepositories naming it, one BatchGetRepositoryScanningConfiguration, one GetResources
naming its ARN (no listing of the region's tags), then the three per-repository reads
(scanner.collect.repositories). A name that does not exist is an answer, not a failure: the
repository was deleted (or never was), and its findings are closed.
"""

from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, call
from scanner.collect.concurrency import map_concurrently
from scanner.collect.jsonable import to_json
from scanner.collect.repositories import collect_repositories, collect_repository
from scanner.collect.repository_scanning import collect_scanning_configurations
from scanner.collect.tags import RepositoryTags

NOT_FOUND = "RepositoryNotFoundException"
# DescribeRepositories takes up to 100 names; GetResources up to 100 ARNs.
NAMES_PER_REQUEST = 100


@dataclass(frozen=True)
class Selection:
    """What a targeted scan collects in each region: these repositories (None: every one) with
    the registry settings, and the VPC network paths only when `network` (VPC controls are
    regional: one repository does not change them)."""

    repositories: tuple[str, ...] | None
    network: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "repositories": None if self.repositories is None else list(self.repositories),
            "network": self.network,
        }


def collect_selected(
    ecr: BaseClient,
    selection: Selection,
    errors: dict[str, ErrorRecord],
    max_workers: int,
    tagging: BaseClient,
) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """(records, names not found). None, with errors['repositories'], when the repositories
    could not be described."""
    if selection.repositories is None:
        return collect_repositories(ecr, errors, max_workers, tagging), []
    try:
        described, absent = _describe(ecr, list(selection.repositories))
    except OperationFailed as failure:
        errors["repositories"] = failure.record
        return None, []
    names = [repository["repositoryName"] for repository in described]
    scanning = collect_scanning_configurations(ecr, names)
    tags = _tags(tagging, [repository["repositoryArn"] for repository in described])
    records = map_concurrently(
        lambda repository: collect_repository(ecr, repository, scanning, tags),
        described,
        max_workers,
        name="ecrscan-repository",
    )
    return records, absent


def _describe(ecr: BaseClient, names: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(names), NAMES_PER_REQUEST):
        found += _describe_some(ecr, names[start : start + NAMES_PER_REQUEST])
    present = {repository["repositoryName"] for repository in found}
    return found, [name for name in names if name not in present]


def _describe_some(ecr: BaseClient, names: list[str]) -> list[dict[str, Any]]:
    """One request for all; if one name is missing, AWS fails the whole request, so each name
    is then asked alone to tell which."""
    try:
        return _describe_named(ecr, names)
    except OperationFailed as failure:
        if failure.code != NOT_FOUND:
            raise
    if len(names) == 1:
        return []
    found: list[dict[str, Any]] = []
    for name in names:
        found += _describe_some(ecr, [name])
    return found


def _describe_named(ecr: BaseClient, names: list[str]) -> list[dict[str, Any]]:
    # Named repositories come in one answer; AWS refuses maxResults beside repositoryNames.
    return to_json(call(ecr, "DescribeRepositories", repositoryNames=names)["repositories"])


def _tags(tagging: BaseClient, arns: list[str]) -> RepositoryTags:
    """The named repositories' tags: GetResources with their ARNs, no region-wide listing."""
    by_arn: dict[str, list[dict[str, str]]] = {arn: [] for arn in arns}
    try:
        for start in range(0, len(arns), NAMES_PER_REQUEST):
            answer = call(
                tagging, "GetResources", ResourceARNList=arns[start : start + NAMES_PER_REQUEST]
            )
            for mapping in answer.get("ResourceTagMappingList", []):
                by_arn[mapping["ResourceARN"]] = [
                    {"Key": tag["Key"], "Value": tag["Value"]} for tag in mapping.get("Tags", [])
                ]
    except OperationFailed as failure:
        return RepositoryTags({}, error=failure.record)
    return RepositoryTags(by_arn)

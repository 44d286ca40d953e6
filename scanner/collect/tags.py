"""Every repository's tags in a region, from the Resource Groups Tagging API.

One paginated GetResources listing (100 repositories a page) replaces a ListTagsForResource call
per repository. GetResources lists only resources that carry, or once carried, a tag: a
repository it does not list has no tags, which is an answer (`[]`), not a gap. When the listing
fails, no repository's tags are known, so every repository gets the error record instead.

The Tagging API is eventually consistent: tags set in the last moments before a collection may
not be listed yet. ListTagsForResource has the same race against a tag change made mid-scan.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, paginate

OPERATION = "GetResources"
RESOURCE_TYPE = "ecr:repository"
# The largest ResourcesPerPage the API accepts.
PAGE_SIZE = 100

Tags = list[dict[str, str]]


class RepositoryTags:
    """Per repository ARN: its tags as [{Key, Value}], or the error that kept them unknown."""

    def __init__(self, by_arn: dict[str, Tags], error: ErrorRecord | None = None):
        self.by_arn = by_arn
        self.error = error

    def tags_for(self, repository_arn: str) -> Tags | None:
        """The repository's tags, or None when the listing failed (see `error`)."""
        if self.error is not None:
            return None
        return self.by_arn.get(repository_arn, [])


def collect_repository_tags(tagging: BaseClient) -> RepositoryTags:
    """The tags of every ECR repository in the tagging client's region."""
    try:
        mappings = paginate(
            tagging,
            OPERATION,
            "ResourceTagMappingList",
            page_size=PAGE_SIZE,
            ResourceTypeFilters=[RESOURCE_TYPE],
        )
    except OperationFailed as failure:
        return RepositoryTags({}, error=failure.record)
    return RepositoryTags({mapping["ResourceARN"]: _tags(mapping) for mapping in mappings})


def _tags(mapping: dict[str, Any]) -> Tags:
    # The same {Key, Value} shape ListTagsForResource returns, so the snapshot does not change.
    return [{"Key": tag["Key"], "Value": tag["Value"]} for tag in mapping.get("Tags", [])]

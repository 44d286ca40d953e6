"""The registry's pull-through cache rules and the repository creation templates that shape
the repositories a cache (or replication) creates.

Both listings are registry-wide and paginated; a failure is recorded under the registry's
errors, keyed by the field it would have filled, like every other registry setting.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, attempt, paginate
from scanner.collect.jsonable import to_json

# errors key (and registry field) -> (operation, result key)
LISTINGS = {
    "pullThroughCacheRules": ("DescribePullThroughCacheRules", "pullThroughCacheRules"),
    "repositoryCreationTemplates": (
        "DescribeRepositoryCreationTemplates",
        "repositoryCreationTemplates",
    ),
}


def collect_pull_through_cache(
    ecr: BaseClient, errors: dict[str, ErrorRecord]
) -> dict[str, list[dict[str, Any]] | None]:
    """{"pullThroughCacheRules": [...] or None, "repositoryCreationTemplates": [...] or None}."""
    return {
        field: attempt(errors, field, lambda op=operation, key=key: to_json(paginate(ecr, op, key)))
        for field, (operation, key) in LISTINGS.items()
    }

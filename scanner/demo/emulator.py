"""What moto does not emulate of ECR, added for the demo and the tests: pull-through cache rules
and repository creation templates (DescribePullThroughCacheRules,
DescribeRepositoryCreationTemplates), answered from state kept on moto's own ECR backend for the
account and region, so it is reset with every other emulated resource when a mock ends.

moto raises NotImplementedError for both operations, which would stop every emulated collection.
`install()` adds the two read operations to moto's ECR responder (idempotent, in-process, so
the threaded moto server answers too); `seed_*` fill the table. Never imported by the collector.
"""

import json
from typing import Any

# The attribute of moto's ECR backend that holds
# {"pullThroughCacheRules": [...], "repositoryCreationTemplates": [...]}.
_STATE = "_ecrscan_pull_through_cache"


def install() -> None:
    from moto.ecr.responses import ECRResponse

    if getattr(ECRResponse, "_ecrscan_emulated", False):
        return
    ECRResponse.describe_pull_through_cache_rules = _answer("pullThroughCacheRules")
    ECRResponse.describe_repository_creation_templates = _answer("repositoryCreationTemplates")
    ECRResponse._ecrscan_emulated = True


def _answer(field: str):
    def respond(self) -> str:
        entries = getattr(self.ecr_backend, _STATE, {}).get(field, [])
        return json.dumps({field: entries})

    respond.__name__ = f"describe_{field}"
    return respond


def seed_pull_through_cache(
    account: str,
    region: str,
    rules: list[dict[str, Any]],
    templates: list[dict[str, Any]],
) -> None:
    from moto.ecr.models import ecr_backends

    state = {"pullThroughCacheRules": rules, "repositoryCreationTemplates": templates}
    setattr(ecr_backends[account][region], _STATE, state)


def set_image_state(
    account: str,
    region: str,
    repository: str,
    tag: str,
    *,
    age_days: float | None = None,
    scan: dict[str, Any] | None = None,
) -> None:
    """Age an emulated image, or give it a scan result: moto pushes at the wall clock and never
    reports imageScanStatus or imageScanFindingsSummary from DescribeImages."""
    from moto.ecr.models import ecr_backends

    images = ecr_backends[account][region].repositories[repository].images
    for image in images:
        if tag in (image.image_tags or []):
            if age_days is not None:
                image.image_pushed_at -= age_days * 86400
            if scan is not None:
                image.image_scan_status = {"status": scan["status"]}
                image.image_scan_findings_summary = {
                    "findingSeverityCounts": scan.get("findingSeverityCounts", {})
                }


def spread_push_times(account: str, region: str, repository: str, age_days: float = 0) -> None:
    """moto stamps pushes to the second, so images pushed together tie: make each image an hour
    older than the next one pushed (the last pushed is the newest), plus `age_days`."""
    from moto.ecr.models import ecr_backends

    images = ecr_backends[account][region].repositories[repository].images
    for position, image in enumerate(images):
        image.image_pushed_at -= int((len(images) - position) * 3600 + age_days * 86400)

"""What moto does not emulate of ECR, added for the demo and the tests: pull-through cache rules
and repository creation templates (DescribePullThroughCacheRules,
DescribeRepositoryCreationTemplates), answered from state kept on moto's own ECR backend for the
account and region, so it is reset with every other emulated resource when a mock ends.

moto raises NotImplementedError for both operations, which would stop every emulated collection.
`install()` adds the two read operations to moto's ECR responder (idempotent, in-process, so
the threaded moto server answers too); `seed_*` fill the table. Never imported by the collector.

moto's Resource Groups Tagging API (GetResources) knows nothing of ECR either: `install()` also
makes it list the tagged repositories of moto's ECR backend, as resource type `ecr:repository`.
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
    _list_repositories_in_get_resources()
    ECRResponse._ecrscan_emulated = True


def _list_repositories_in_get_resources() -> None:
    """Chain the account and region's tagged ECR repositories after what moto already lists;
    moto applies the type, tag and ARN filters and the paging to the chained generator."""
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

    listed_by_moto = ResourceGroupsTaggingAPIBackend._get_resources_generator

    def with_repositories(self, tag_filters=None, resource_type_filters=None, **kwargs):
        yield from listed_by_moto(self, tag_filters, resource_type_filters, **kwargs)
        arns = kwargs.get("resource_arn_list")
        for resource in _tagged_repositories(self.account_id, self.region_name):
            if _wanted(resource, tag_filters, resource_type_filters, arns):
                yield resource

    ResourceGroupsTaggingAPIBackend._get_resources_generator = with_repositories


def _tagged_repositories(account: str, region: str):
    from moto.core.resource_tagging import TaggedResource
    from moto.ecr.models import ecr_backends

    if account not in ecr_backends or region not in ecr_backends[account]:
        return
    backend = ecr_backends[account][region]
    for repository in list(backend.repositories.values()):
        tags = backend.tagger.get_tag_dict_for_resource(repository.arn)
        # Like AWS, GetResources lists only resources that carry tags.
        if tags:
            yield TaggedResource(arn=repository.arn, tags=tags, resource_type="ecr:repository")


def _wanted(resource, tag_filters, resource_type_filters, arns) -> bool:
    from moto.core.resource_tagging import make_tag_matcher, match_resource_type

    return (
        match_resource_type(resource.resource_type, resource_type_filters)
        and make_tag_matcher(tag_filters)(resource.tags)
        and (not arns or resource.arn in arns)
    )


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


def resolve_function_image(account: str, region: str, function_name: str) -> None:
    """Make an image function's ResolvedImageUri name the digest its tag points to, as Lambda
    does on deployment: moto stubs it with a hash of the URI, a digest no repository holds."""
    from moto.awslambda.models import lambda_backends
    from moto.ecr.models import ecr_backends

    function = lambda_backends[account][region].get_function(function_name)
    uri = function.code["ImageUri"]
    name, _, tag = uri.split("/", 1)[1].rpartition(":")
    for image in ecr_backends[account][region].repositories[name].images:
        if tag in (image.image_tags or []):
            function.code_sha_256 = image.get_image_digest().removeprefix("sha256:")


def load_aws_managed_policies(account: str, names: tuple[str, ...]) -> None:
    """Put these AWS managed policies (moto's copies of AWS's documents) into the emulated
    account, as MOTO_IAM_LOAD_MANAGED_POLICIES=true would put all of them, at a fraction of its
    cost; a policy already there is left alone."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[account]["global"]
    known = json.loads(aws_managed_policies_data)
    for name in names:
        policy = AWSManagedPolicy.from_data(name, account, backend.region_name, known[name])
        if policy.arn not in backend.managed_policies:
            backend.aws_managed_policies.append(policy)
            backend.managed_policies[policy.arn] = policy

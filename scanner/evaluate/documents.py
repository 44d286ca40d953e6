"""Snapshot in, one input document per resource out.

Each document carries every field the snapshot collected for its resource, under the snapshot's
own field names, plus its context (account, region, origin, the region's registry settings) and
a few views computed once (parsed template lifecycle policies; derived.images, the counts, the
newest image and the distinct tags in use); docs/policies.md describes the shapes. Nothing is
trimmed here: each control is handed only the fields its Rego text reads
(scanner.evaluate.input_paths, the one list of what controls read), so a control of your own can
read any collected field, and a field no control reads costs nothing.

Regions whose repositories or VPCs could not be listed yield gaps: rows that must show ERROR.
Fields added to the snapshot later (kmsKey, inspectorFindings, securityGroups, pull-through
cache) are read with .get: a snapshot that predates them, or an IaC snapshot without them, still
evaluates, and the controls that need them say the input is missing instead of passing.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.collect.policy_text import parse_optional_policy_text
from scanner.evaluate import consistency
from scanner.evaluate.consumer_documents import consumer_documents
from scanner.evaluate.pusher_documents import pusher_documents
from scanner.evaluate.snapshot_index import SnapshotIndex

# What a snapshot record holds about ecrscan itself rather than the resource: where an IaC source
# declared it and the suppressions written there, which ecrscan applies, never a control.
_NOT_RESOURCE_FIELDS = ("source", "suppressions")
# Optional registry fields, null when a snapshot predates them.
_OPTIONAL_REGISTRY_FIELDS = ("declared", "pullThroughCacheRules", "repositoryCreationTemplates")
# derived.images is a compact view of derived.imageSummary (which the document also carries
# whole): the newest image's fields the image controls read, so their projected input, pushed
# once per repository, stays small however much a real DescribeImages item holds.
_NEWEST_IMAGE_FIELDS = ("imageDigest", "imageTags", "imagePushedAt", "imageScanStatus")


@dataclass(frozen=True)
class Resource:
    resource_type: str
    resource_id: str
    name: str
    account_id: str
    region: str
    document: dict[str, Any]
    source: dict[str, Any] | None = None  # where an IaC source declared it
    # Why no control can judge it (the snapshot contradicts itself about it): ERROR everywhere.
    problem: str | None = None


@dataclass(frozen=True)
class Gap:
    """A region where a whole kind of resource could not be listed."""

    resource_type: str
    resource_id: str
    account_id: str
    region: str
    error: dict[str, str]


def vpc_arn(partition: str, region: str, account: str, vpc_id: str) -> str:
    """VPC results are keyed by ARN, like repositories, though DescribeVpcs returns none."""
    return f"arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}"


def declared_id(record: dict[str, Any]) -> str | None:
    """The identity an IaC source gives what it declares (scanner/iac/records.resource_id);
    None for live resources, whose identity is their ARN."""
    return (record.get("source") or {}).get("id")


def resources(
    snapshot: dict[str, Any], policy_data: dict[str, Any] | None = None
) -> Iterator[Resource]:
    """Every resource of the snapshot; with the configuration's policy data, also the pushers
    it names (`pushers`), which exist only as configuration."""
    partition = snapshot["partition"]
    collected_at = rfc3339(snapshot["collected_at"])
    # "aws" (collected) or "iac" (planned): controls of live state are N/A for planned ones.
    origin = snapshot.get("origin", "aws")
    collected_until = collection_end(snapshot)
    # Pushers are judged against the roles' live IAM policies, which planned infrastructure
    # (ecrscan iac) does not hold: a shared configuration must not make every plan ERROR.
    pushers = [] if origin == "iac" else (policy_data or {}).get("pushers") or []
    index = _index(snapshot, pushers)
    for scope in snapshot["inventory"]:
        unlisted = consistency.unlisted_account(snapshot, scope["account_id"])
        in_scope = [
            _repositories(scope, collected_at, origin, collected_until),
            _registry(scope, partition, origin),
            _vpcs(scope, partition, origin),
            _consumers(index, scope, collected_at, origin) if index is not None else (),
        ]
        for found in in_scope:
            yield from (consistency.unjudgeable(r, unlisted) for r in found) if unlisted else found
    if index is not None:
        yield from _pushers(index, pushers, origin)


def _index(snapshot: dict[str, Any], pushers: list) -> SnapshotIndex | None:
    """The cross-snapshot look-ups, built only when something joins on them."""
    if pushers or any(scope.get("consumers") for scope in snapshot["inventory"]):
        return SnapshotIndex(snapshot)
    return None


def _consumers(
    index: SnapshotIndex, scope: dict[str, Any], collected_at: str, origin: str
) -> Iterator[Resource]:
    for consumer, document in consumer_documents(index, scope, collected_at, origin):
        yield Resource(
            resource_type=consumer["kind"],
            resource_id=declared_id(consumer) or consumer["arn"],
            name=consumer["name"],
            account_id=scope["account_id"],
            region=scope["region"],
            document=document,
            source=consumer.get("source"),
        )


def _pushers(index: SnapshotIndex, pushers: list, origin: str) -> Iterator[Resource]:
    for row, document in pusher_documents(index, pushers, origin):
        yield Resource(resource_type="pusher", document=document, **row)


def gaps(snapshot: dict[str, Any]) -> Iterator[Gap]:
    partition = snapshot["partition"]
    for scope in snapshot["inventory"]:
        account, region = scope["account_id"], scope["region"]
        if scope["repositories"] is None:
            yield Gap(
                "repository",
                f"arn:{partition}:ecr:{region}:{account}:repository/*",
                account,
                region,
                scope["errors"].get("repositories") or _unknown_error("DescribeRepositories"),
            )
        network = scope["network"]
        if network["vpcs"] is None:
            yield Gap(
                "vpc",
                vpc_arn(partition, region, account, "*"),
                account,
                region,
                network["errors"].get("vpcs") or _unknown_error("DescribeVpcs"),
            )
        if snapshot.get("origin", "aws") == "aws":
            yield from _consumer_gaps(scope, partition)


# The region errors key of each consumer listing, its resource type and the ARN of its gap row.
_CONSUMER_LISTINGS = (
    ("ecsServices", "ecs-service", "ListServices", "arn:{p}:ecs:{r}:{a}:service/*"),
    ("lambdaFunctions", "lambda-function", "ListFunctions", "arn:{p}:lambda:{r}:{a}:function:*"),
)


def _consumer_gaps(scope: dict[str, Any], partition: str) -> Iterator[Gap]:
    """An ERROR row per kind of consumer that could not be listed (completely) in a region; a
    snapshot that predates consumer collection has none listed at all."""
    account, region = scope["account_id"], scope["region"]
    for key, resource_type, operation, arn in _CONSUMER_LISTINGS:
        error = scope["errors"].get(key)
        if "consumers" not in scope:
            error = {
                "operation": operation,
                "code": "NotCollected",
                "message": "the snapshot predates consumer collection; collect it again",
            }
        if error is not None:
            yield Gap(
                resource_type, arn.format(p=partition, r=region, a=account), account, region, error
            )


def collection_end(snapshot: dict[str, Any]) -> str:
    """When collection ended: nothing the snapshot saw can be newer than that."""
    return snapshot["collected_at"]


def _unknown_error(operation: str) -> dict[str, str]:
    return {"operation": operation, "code": "Unknown", "message": "not collected"}


def rfc3339(timestamp: str) -> str:
    """`Z` spelled `+00:00`: rego-cpp's time.parse_rfc3339_ns rejects the `Z` suffix."""
    return timestamp[:-1] + "+00:00" if timestamp.endswith("Z") else timestamp


def _repositories(
    scope: dict[str, Any], collected_at: str, origin: str, collected_until: str
) -> Iterator[Resource]:
    # The region's registry, whole: its scanning and replication rules decide for each repository.
    registry = _registry_record(scope["registry"])
    for record in scope["repositories"] or ():
        repository = record["repository"]
        contradictions = consistency.repository_errors(record, collected_until)
        yield Resource(
            resource_type="repository",
            resource_id=declared_id(record) or repository["repositoryArn"],
            name=repository["repositoryName"],
            account_id=scope["account_id"],
            region=scope["region"],
            document={
                **_resource_fields(record),
                "account_id": scope["account_id"],
                "region": scope["region"],
                "origin": origin,
                "collected_at": collected_at,
                "kmsKey": record.get("kmsKey"),
                "inspectorFindings": record.get("inspectorFindings"),
                "registry": registry,
                "derived": {
                    **record["derived"],
                    "images": _images(record["derived"].get("imageSummary")),
                },
                # A failed call says more than a contradiction in what it would have filled.
                "errors": {**contradictions, **record["errors"]}
                if contradictions
                else record["errors"],
            },
            source=record.get("source"),
            problem=consistency.misfiled(
                repository.get("repositoryArn"), scope["account_id"], scope["region"]
            ),
        )


def _resource_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Every field a snapshot record collected about its resource."""
    return {k: v for k, v in record.items() if k not in _NOT_RESOURCE_FIELDS}


def _registry_record(registry: dict[str, Any]) -> dict[str, Any]:
    """The registry record with its optional fields present (null when not collected):
    `declared` lists the settings planned infrastructure manages."""
    return {**dict.fromkeys(_OPTIONAL_REGISTRY_FIELDS), **registry}


def _images(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """derived.images: counts, the newest image, and the distinct tags in use (sorted).

    Distinct tags rather than every image keep the document small; `tags` is null when the
    snapshot predates the per-image list, so tag controls can say they lack it.
    """
    if summary is None:
        return None
    newest = summary.get("newestImage")
    listed = summary.get("images")
    return {
        "imageCount": summary["imageCount"],
        "untaggedImageCount": summary["untaggedImageCount"],
        "newestImage": None
        if newest is None
        else _pick(newest, _NEWEST_IMAGE_FIELDS)
        | {"findingSeverityCounts": _severity_counts(newest)}
        | _pushed_at(newest),
        "tags": None
        if listed is None
        else sorted({tag for image in listed for tag in image.get("imageTags", [])}),
    }


def _pushed_at(newest: dict[str, Any]) -> dict[str, Any]:
    pushed = newest.get("imagePushedAt")
    return {"imagePushedAt": rfc3339(pushed)} if isinstance(pushed, str) else {}


def _severity_counts(newest: dict[str, Any]) -> dict[str, int] | None:
    return (newest.get("imageScanFindingsSummary") or {}).get("findingSeverityCounts")


def _registry(scope: dict[str, Any], partition: str, origin: str) -> Iterator[Resource]:
    """One registry per account and region: its scanning rules judged against the repository
    names, its policy, and its pull-through cache rules with their creation templates."""
    registry = _registry_record(scope["registry"])
    account, region = scope["account_id"], scope["region"]
    repositories = scope["repositories"]
    yield Resource(
        resource_type="registry",
        resource_id=declared_id(scope) or f"arn:{partition}:ecr:{region}:{account}:registry",
        name="registry",
        account_id=account,
        region=region,
        document={
            "account_id": account,
            "region": region,
            "origin": origin,
            "registry": registry,
            "repositoryNames": None
            if repositories is None
            else sorted(r["repository"]["repositoryName"] for r in repositories),
            "derived": {
                **registry["derived"],
                "templateLifecyclePolicies": _template_lifecycles(
                    registry["repositoryCreationTemplates"]
                ),
            },
            # A failed call says more than a contradiction in what it would have filled.
            "errors": consistency.registry_errors(scope["registry"])
            | registry["errors"]
            | _pick(scope["errors"], ("repositories",)),
        },
        problem=None
        if registry["registryId"] in (account, None, "")
        else (
            f"the snapshot files registry {registry['registryId']} under account {account}: "
            "the snapshot contradicts itself"
        ),
    )


def _template_lifecycles(templates: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Each creation template's lifecycle policy text, parsed, keyed by prefix."""
    if templates is None:
        return None
    return {
        t["prefix"]: parse_optional_policy_text(t.get("lifecyclePolicy") or None) for t in templates
    }


def _vpcs(scope: dict[str, Any], partition: str, origin: str) -> Iterator[Resource]:
    network = scope["network"]
    account, region = scope["account_id"], scope["region"]
    for record in network["vpcs"] or ():
        vpc_id = record["vpc"]["VpcId"]
        yield Resource(
            resource_type="vpc",
            resource_id=declared_id(record) or vpc_arn(partition, region, account, vpc_id),
            name=vpc_id,
            account_id=account,
            region=region,
            document={
                **_resource_fields(record),
                "account_id": account,
                "region": region,
                "origin": origin,
                "securityGroups": record.get("securityGroups"),
                # The region's network errors (subnets, route tables, endpoints could not be
                # listed) apply to every VPC; a planned VPC (ecrscan iac) adds its own unknowns.
                "errors": {**network["errors"], **record.get("errors", {})},
            },
            source=record.get("source"),
        )


def _pick(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: mapping[key] for key in keys if key in mapping}

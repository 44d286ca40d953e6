"""Look up every ECR image a consumer references, in the repositories of the scan.

After every account and region is collected, references are grouped by repository and asked
with DescribeImages `imageIds`, 100 a request, in the repository owner's account (with that
account's clients). DescribeImages fails a whole request with ImageNotFoundException when one
id is missing, so a failing request is split in halves until the missing ids stand alone:
k missing images among n cost about 2k·log2(n/k) extra requests, none when all exist.

Each reference gets `lookup`: `found` (with `imageDetail`), `missing`, `no-repository`,
`not-scanned` (its account and region are outside the scan) or `not-ecr`; a failed call is
`failed`, with the error record under the reference's errors["imageDetail"].
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import OperationFailed, call
from scanner.collect.concurrency import map_concurrently
from scanner.collect.jsonable import to_json

BATCH = 100  # DescribeImages' imageIds limit
DETAIL_FIELDS = (
    "imageDigest",
    "imageTags",
    "imagePushedAt",
    "lastRecordedPullTime",
    "imageStatus",
    "imageManifestMediaType",
)
ClientFor = Callable[[str, str], BaseClient | None]  # (account, region) -> ECR client or None
RepositoryKey = tuple[str, str, str]  # (account, region, repository name)


def pulled_id(reference: dict[str, Any]) -> dict[str, str]:
    """The imageId ECR is asked for: the digest that is pulled when there is one, else the tag."""
    digest = reference.get("resolvedDigest") or reference.get("digest")
    return {"imageDigest": digest} if digest else {"imageTag": reference["tag"]}


def attach_referenced_images(
    inventory: list[dict[str, Any]], ecr_client: ClientFor, max_workers: int
) -> None:
    """Set lookup and imageDetail on every consumer's image references, in place."""
    listed = _listed_repositories(inventory)
    wanted: dict[RepositoryKey, list[dict[str, Any]]] = defaultdict(list)
    for reference in _references(inventory):
        state = _scope_state(reference, listed)
        if state == "in-scope":
            wanted[_key(reference)].append(reference)
        else:
            _settle(reference, state, listed)
    map_concurrently(
        lambda item: look_up(ecr_client(item[0][0], item[0][1]), item[0], item[1]),
        sorted(wanted.items()),
        max_workers,
        "ecrscan-images",
    )


def _references(inventory: list[dict[str, Any]]):
    for entry in inventory:
        for consumer in entry.get("consumers") or ():
            yield from consumer["derived"]["images"]


def _key(reference: dict[str, Any]) -> RepositoryKey:
    return reference["registryId"], reference["region"], reference["repositoryName"]


def _listed_repositories(inventory: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """{(account, region): set of repository names, or the error that stopped the listing}."""
    listed: dict[tuple[str, str], Any] = {}
    for entry in inventory:
        where = (entry["account_id"], entry["region"])
        if entry["repositories"] is None:
            listed[where] = entry["errors"].get("repositories") or {
                "operation": "DescribeRepositories",
                "code": "Unknown",
                "message": "the repositories were not listed",
            }
        else:
            listed[where] = {r["repository"]["repositoryName"] for r in entry["repositories"]}
    return listed


def _scope_state(reference: dict[str, Any], listed: dict[tuple[str, str], Any]) -> str:
    if reference.get("registry") != "ecr":
        return "not-ecr"
    names = listed.get((reference["registryId"], reference["region"]))
    if names is None:
        return "not-scanned"
    if isinstance(names, dict):
        return "failed"
    return "in-scope" if reference["repositoryName"] in names else "no-repository"


def _settle(reference: dict[str, Any], state: str, listed: dict[tuple[str, str], Any]) -> None:
    reference["lookup"] = state
    reference["imageDetail"] = None
    if state == "failed":
        reference["errors"]["imageDetail"] = dict(
            listed[(reference["registryId"], reference["region"])]
        )


def look_up(ecr: BaseClient | None, key: RepositoryKey, references: list[dict[str, Any]]) -> None:
    """Set lookup and imageDetail on references to one repository (account, region, name)."""
    account, _region, name = key
    ids = list({repr(pulled_id(r)): pulled_id(r) for r in references}.values())
    found: dict[str, dict[str, Any]] = {}
    try:
        for start in range(0, len(ids), BATCH):
            _describe(ecr, account, name, ids[start : start + BATCH], found)
    except OperationFailed as failure:
        if failure.code == "RepositoryNotFoundException":  # deleted since it was listed
            for reference in references:
                _settle(reference, "no-repository", {})
            return
        for reference in references:
            reference.update(lookup="failed", imageDetail=None)
            reference["errors"]["imageDetail"] = failure.record
        return
    for reference in references:
        detail = found.get(repr(pulled_id(reference)))
        reference.update(lookup="found" if detail else "missing", imageDetail=detail)


def _describe(
    ecr: BaseClient, account: str, name: str, ids: list[dict[str, str]], found: dict
) -> None:
    """Describe ids into found (keyed by repr of the asked id), splitting on a missing one."""
    try:
        answer = call(ecr, "DescribeImages", registryId=account, repositoryName=name, imageIds=ids)
    except OperationFailed as failure:
        if failure.code != "ImageNotFoundException":
            raise
        if len(ids) > 1:
            middle = len(ids) // 2
            _describe(ecr, account, name, ids[:middle], found)
            _describe(ecr, account, name, ids[middle:], found)
        return
    for detail in to_json(answer.get("imageDetails", [])):
        trimmed = {f: detail[f] for f in DETAIL_FIELDS if f in detail}
        for asked in ids:
            if _answers(detail, asked):
                found[repr(asked)] = trimmed


def _answers(detail: dict[str, Any], asked: dict[str, str]) -> bool:
    if "imageDigest" in asked:
        return detail.get("imageDigest") == asked["imageDigest"]
    return asked["imageTag"] in (detail.get("imageTags") or ())

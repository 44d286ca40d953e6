"""`ecrscan doctor`'s checklist, judged from a small snapshot with a scan's documents and policies.

The steps follow an ECR operations guide's checklist for a failed pull or push, in its order:
the repository exists, the tag (or digest) exists, the identity is allowed (naming the statement
that decides), the repository policy lets it (across accounts it must grant), the network path
(for a service), and for a push the login token's lifetime. Each step is one line: a status and
the evidence. What is not asked (no service, so no subnets) is SKIP, never PASS.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.engines.base import EngineError
from scanner.evaluate import identities
from scanner.evaluate.consumer_documents import consumer_documents, image_document
from scanner.evaluate.snapshot_index import SnapshotIndex

IDENTITY = "lib/doctor/identity"
REPOSITORY = "lib/doctor/repository"
NETWORK = "ecr/consumer_network_path/verdict"
ENTRYPOINTS = [IDENTITY, REPOSITORY, NETWORK]
Judge = Callable[[list[str], dict[str, Any]], dict[str, Any]]  # (entrypoints, input) -> answers


@dataclass(frozen=True)
class Step:
    name: str
    status: str  # PASS, FAIL, ERROR, N/A or SKIP
    evidence: str


def checklist(
    snapshot: dict[str, Any],
    reference: dict[str, Any],
    judge: Judge,
    *,
    push: bool = False,
    role: str | None = None,
) -> list[Step]:
    index = SnapshotIndex(snapshot)
    image = image_document(index, reference)
    steps = [_repository_step(image), _push_tag_step(image) if push else _image_step(image)]
    consumer = _consumer(index, snapshot)
    if consumer is None and role is None:
        steps.append(
            Step(
                "identity allowed",
                "ERROR",
                f"the caller is {snapshot['caller_arn']}, not a role: name one with --role ARN "
                "(or --service, --function)",
            )
        )
    for identity in _identities(index, consumer, role):
        document = {
            "mode": "push" if push else "pull",
            "account_id": snapshot["account_id"],
            "region": snapshot["regions"][0],
            "identity": identity,
            "image": image,
        }
        answers = judge([IDENTITY, REPOSITORY], document)
        who = _who(identity)
        steps.append(_policy_step(f"identity allowed ({who})", answers[IDENTITY]))
        steps.append(_policy_step(f"repository policy ({who})", answers[REPOSITORY]))
    if not push:
        steps.append(_network_step(consumer, image, judge))
    return steps


def _repository_step(image: dict[str, Any]) -> Step:
    name, where = image["repositoryName"], f"account {image['registryId']}, {image['region']}"
    lookup = image.get("lookup")
    if lookup == "no-repository":
        return Step(
            "repository exists",
            "FAIL",
            f"{name} does not exist in {where}: create it, or fix the name",
        )
    if lookup == "failed":
        return Step("repository exists", "ERROR", _error(image["errors"].get("imageDetail")))
    mutability = (image.get("repository") or {}).get("imageTagMutability", "?")
    return Step("repository exists", "PASS", f"{name} in {where} ({mutability})")


def _image_step(image: dict[str, Any]) -> Step:
    what = f"digest {image['digest']}" if image.get("digest") else f"tag {image['tag']}"
    name = f"{'digest' if image.get('digest') else 'tag'} exists"
    lookup, detail = image.get("lookup"), image.get("imageDetail") or {}
    if lookup == "found" and detail.get("imageStatus") in ("ARCHIVED", "ACTIVATING"):
        return Step(name, "FAIL", f"{what} is {detail['imageStatus'].lower()}: restore it first")
    if lookup == "found":
        tags = ", ".join(detail.get("imageTags") or []) or "untagged"
        return Step(
            name,
            "PASS",
            f"{detail.get('imageDigest')} ({tags}), pushed {detail.get('imagePushedAt')}",
        )
    if lookup == "missing":
        return Step(
            name,
            "FAIL",
            f"{what} is not in {image['repositoryName']}: push it, or use one that exists",
        )
    if lookup == "failed":
        return Step(name, "ERROR", _error(image["errors"].get("imageDetail")))
    return Step(name, "SKIP", "the repository does not exist")


def _push_tag_step(image: dict[str, Any]) -> Step:
    """A push may create a tag, or move one, but never overwrite one an immutable setting
    protects: ECR refuses it with ImageTagAlreadyExistsException."""
    name, lookup = "tag can be pushed", image.get("lookup")
    if image.get("digest") or not image.get("tag"):
        return Step(name, "N/A", "a push names a tag, not a digest")
    if lookup == "failed":
        return Step(name, "ERROR", _error(image["errors"].get("imageDetail")))
    if lookup != "found":
        return Step(name, "PASS" if lookup == "missing" else "SKIP", f"tag {image['tag']} is new")
    repository = image.get("repository") or {}
    mutability = repository.get("imageTagMutability", "?")
    excluded = _excluded(image["tag"], repository.get("imageTagMutabilityExclusionFilters") or [])
    immutable = mutability == "IMMUTABLE" or (
        (mutability == "IMMUTABLE_WITH_EXCLUSION") != excluded
        and mutability.endswith("_WITH_EXCLUSION")
    )
    if immutable:
        return Step(
            name,
            "FAIL",
            f"tag {image['tag']} exists and {image['repositoryName']} is {mutability}: ECR "
            "refuses to overwrite it (ImageTagAlreadyExistsException)",
        )
    return Step(name, "PASS", f"tag {image['tag']} exists and {mutability} lets the push move it")


def _excluded(tag: str, filters: list[dict[str, Any]]) -> bool:
    import fnmatch

    return any(
        isinstance(f.get("filter"), str)
        and fnmatch.fnmatchcase(tag, f["filter"].replace("[", "[[]"))
        for f in filters
    )


def _consumer(index: SnapshotIndex, snapshot: dict[str, Any]) -> dict[str, Any] | None:
    for scope in snapshot["inventory"]:
        for _record, document in consumer_documents(index, scope, snapshot["collected_at"], "aws"):
            return document
    return None


def _identities(
    index: SnapshotIndex, consumer: dict[str, Any] | None, role: str | None
) -> list[dict[str, Any]]:
    if consumer is not None:
        return consumer["identities"]
    return [] if role is None else [identities.resolve_role(index, role)]


def _who(identity: dict[str, Any]) -> str:
    """How a step names the identity: the role's name (the header and evidence give its ARN)."""
    if identity.get("kind") == "lambda-service":
        return "the Lambda service"
    if identity.get("kind") == "none":
        return "no execution role"
    return str(identity.get("arn") or identity.get("instanceProfileArn")).rsplit("/", 1)[-1]


def _policy_step(name: str, answer: Any) -> Step:
    if isinstance(answer, EngineError) or not isinstance(answer, dict):
        return Step(name, "ERROR", f"the policy could not be evaluated: {answer}")
    return Step(name, str(answer.get("status")), str(answer.get("reason", "")))


def _network_step(consumer: dict[str, Any] | None, image: dict[str, Any], judge: Judge) -> Step:
    if consumer is None:
        return Step("network path", "SKIP", "name --service CLUSTER/SERVICE to check its subnets")
    document = dict(consumer, images=[image])
    return _policy_step("network path", judge([NETWORK], document)[NETWORK])


def _error(record: dict[str, Any] | None) -> str:
    if not record:
        return "not collected"
    return f"{record.get('operation')} failed with {record.get('code')}: {record.get('message')}"


def exit_status(steps: list[Step]) -> str:
    """FAIL when some step fails, ERROR when some could not be told, else PASS."""
    statuses = {step.status for step in steps}
    return "FAIL" if "FAIL" in statuses else "ERROR" if "ERROR" in statuses else "PASS"

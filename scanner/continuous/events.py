"""EventBridge events in, re-checks out: what must be judged again after each kind of change.

| event                                         | re-check                                  |
| --------------------------------------------- | ----------------------------------------- |
| ECR Image Action (PUSH, DELETE)               | that repository                           |
| ECR Image Scan                                | that repository                           |
| ECR Scan Resource Change                      | the repositories it lists                 |
| CloudTrail: a repository-level call           | that repository (DeleteRepository: gone)  |
| CloudTrail: PutRegistryScanningConfiguration, | every repository of the region            |
|   PutReplicationConfiguration                 |   (registry-wide settings)                |
| Scheduled Event                               | a full scan of the account                |

Every re-check also judges the region's registry. A CloudTrail record of a call that failed
changed nothing, so it is skipped (and said so). Anything else is refused: an event this
function was not meant to receive is a deployment error, not something to guess about.
"""

import re
from dataclasses import dataclass
from typing import Any

IMAGE_ACTION = "ECR Image Action"
IMAGE_SCAN = "ECR Image Scan"
SCAN_RESOURCE_CHANGE = "ECR Scan Resource Change"
CLOUDTRAIL = "AWS API Call via CloudTrail"
SCHEDULED = "Scheduled Event"

# CloudTrail eventName -> what it changes. The EventBridge rules match exactly these names.
REPOSITORY_CALLS = (
    "CreateRepository",
    "DeleteRepository",
    "PutImageTagMutability",
    "PutImageScanningConfiguration",
    "SetRepositoryPolicy",
    "DeleteRepositoryPolicy",
    "PutLifecyclePolicy",
    "DeleteLifecyclePolicy",
)
REGISTRY_CALLS = ("PutRegistryScanningConfiguration", "PutReplicationConfiguration")

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


class UnusableEvent(ValueError):
    """An event the handler cannot act on: malformed, or not one it subscribes to."""


@dataclass(frozen=True)
class Recheck:
    """What to judge again. `repositories` None = every repository of the region(s); `full`
    = a scheduled full scan (every configured region, with the network)."""

    account_id: str
    region: str
    repositories: tuple[str, ...] | None
    reason: str
    event_id: str
    full: bool = False
    skipped: str | None = None  # why nothing needs judging (a failed API call)


def recheck_for(event: Any) -> Recheck:
    if not isinstance(event, dict):
        raise UnusableEvent("the event is not a JSON object")
    kind = event.get("detail-type")
    account, region = _text(event, "account", _ACCOUNT), _text(event, "region", _REGION)
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    event_id = str(event.get("id") or "")
    common = {"account_id": account, "region": region, "event_id": event_id}
    if kind == SCHEDULED and event.get("source") == "aws.events":
        return Recheck(repositories=None, reason="scheduled full scan", full=True, **common)
    if event.get("source") != "aws.ecr":
        raise UnusableEvent(f"unexpected source {str(event.get('source'))[:64]!r}")
    if kind in (IMAGE_ACTION, IMAGE_SCAN):
        name = _name(detail.get("repository-name"))
        action = _word(detail.get("action-type") or detail.get("scan-status"))
        return Recheck(repositories=(name,), reason=f"{kind} {action}".strip(), **common)
    if kind == SCAN_RESOURCE_CHANGE:
        return _scan_resource_change(detail, common)
    if kind == CLOUDTRAIL:
        return _cloudtrail(detail, common)
    raise UnusableEvent(f"unexpected detail-type {str(kind)[:64]!r}")


def _scan_resource_change(detail: dict[str, Any], common: dict[str, str]) -> Recheck:
    listed = detail.get("repositories")
    if not isinstance(listed, list) or not listed:
        raise UnusableEvent("ECR Scan Resource Change lists no repositories")
    names = tuple(dict.fromkeys(_name((item or {}).get("repository-name")) for item in listed))
    reason = f"{SCAN_RESOURCE_CHANGE} {_word(detail.get('action-type'))}".strip()
    return Recheck(repositories=names, reason=reason, **common)


def _cloudtrail(detail: dict[str, Any], common: dict[str, str]) -> Recheck:
    call = str(detail.get("eventName") or "")
    if detail.get("eventSource") != "ecr.amazonaws.com":
        raise UnusableEvent("a CloudTrail event not from ecr.amazonaws.com")
    if call not in REPOSITORY_CALLS + REGISTRY_CALLS:
        raise UnusableEvent(f"unexpected ECR call {call[:64]!r}")
    reason = f"CloudTrail {call}"
    if detail.get("errorCode"):
        skipped = f"{call} failed ({_word(detail['errorCode'])}): nothing changed"
        return Recheck(repositories=(), reason=reason, skipped=skipped, **common)
    if call in REGISTRY_CALLS:
        return Recheck(repositories=None, reason=reason, **common)
    parameters = detail.get("requestParameters")
    name = _name((parameters if isinstance(parameters, dict) else {}).get("repositoryName"))
    return Recheck(repositories=(name,), reason=reason, **common)


def _word(value: Any) -> str:
    """An enum-like word from the event (PUSH, COMPLETE, AccessDenied), reduced to letters,
    digits and underscores: it reaches logs and summaries, so nothing else gets through."""
    return re.sub(r"[^A-Za-z0-9_]", "", str(value or ""))[:64]


def _text(event: dict[str, Any], key: str, pattern: re.Pattern) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise UnusableEvent(f"the event's {key} is missing or malformed")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not (2 <= len(value) <= 256) or not _NAME.match(value):
        raise UnusableEvent("the event names no valid repository")
    return value

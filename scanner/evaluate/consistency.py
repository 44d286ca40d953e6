"""A snapshot that contradicts itself is no evidence of compliance.

The controls trust what they read: a `derived.repositoryPolicy` of null says "no policy", a
policy document that is a string has "no Allow statements", and an image pushed after the
collection time is "-26328 days old". A snapshot from the collector never says such things, but a
snapshot is a file: edited, merged by hand, written by another tool. So before a resource is
judged, what its fields say is checked against each other, and every contradiction becomes an
error record under the field it spoils (`InconsistentSnapshot`), which the controls that read
that field turn into ERROR, never PASS. A resource filed under the wrong account or region is
wrong for every control: it gets a `problem` and ERROR in every cell.
"""

import dataclasses
import datetime as dt
import functools
from typing import Any

from scanner.collect.policy_text import parse_optional_policy_text

# Raw field (an AWS response) -> the key of its policy text (derived.<field> is that text
# parsed) and the key of the document's list of statements or rules.
REPOSITORY_POLICY_TEXTS = {
    "repositoryPolicy": ("policyText", "Statement"),
    "lifecyclePolicy": ("lifecyclePolicyText", "rules"),
}
REGISTRY_POLICY_TEXTS = {"registryPolicy": ("policyText", "Statement")}
# An image pushed this long after collection started is a contradiction, not clock skew.
CLOCK_SKEW = dt.timedelta(minutes=5)


def repository_errors(record: dict[str, Any], collected_until: str | None) -> dict[str, Any]:
    """Error records for the fields of one repository record that contradict each other."""
    errors = _policy_errors(record, REPOSITORY_POLICY_TEXTS)
    image_error = _image_after_collection(record, collected_until)
    if image_error:
        errors["images"] = image_error
    return errors


def registry_errors(registry: dict[str, Any]) -> dict[str, Any]:
    return _policy_errors(registry, REGISTRY_POLICY_TEXTS)


def misfiled(arn: Any, account: str, region: str) -> str | None:
    """Why an ECR ARN does not belong in the inventory entry of (account, region), or None.
    Anything that is not an ARN (planned resources may have none yet) is not judged here."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    arn_region, arn_account = parts[3], parts[4]
    if (arn_account, arn_region) == (account, region):
        return None
    return (
        f"the snapshot files {arn} under account {account} in {region}: it names account "
        f"{arn_account} in {arn_region}, so the snapshot contradicts itself"
    )


def unlisted_account(snapshot: dict[str, Any], account: str) -> str | None:
    """Why an inventory entry's account contradicts the snapshot's list of the accounts it
    scanned (a collector's snapshot says which it entered), or None."""
    listed = snapshot.get("accounts")
    if listed is None or account in listed:
        return None
    return (
        f"the snapshot holds an inventory entry for account {account}, which is not among the "
        f"accounts it says it scanned ({', '.join(listed) or 'none'}): it contradicts itself"
    )


def unjudgeable(resource: Any, problem: str) -> Any:
    """The resource, marked so that every control gives ERROR with the problem as reason."""
    return resource if resource.problem else dataclasses.replace(resource, problem=problem)


def _policy_errors(record: dict[str, Any], texts: dict[str, tuple[str, str]]) -> dict[str, Any]:
    errors = {}
    derived = record.get("derived") or {}
    for field, (text_key, list_key) in texts.items():
        if field not in derived or field not in record:
            continue  # a snapshot that predates the field; the controls say it is missing
        problem = _policy_problem(field, record[field], text_key, derived[field], list_key)
        if problem:
            errors[field] = inconsistent(problem)
    return errors


def _policy_problem(field: str, raw: Any, text_key: str, derived: Any, list_key: str) -> str | None:
    text = raw.get(text_key) if isinstance(raw, dict) else None
    if raw is not None and not isinstance(text, str):
        return f"{field} has no {text_key} text"
    if not _same_reading(derived, _parsed(text)):
        return f"derived.{field} does not match {field}.{text_key}"
    if derived is None or "document" not in derived:
        return None  # no policy, or one the controls already report as unreadable
    document = derived["document"]
    if not isinstance(document, dict):
        return f"the {field} document is a JSON {_json_type(document)}, not an object"
    listed = document.get(list_key, [])
    if not isinstance(listed, dict | list):
        return f"the {field} document's {list_key} is a JSON {_json_type(listed)}"
    return None


def _same_reading(derived: Any, expected: dict[str, Any] | None) -> bool:
    """Equal documents, or both unreadable: the words of a parse error vary between versions
    of ecrscan and Python, and either way the controls say the policy cannot be read."""
    if isinstance(derived, dict) and expected is not None and "parseError" in expected:
        return "parseError" in derived and "document" not in derived
    return derived == expected


@functools.lru_cache(maxsize=4096)
def _parsed(text: str | None) -> dict[str, Any] | None:
    """Policy texts repeat across an organisation: parse each once (read-only results)."""
    return parse_optional_policy_text(text)


def _image_after_collection(record: dict[str, Any], collected_until: str | None) -> Any:
    newest = ((record.get("derived") or {}).get("imageSummary") or {}).get("newestImage")
    pushed = _instant((newest or {}).get("imagePushedAt"))
    until = _instant(collected_until)
    if pushed is None or until is None or pushed <= until + CLOCK_SKEW:
        return None
    return inconsistent(
        f"the newest image was pushed at {newest['imagePushedAt']}, after the snapshot was "
        f"collected ({collected_until}), so its age cannot be known"
    )


def inconsistent(message: str) -> dict[str, str]:
    return {"operation": "ecrscan", "code": "InconsistentSnapshot", "message": message}


def _instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _json_type(value: Any) -> str:
    names = {str: "string", bool: "boolean", int: "number", float: "number", list: "array"}
    return "null" if value is None else names.get(type(value), type(value).__name__)

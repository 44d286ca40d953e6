"""Who manages each repository's KMS key: the customer, or AWS (the aws/ecr key).

A repository's description names its key by ARN only, and the AWS-managed aws/ecr key has an
ARN like any other, so DescribeKey's KeyManager is the only way to tell them apart. Each key is
described once per scan, however many repositories (in however many accounts) use it: a key
ARN names one key everywhere, so its description serves every account. A refusal is kept per
account and region (another account's role may be allowed), and so is a key named by alias or
id, which means a different key in each account and region.
"""

import threading
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import OperationFailed, call
from scanner.collect.jsonable import to_json

# The KeyMetadata fields a control reads; the rest (creation date, key spec ...) is noise here.
KEY_FIELDS = ("KeyId", "Arn", "KeyManager", "KeyState", "Enabled")

Described = dict[str, Any]  # KeyMetadata fields, or an error record (it has "operation")


class KeyDescriptions:
    """The DescribeKey answers of one scan, shared by every account and region."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, ...], Described] = {}
        self._locks: dict[tuple[str, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def describe(self, kms: BaseClient, account_id: str, region: str, key: str) -> Described:
        """The key's description, asking AWS only the first time anyone needs it."""
        shared = (key,) if _names_one_key(key) else None
        local = (account_id, region, key)
        with self._lock:
            one_at_a_time = self._locks.setdefault(shared or local, threading.Lock())
        with one_at_a_time:  # another account may be describing the same key right now
            known = (shared and self._answers.get(shared)) or self._answers.get(local)
            if known is None:
                known = _describe(kms, key)
                refused = "operation" in known
                self._answers[local if refused or shared is None else shared] = known
            return known


def _names_one_key(key: str) -> bool:
    """A key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID) means the same key to everyone."""
    return key.startswith("arn:") and ":key/" in key


def attach_kms_keys(
    kms: BaseClient,
    records: list[dict[str, Any]],
    keys: KeyDescriptions | None = None,
    *,
    account_id: str = "",
    region: str = "",
) -> None:
    """Set record["kmsKey"] on each repository record: KeyMetadata, or None when the
    repository is not KMS-encrypted; a failed DescribeKey lands in record["errors"]["kmsKey"]."""
    keys = keys or KeyDescriptions()
    for record in records:
        arn = _key_arn(record["repository"])
        record["kmsKey"] = None
        if arn is None:
            continue
        outcome = keys.describe(kms, account_id, region, arn)
        if "operation" in outcome:
            record["errors"]["kmsKey"] = dict(outcome)
        else:
            record["kmsKey"] = outcome


def _key_arn(repository: dict[str, Any]) -> str | None:
    encryption = repository.get("encryptionConfiguration") or {}
    if not str(encryption.get("encryptionType", "")).startswith("KMS"):
        return None
    return encryption.get("kmsKey")


def _describe(kms: BaseClient, arn: str) -> Described:
    try:
        metadata = call(kms, "DescribeKey", KeyId=arn)["KeyMetadata"]
    except OperationFailed as failure:
        return failure.record
    return to_json({field: metadata[field] for field in KEY_FIELDS if field in metadata})

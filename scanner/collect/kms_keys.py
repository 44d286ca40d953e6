"""Who manages each repository's KMS key: the customer, or AWS (the aws/ecr key).

A repository's description names its key by ARN only, and the AWS-managed aws/ecr key has an
ARN like any other, so DescribeKey's KeyManager is the only way to tell them apart. Each key is
described once per region, however many repositories share it.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, call
from scanner.collect.jsonable import to_json

# The KeyMetadata fields a control reads; the rest (creation date, key spec ...) is noise here.
KEY_FIELDS = ("KeyId", "Arn", "KeyManager", "KeyState", "Enabled")


def attach_kms_keys(kms: BaseClient, records: list[dict[str, Any]]) -> None:
    """Set record["kmsKey"] on each repository record: KeyMetadata, or None when the
    repository is not KMS-encrypted; a failed DescribeKey lands in record["errors"]["kmsKey"]."""
    described: dict[str, dict[str, Any] | ErrorRecord] = {}
    for record in records:
        arn = _key_arn(record["repository"])
        record["kmsKey"] = None
        if arn is None:
            continue
        if arn not in described:
            described[arn] = _describe(kms, arn)
        outcome = described[arn]
        if "operation" in outcome:
            record["errors"]["kmsKey"] = dict(outcome)
        else:
            record["kmsKey"] = outcome


def _key_arn(repository: dict[str, Any]) -> str | None:
    encryption = repository.get("encryptionConfiguration") or {}
    if not str(encryption.get("encryptionType", "")).startswith("KMS"):
        return None
    return encryption.get("kmsKey")


def _describe(kms: BaseClient, arn: str) -> dict[str, Any]:
    try:
        metadata = call(kms, "DescribeKey", KeyId=arn)["KeyMetadata"]
    except OperationFailed as failure:
        return failure.record
    return to_json({field: metadata[field] for field in KEY_FIELDS if field in metadata})

"""Results files in S3: each re-check's own file, and the latest state of an account.

A location is `s3://bucket/prefix`. Keys under it:

    runs/<account>/<YYYY-MM-DD>/<time>-<what>-<id>.json   one file per re-check or scan
    latest/<account>.json                                  the last full scan, updated in place
    org/<run>/accounts/<account>.json, org/<run>/...        the organisation state machine's
"""

import re
from dataclasses import dataclass

from botocore.client import BaseClient

from scanner.collect.calls import OperationFailed
from scanner.errors import InputError
from scanner.export.calls import call_declared

_LOCATION = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")
ABSENT = ("NoSuchKey",)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, text: str) -> "S3Location":
        match = _LOCATION.match(text.strip())
        if not match or ".." in text:
            raise InputError(f"{text!r} is not an S3 location such as s3://bucket/ecrscan")
        return cls(match.group(1), (match.group(2) or "").strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p.strip("/"))

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def put_text(s3: BaseClient, bucket: str, key: str, text: str, content_type: str) -> None:
    call_declared(
        s3,
        "PutObject",
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType=content_type,
        ServerSideEncryption="AES256",
    )


def get_text(s3: BaseClient, bucket: str, key: str) -> str | None:
    """The object's text, or None when there is no such object (an answer, not a failure)."""
    try:
        answer = call_declared(s3, "GetObject", Bucket=bucket, Key=key)
    except OperationFailed as failure:
        if failure.code in ABSENT:
            return None
        raise
    return answer["Body"].read().decode("utf-8")


def list_keys(s3: BaseClient, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    token = None
    while True:
        params = {"Bucket": bucket, "Prefix": prefix}
        if token:
            params["ContinuationToken"] = token
        answer = call_declared(s3, "ListObjectsV2", **params)
        keys += [item["Key"] for item in answer.get("Contents", [])]
        token = answer.get("NextContinuationToken")
        if not answer.get("IsTruncated") or not token:
            return sorted(keys)

"""The one path every AWS call takes: declared-operation check, then failure translation.

A call either returns AWS's answer or raises `OperationFailed`, which carries the error record
the snapshot stores. Only failures that mean "could not collect" are translated (an AWS error
response, a network fault after botocore's retries, missing or expired credentials); anything
else, such as a TypeError or an invalid parameter, is a bug in ecrscan and propagates.
"""

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import (
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    TokenRetrievalError,
)

from scanner.collect.permissions import require_declared

T = TypeVar("T")

# Network faults (connect/read timeouts, closed connections, unreachable endpoints) and
# credential faults. botocore has already retried the retryable ones when these reach us.
TRANSPORT_FAILURES = (
    HTTPClientError,
    ConnectionError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    TokenRetrievalError,
)

ErrorRecord = dict[str, str]


class OperationFailed(Exception):
    """An AWS call that could not be completed; `record` is what the snapshot stores."""

    def __init__(self, operation: str, code: str, message: str):
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message

    @property
    def record(self) -> ErrorRecord:
        return {"operation": self.operation, "code": self.code, "message": self.message}

    @classmethod
    def from_exception(cls, operation: str, exc: Exception) -> "OperationFailed":
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            return cls(operation, error.get("Code") or "Unknown", error.get("Message") or str(exc))
        return cls(operation, type(exc).__name__, str(exc))


def _service(client: BaseClient) -> str:
    return client.meta.service_model.service_name


def call(client: BaseClient, operation: str, **params: Any) -> dict[str, Any]:
    """Call one declared operation, e.g. call(ecr, "GetLifecyclePolicy", repositoryName="x")."""
    require_declared(_service(client), operation)
    method = getattr(client, xform_name(operation))
    try:
        return method(**params)
    except (ClientError, *TRANSPORT_FAILURES) as exc:
        raise OperationFailed.from_exception(operation, exc) from exc


def paginate(
    client: BaseClient, operation: str, result_key: str, page_size: int | None = None, **params: Any
) -> list[Any]:
    """Every item under `result_key` across all pages; a failure on any page fails the listing.

    A partial listing would read as "these are all the repositories", so it is never returned.
    """
    require_declared(_service(client), operation)
    paginator = client.get_paginator(xform_name(operation))
    if page_size is not None:
        params["PaginationConfig"] = {"PageSize": page_size}
    items: list[Any] = []
    try:
        for page in paginator.paginate(**params):
            items.extend(page.get(result_key, []))
    except (ClientError, *TRANSPORT_FAILURES) as exc:
        raise OperationFailed.from_exception(operation, exc) from exc
    return items


def attempt(
    errors: dict[str, ErrorRecord],
    key: str,
    fetch: Callable[[], T],
    absent_codes: Collection[str] = (),
) -> T | None:
    """Run `fetch`; on failure store its error record under errors[key] and return None.

    An error code in `absent_codes` means the thing does not exist (no lifecycle policy, say):
    that is an answer, not a failure, so it returns None without an error record.
    """
    try:
        return fetch()
    except OperationFailed as failure:
        if failure.code not in absent_codes:
            errors[key] = failure.record
        return None

"""The one path every AWS call takes: declared-operation check, then failure translation.

A call either returns AWS's answer or raises `OperationFailed`, which carries the error record
the snapshot stores. Every failure botocore reports is translated: an AWS error response, a
network fault after botocore's retries, missing or expired credentials, an answer that is not
AWS's (a proxy's HTML page: `ResponseParserError`), even a parameter botocore refuses (a name
an endpoint handed us that the API will not take back). One call's failure is that call's error
record, never an aborted scan. Anything else, such as a TypeError, is a bug in ecrscan and
propagates. The message is stored as one line of at most about 200 characters.

A `Deadline` installed on a client (scanner.collect.session does it) fails every attempt that
would start after it has passed, retries included, with the code `DeadlineExceeded`: a stuck scan
ends with the answers it has, and everything it lacks is recorded as an error, not left out.
"""

import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from scanner.collect.permissions import require_declared
from scanner.collect.safe_text import CODE_LIMIT, one_line

T = TypeVar("T")

# Network faults (connect/read timeouts, closed connections, unreachable endpoints), credential
# faults, unparseable answers, pagination loops: botocore has already retried the retryable
# ones when these reach us. ResponseParserError is not a BotoCoreError, hence named apart.
# A RecursionError is what Python's JSON decoder raises for an answer nested too deeply.
CALL_FAILURES = (ClientError, BotoCoreError, ResponseParserError, RecursionError)

ErrorRecord = dict[str, str]
DEADLINE_CODE = "DeadlineExceeded"


class DeadlineExceeded(Exception):
    """Raised inside botocore, before an attempt is sent, once the deadline has passed."""


class Deadline:
    """A moment (monotonic clock) after which no AWS request is sent, first attempt or retry.

    A request already in flight is not cut short: it ends with its answer or its read timeout,
    so a scan overruns its deadline by at most one read timeout plus one retry backoff.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._at = clock() + seconds

    def passed(self) -> bool:
        return self._clock() >= self._at

    def install(self, client: BaseClient) -> None:
        # before-parameter-build fires first thing in a call, so calls queued behind the
        # deadline cost no serialising or signing; before-send fires before every attempt, after
        # any retry backoff, and botocore does not retry what a handler raises there.
        client.meta.events.register_first("before-parameter-build", self._refuse_when_passed)
        client.meta.events.register_first("before-send", self._refuse_when_passed)

    def _refuse_when_passed(self, **_: Any) -> None:
        if self.passed():
            raise DeadlineExceeded(f"the {self.seconds:g} s --deadline passed before this call")


class OperationFailed(Exception):
    """An AWS call that could not be completed; `record` is what the snapshot stores."""

    def __init__(self, operation: str, code: str, message: str):
        self.operation = operation
        self.code = one_line(code, CODE_LIMIT) or "Unknown"
        self.message = one_line(message)
        super().__init__(f"{operation} failed: {self.code}: {self.message}")

    @property
    def record(self) -> ErrorRecord:
        return {"operation": self.operation, "code": self.code, "message": self.message}

    @classmethod
    def from_exception(cls, operation: str, exc: Exception) -> "OperationFailed":
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            return cls(operation, error.get("Code") or "Unknown", error.get("Message") or str(exc))
        if isinstance(exc, DeadlineExceeded):
            return cls(operation, DEADLINE_CODE, str(exc))
        if isinstance(exc, RecursionError):
            return cls(operation, "ResponseParserError", "the answer is nested too deeply to read")
        return cls(operation, type(exc).__name__, str(exc))


def _service(client: BaseClient) -> str:
    return client.meta.service_model.service_name


def call(client: BaseClient, operation: str, **params: Any) -> dict[str, Any]:
    """Call one declared operation, e.g. call(ecr, "GetLifecyclePolicy", repositoryName="x")."""
    require_declared(_service(client), operation)
    method = getattr(client, xform_name(operation))
    try:
        return method(**params)
    except (DeadlineExceeded, *CALL_FAILURES) as exc:
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
    except (DeadlineExceeded, *CALL_FAILURES) as exc:
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

"""The one path the write side's AWS calls take: declared-operation check, then failure
translation into OperationFailed, as scanner.collect.calls does for the read side."""

from typing import Any

from botocore import xform_name
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from scanner.collect.calls import TRANSPORT_FAILURES, DeadlineExceeded, OperationFailed
from scanner.collect.permissions import (
    EXPORT_OPERATIONS,
    RESULTS_STORE_OPERATIONS,
    UndeclaredOperationError,
)


def call_declared(client: BaseClient, operation: str, **params: Any) -> dict[str, Any]:
    service = client.meta.service_model.service_name
    key = (service, operation)
    if key not in EXPORT_OPERATIONS and key not in RESULTS_STORE_OPERATIONS:
        raise UndeclaredOperationError(f"{service}:{operation} is not a declared write operation")
    try:
        return getattr(client, xform_name(operation))(**params)
    except (ClientError, DeadlineExceeded, *TRANSPORT_FAILURES) as exc:
        raise OperationFailed.from_exception(operation, exc) from exc

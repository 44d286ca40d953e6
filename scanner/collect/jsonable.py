"""Turn boto3 responses into plain JSON values without renaming or dropping AWS's fields."""

from datetime import UTC, datetime
from typing import Any


def iso_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC, spelled with 'Z' like every timestamp the collector writes
    (2025-01-31T12:00:00Z, fractions kept); a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def to_json(value: Any) -> Any:
    """A deep copy of `value` in which every datetime is an ISO 8601 string."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def response_body(response: dict[str, Any]) -> dict[str, Any]:
    """A response without botocore's ResponseMetadata (request ids and HTTP headers)."""
    return to_json({key: item for key, item in response.items() if key != "ResponseMetadata"})

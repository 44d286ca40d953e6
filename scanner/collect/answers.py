"""Refuse a successful answer whose body is not in the protocol's format.

botocore's JSON parser takes a body it cannot parse as `{"message": <body>}`: a proxy's HTML
page answered with HTTP 200 to DescribeRepositories would read as "no repositories". The XML
parsers already raise ResponseParserError on such a body; this makes the JSON protocols do the
same, so the call becomes an error record instead of an empty listing.
"""

from typing import Any

from botocore.client import BaseClient
from botocore.parsers import ResponseParserError

JSON_PROTOCOLS = frozenset({"json", "rest-json"})
# Enough of the body for the message to name what came back (one_line shortens it again).
_QUOTED_BYTES = 2000


def refuse_unparseable_answers(client: BaseClient) -> None:
    protocol = client.meta.service_model.resolved_protocol
    if protocol in JSON_PROTOCOLS:
        client.meta.events.register("before-parse", _refuse_non_json, unique_id="ecrscan-json")


def _refuse_non_json(response_dict: dict[str, Any], **_: Any) -> None:
    status = response_dict.get("status_code") or 0
    body = response_dict.get("body") or b""
    if not 200 <= status < 300 or not body or body.lstrip()[:1] in (b"{", b"["):
        return
    text = body[:_QUOTED_BYTES].decode("utf-8", errors="replace")
    raise ResponseParserError(f"Unable to parse response: HTTP {status} answer is not JSON: {text}")

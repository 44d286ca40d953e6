"""Turn rego-cpp's error trees into `file:line:column: message` for people.

rego-cpp reports errors as an S-expression whose locations are byte offsets into the module,
with every string length-prefixed: `(error 31:/path/x.rego|184|1 (errormsg 27:Invalid ...))`.
"""

import re
from collections.abc import Mapping

_LOCATED = re.compile(r"\(error (\d+):")
_MESSAGE = re.compile(r"\(errormsg (\d+):")


def describe(error_text: str, modules: Mapping[str, str]) -> str:
    """The first error as `path:line:column: message`, or its text squeezed onto one line."""
    message = _length_prefixed(error_text, _MESSAGE)
    location = _location(error_text, modules)
    if message and location:
        return f"{location}: {message}"
    if message:
        return message
    return " ".join(error_text.split())[:300]


def _length_prefixed(text: str, pattern: re.Pattern) -> str | None:
    match = pattern.search(text)
    if not match:
        return None
    start = match.end()
    return text[start : start + int(match.group(1))]


def _location(text: str, modules: Mapping[str, str]) -> str | None:
    match = _LOCATED.search(text)
    if not match:
        return None
    start = match.end()
    path = text[start : start + int(match.group(1))]
    offset = re.match(r"\|(\d+)\|", text[start + int(match.group(1)) :])
    if path not in modules or not offset:
        return path or None
    source = modules[path].encode("utf-8")[: int(offset.group(1))].decode("utf-8", "replace")
    line = source.count("\n") + 1
    column = len(source) - (source.rfind("\n") + 1) + 1
    return f"{path}:{line}:{column}"

"""The results document itself: what `report` and CI tooling read back."""

import json
from collections.abc import Iterator
from json.encoder import encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses
from typing import Any

from scanner.evaluate.results import RESULT_FIELDS, Result, Results
from scanner.text_safety import safe_json_chunk


def render(results: Results) -> str:
    return "".join(chunks(results))


def chunks(results: Results) -> Iterator[str]:
    """The document in pieces, one result each: the same data as json.dumps(indent=2) of
    the whole, without its cost (that builds every result as a dict, then tens of millions of
    tiny strings at once: gigabytes for 100,000 repositories). Control and separator
    characters in strings are \\u escapes (safe_json_chunk): the same values, inert when the
    file is printed, and always valid UTF-8."""
    for chunk in _raw_chunks(results):
        yield safe_json_chunk(chunk)


def _raw_chunks(results: Results) -> Iterator[str]:
    yield '{\n  "metadata": ' + _dumps(results.metadata, "  ")
    if not results.results:
        yield ',\n  "results": []\n}\n'
        return
    separator = ',\n  "results": [\n    '
    for result in results.results:
        yield separator + _result_text(result)
        separator = ",\n    "
    yield "\n  ]\n}\n"


def _dumps(value, indent: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


_FIELD_LINES = tuple(f"      {json.dumps(name)}: " for name in RESULT_FIELDS)


def _result_text(result: Result) -> str:
    """_dumps(asdict(result), "    "), built field by field: asdict copies deeply, and json.dumps
    with an indent runs the pure-Python encoder, which together cost 24 µs a result (25 s for
    a million results, a third of an evaluation at 100,000 repositories)."""
    fields = [
        line + _value_text(getattr(result, name))
        for line, name in zip(_FIELD_LINES, RESULT_FIELDS, strict=True)
    ]
    return "{\n" + ",\n".join(fields) + "\n    }"


def _value_text(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    return _dumps(value, "      ")  # a source or exception object, nested one level deeper

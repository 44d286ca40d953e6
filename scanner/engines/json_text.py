"""JSON text that rego-cpp reads: numbers never in exponent notation.

Python writes a float such as 0.00001 as `1e-05`, and rego-cpp's JSON reader refuses exponents
(`1e-05`, `1E5`), so configuration data or an input document holding one would not load: a
storage price of 0.00001 made every evaluation fail as "policy does not compile". Every JSON
text handed to rego-cpp goes through rego_json, which spells such floats out in full (0.00001,
1000...0.0); Go OPA reads both spellings, so the text stays valid for every engine.
"""

import json
import math
from decimal import Decimal
from typing import Any


def rego_json(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False), with every finite float written without an
    exponent."""
    if not _has_float(value):
        return json.dumps(value, ensure_ascii=False)
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def plain_number(number: float) -> str:
    """A finite float as decimal digits with a point (1e-05 -> 0.00001, 1e+16 ->
    10000000000000000.0); NaN and infinities as json.dumps spells them (no engine reads those)."""
    text = repr(number)
    if "e" not in text or not math.isfinite(number):
        return json.dumps(number)
    plain = format(Decimal(text), "f")
    return plain if "." in plain else plain + ".0"


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(item) for item in value)
    return False


def _encode(value: Any, parts: list[str]) -> None:
    if isinstance(value, float):
        parts.append(plain_number(value))
    elif isinstance(value, dict):
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append(", " if index else "")
            parts.append(json.dumps(_key(key), ensure_ascii=False) + ": ")
            _encode(item, parts)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            parts.append(", " if index else "")
            _encode(item, parts)
        parts.append("]")
    else:
        parts.append(json.dumps(value, ensure_ascii=False))


def _key(key: Any) -> str:
    """A key as json.dumps writes it: str as it is; numbers, booleans and None as JSON text."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return plain_number(key)
    if key is None or isinstance(key, int):
        return json.dumps(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

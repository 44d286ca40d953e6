"""Hand a document to rego-cpp node by node instead of as JSON text.

`Interpreter.set_input_term(text)` runs rego-cpp's parser over the text: about 150 µs for a
repository's projected document, more than the query itself. rego-cpp's C API also builds an
input from values pushed one at a time (regoNewInput, regoInputString, ..., regoSetInput), which
costs about a third of that. regopy wraps that API as `Input(value)` but gets strings wrong:
rego-cpp keeps every string in its JSON-escaped spelling, so a value holding a quote, a backslash
or a control character must be pushed escaped, and `Input` pushes it raw. This module pushes
every string (keys included) exactly as `json.dumps` would spell it between its quotes, so the
interpreter ends up holding the same terms that set_input_term would have parsed;
tests/test_rego_input.py proves it on adversarial documents.

Two differences remain, and both send a document through set_input_term instead:
- rego-cpp's C API spells a float with std::to_string (six decimals), losing precision, and
  cannot carry an integer outside int64: a document holding either is parsed from text.
- It builds array elements without the Term wrapper the parser gives them. Every operator and
  builtin tried reads them the same, except those that render a term back to text:
  json.marshal, json.marshal_with_options and yaml.marshal of an array, and sprintf's %s verb
  of an array or of an object found in one. A control whose modules call the first three, or
  sprintf with a %s verb (or a format that is not a literal), is never pushed (see pushable).
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from regopy import Interpreter

from scanner.evaluate.input_paths import code_only, comments_removed

try:  # regopy's ctypes handle on librego_shared; the C functions below are rego-cpp's API
    from regopy.rego_shared import rego as _lib

    _FUNCTIONS = (
        "regoNewInput",
        "regoFreeInput",
        "regoSetInput",
        "regoInputString",
        "regoInputInt",
        "regoInputBoolean",
        "regoInputNull",
        "regoInputObjectItem",
        "regoInputObject",
        "regoInputArray",
    )
    AVAILABLE = all(hasattr(_lib, name) for name in _FUNCTIONS)
except ImportError:  # a regopy that no longer exposes it: fall back to text
    AVAILABLE = False

_RENDERS_TERMS = re.compile(r"\b(?:json\.marshal(?:_with_options)?|yaml\.marshal)\s*\(")
_SPRINTF = re.compile(r"\bsprintf\s*\(")
_SPRINTF_LITERAL = re.compile(r'\bsprintf\s*\(\s*(?:"((?:[^"\\\n]|\\.)*)"|`([^`]*)`)')
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_OK = 0


class _NotRepresentable(Exception):
    """A value the node-by-node API cannot carry exactly."""


def pushable(sources: Iterable[str]) -> bool:
    """Whether a control made of these Rego modules reads a pushed input exactly as a parsed one:
    true unless one of them renders terms back to text in a way pushed arrays change."""
    for source in sources:
        code = code_only(source)
        if _RENDERS_TERMS.search(code):
            return False
        formats = [q or b for q, b in _SPRINTF_LITERAL.findall(comments_removed(source))]
        if len(formats) != len(_SPRINTF.findall(code)):
            return False  # a format that is not a literal could hold %s
        if any("%s" in f for f in formats):
            return False
    return True


def set_input(interpreter: Interpreter, document: Any, *, push: bool = True) -> None:
    """interpreter.set_input_term(json.dumps(document, ensure_ascii=False)), only faster when
    push is true (see pushable)."""
    if push and AVAILABLE:
        handle = _lib.regoNewInput()
        try:
            _push(handle, document)
            if _lib.regoSetInput(interpreter._impl, handle) == _OK:
                return
        except (_NotRepresentable, UnicodeEncodeError):
            pass
        finally:
            _lib.regoFreeInput(handle)
    # The parser reports what is wrong with a document; the fast path only says "not OK".
    interpreter.set_input_term(json.dumps(document, ensure_ascii=False))


def _push(handle: Any, value: Any) -> None:
    kind = type(value)
    if kind is str:
        _check(_lib.regoInputString(handle, _escaped(value)))
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise _NotRepresentable
            _check(_lib.regoInputString(handle, _escaped(key)))
            _push(handle, item)
            _check(_lib.regoInputObjectItem(handle))
        _check(_lib.regoInputObject(handle, len(value)))
    elif kind is list:
        for item in value:
            _push(handle, item)
        _check(_lib.regoInputArray(handle, len(value)))
    elif value is None:
        _check(_lib.regoInputNull(handle))
    elif kind is bool:
        _check(_lib.regoInputBoolean(handle, value))
    elif kind is int and _INT64_MIN <= value <= _INT64_MAX:
        _check(_lib.regoInputInt(handle, value))
    else:  # floats, big integers, tuples, subclasses: let json.dumps and the parser decide
        raise _NotRepresentable


def _escaped(text: str) -> bytes:
    if _NEEDS_ESCAPE.search(text):
        text = json.dumps(text, ensure_ascii=False)[1:-1]
    return text.encode("utf-8")  # a lone surrogate raises: the text path decides


def _check(code: int) -> None:
    if code != _OK:
        raise _NotRepresentable

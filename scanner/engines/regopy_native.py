"""rego-cpp's C API, called directly where regopy's wrappers cost more than the work.

Input. `Interpreter.set_input_term(text)` runs rego-cpp's parser over the text: about 150 µs
for a repository's projected document, more than most queries. The C API also builds an input
from values pushed one at a time (regoNewInput, regoInputString, ..., regoSetInput), for about a
fifth of that. regopy wraps it as `Input(value)` but gets strings wrong: rego-cpp keeps every
string in its JSON-escaped spelling, so a value holding a quote, a backslash or a control
character must be pushed escaped, and `Input` pushes it raw. set_input pushes every string
(keys included) exactly as `json.dumps` spells it between its quotes, so the interpreter holds
the terms set_input_term would have parsed; tests/test_rego_native.py proves it on adversarial
documents. Two differences remain, and both send a document through set_input_term instead:
- the C API spells a float with std::to_string (six decimals) and cannot carry an integer
  outside int64: a document holding either is parsed from text;
- it builds array elements without the Term wrapper the parser gives them. Every operator and
  builtin tried reads them the same, except those that render a term back to text:
  json.marshal, json.marshal_with_options and yaml.marshal of an array, and sprintf's %s verb
  of an array or of an object found in one. A control whose modules call the first three, or
  sprintf with a %s verb (or with a format that is not a literal), is never pushed (pushable).

Where the package was built with a C compiler, `answers` pushes and queries a whole batch in C
(scanner/engines/_native_input.c) with the GIL released once: each ctypes call costs half a
microsecond, a hundred of them per document a quarter of a query's time, and two threads taking
turns at the GIL per call lost a fifth of their time. Without the extension the same rules run
through ctypes below (NATIVE says which is in use).

Output. regopy's `Output` asks for the answer's text twice and wraps it in objects the engine
does not need; query reads it once.

Guard. All of this leans on rego-cpp's internals (its private ctypes handle, the escaped
spelling), which a regopy release may change without an error, only different verdicts. So
before the first push in a process, native_trusted runs probe documents both ways
(scanner.engines.regopy_selftest) and, on any difference, sends every query through the parser
and regopy's public API instead, saying so once on stderr.
"""

import ctypes
import json
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any

from regopy import Interpreter, RegoError

from scanner.engines.json_text import rego_json
from scanner.evaluate.input_paths import code_only, comments_removed

try:  # regopy's ctypes handle on librego_shared, whose C functions are rego-cpp's API
    from regopy.rego_shared import rego as _lib
    from regopy.rego_shared import rego_get_error

    # The push calls take well under a microsecond of C each: called through a PyDLL view of the
    # same library they keep the GIL, which costs less than releasing and retaking it per node.
    _pushes = ctypes.PyDLL(_lib._name, handle=_lib._handle)
    _pushes.regoNewInput.argtypes = []
    _pushes.regoNewInput.restype = ctypes.c_void_p
    _pushes.regoFreeInput.argtypes = [ctypes.c_void_p]
    _pushes.regoFreeInput.restype = None
    for _name, _args in {
        "regoInputString": [ctypes.c_void_p, ctypes.c_char_p],
        "regoInputInt": [ctypes.c_void_p, ctypes.c_int64],
        "regoInputBoolean": [ctypes.c_void_p, ctypes.c_bool],
        "regoInputNull": [ctypes.c_void_p],
        "regoInputObjectItem": [ctypes.c_void_p],
        "regoInputObject": [ctypes.c_void_p, ctypes.c_uint32],
        "regoInputArray": [ctypes.c_void_p, ctypes.c_uint32],
        "regoInputValidate": [ctypes.c_void_p],
        "regoInputSize": [ctypes.c_void_p],
    }.items():
        getattr(_pushes, _name).argtypes = _args
        getattr(_pushes, _name).restype = ctypes.c_uint32
    AVAILABLE = all(
        hasattr(_lib, name)
        for name in (
            "regoSetInput",
            "regoBundleQueryEntrypoint",
            "regoOutputOk",
            "regoOutputJSONSize",
            "regoOutputJSON",
            "regoFreeOutput",
            "regoOutputNode",
            "regoNodeSize",
            "regoNodeGet",
            "regoNodeType",
            "regoNodeValueSize",
            "regoNodeValue",
        )
    )
except (ImportError, AttributeError):  # a regopy laid out differently: use its public API
    AVAILABLE = False

try:
    from scanner.engines import _native_input  # type: ignore[attr-defined]
except ImportError:  # built without a C compiler (hatch_build.py)
    _native_input = None
if AVAILABLE and _native_input is not None:
    try:
        _native_input.bind(
            {
                name: ctypes.cast(getattr(_lib, name), ctypes.c_void_p).value
                for name in _native_input.NEEDS
            }
        )
    except AttributeError:  # a librego_shared without one of them: stay on the ctypes path
        _native_input = None
NATIVE = AVAILABLE and _native_input is not None

_RENDERS_TERMS = re.compile(r"\b(?:json\.marshal(?:_with_options)?|yaml\.marshal)\s*\(")
_SPRINTF = re.compile(r"\bsprintf\s*\(")
_SPRINTF_LITERAL = re.compile(r'\bsprintf\s*\(\s*(?:"((?:[^"\\\n]|\\.)*)"|`([^`]*)`)')
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_OK = 0
# native_trusted's verdict: None until the self-test has run in this process.
_trusted: bool | None = None
_trust_lock = threading.Lock()
NOT_UTF8 = "rego-cpp's answer is not UTF-8 text"  # the same words as _native_input.c
# Keys and values repeat across documents ("repositoryName", "IMMUTABLE", account ids): their
# pushed spelling is remembered, up to a bound that keeps memory flat on unique values.
_SPELLINGS: dict[str, bytes] = {}
_MAX_SPELLINGS = 100_000


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
    """interpreter.set_input_term(rego_json(document)), only faster when push is true (see
    pushable) and the fast path passed its self-test (native_trusted)."""
    if not (push and AVAILABLE and native_trusted() and _pushed(interpreter, document)):
        # The parser reports what is wrong with a document; the fast path only says "not OK".
        interpreter.set_input_term(rego_json(document))


def _pushed(interpreter: Interpreter, document: Any) -> bool:
    """Hand document to the interpreter node by node; False when it cannot be (then nothing
    was set)."""
    handle = _pushes.regoNewInput()
    try:
        # rego-cpp's input keeps the first error it meets and ignores later calls, so one
        # check at the end covers every push.
        _push(handle, document)
        return (
            _pushes.regoInputValidate(handle) == _OK
            and _pushes.regoInputSize(handle) == 1
            and _lib.regoSetInput(interpreter._impl, handle) == _OK
        )
    except (_NotRepresentable, UnicodeEncodeError):
        return False
    finally:
        _pushes.regoFreeInput(handle)


def answers(
    interpreter: Interpreter,
    bundle: Any,
    entrypoint: bytes,
    documents: list[Any],
    *,
    push: bool = True,
) -> list[tuple[bool, str]]:
    """(ok, text) for each document as the input of one entrypoint, in order: the answer's JSON
    ("undefined" when there is none) when ok, else rego-cpp's error text.

    With the C extension the documents are pushed and queried in one call that releases the GIL
    once for all of them: two worker threads taking turns at the GIL for every push and query
    spent a fifth of their time handing it over."""
    if push and NATIVE and native_trusted():
        found = _native_input.evaluate(interpreter._impl, bundle._impl, entrypoint, documents)
        return [
            answer if answer is not None else _answer(interpreter, bundle, entrypoint, document)
            for answer, document in zip(found, documents, strict=True)
        ]
    return [_answer(interpreter, bundle, entrypoint, d, push=push) for d in documents]


def native_trusted() -> bool:
    """Whether the fast paths (inputs pushed node by node, answers read through the C API) give
    what rego-cpp's parser and regopy's own API give: checked once per process, before the
    first push, on probe documents (scanner.engines.regopy_selftest). They rely on how this
    rego-cpp spells strings inside, which no release promises; when a probe differs, every
    query goes through the parser and regopy's API instead, and stderr says so once."""
    global _trusted
    if _trusted is None:
        with _trust_lock:
            if _trusted is None:
                from scanner.engines import regopy_selftest

                problem = regopy_selftest.first_difference() if AVAILABLE else None
                if problem is not None:
                    print(regopy_selftest.warning(problem), file=sys.stderr, flush=True)
                _trusted = problem is None
    return _trusted


def _answer(
    interpreter: Interpreter, bundle: Any, entrypoint: bytes, document: Any, *, push: bool = False
) -> tuple[bool, str]:
    try:
        set_input(interpreter, document, push=push)
        return query(interpreter, bundle, entrypoint)
    except RegoError as exc:  # a document rego-cpp cannot read is that document's error
        return False, str(exc)
    except UnicodeDecodeError:  # a builtin made bytes (base64.decode): as the C path says
        return False, NOT_UTF8


def query(interpreter: Interpreter, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
    """(ok, text) of one entrypoint's answer: the answer's JSON ("undefined" when there is none)
    when ok, else rego-cpp's error text."""
    if not (AVAILABLE and native_trusted()):
        return public_query(interpreter, bundle, entrypoint)
    return _fast_query(interpreter, bundle, entrypoint)


def public_query(interpreter: Interpreter, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
    """query through regopy's public API: slower, and a failed query's text is only "<error>"."""
    output = interpreter.query_bundle_entrypoint(bundle, entrypoint.decode())
    return output.ok(), str(output)


def _fast_query(interpreter: Interpreter, bundle: Any, entrypoint: bytes) -> tuple[bool, str]:
    output = _lib.regoBundleQueryEntrypoint(interpreter._impl, bundle._impl, entrypoint)
    if not output:
        raise RegoError(rego_get_error(interpreter._impl))
    try:
        ok = bool(_lib.regoOutputOk(output))
        words = None if ok else _error_text(output)
        if words is not None:
            return False, words
        size = _lib.regoOutputJSONSize(output)
        buffer = ctypes.create_string_buffer(size)
        if _lib.regoOutputJSON(output, buffer, size) != _OK:
            raise RegoError(rego_get_error(interpreter._impl))
        return ok, buffer.value.decode("utf-8")
    finally:
        _lib.regoFreeOutput(output)


# rego-cpp's node types for an error (rego_c.h): error > (errormsg, errorast, errorcode).
_ERROR, _ERROR_MESSAGE, _ERROR_CODE = 1800, 1801, 1803


def _error_text(output: int) -> str | None:
    """A failed query's words, "code: message[; ...]" (its JSON is only "<error>"), or None;
    _native_input.c's error_text reads them the same way."""
    errors = _lib.regoOutputNode(output)
    parts = []
    for i in range(_lib.regoNodeSize(errors) if errors else 0):
        error = _lib.regoNodeGet(errors, i)
        if not error or _lib.regoNodeType(error) != _ERROR:
            continue
        found = {}
        for j in range(_lib.regoNodeSize(error)):
            part = _lib.regoNodeGet(error, j)
            if part:
                found[_lib.regoNodeType(part)] = _node_value(part)
        code, message = found.get(_ERROR_CODE, ""), found.get(_ERROR_MESSAGE, "")
        parts.append(f"{code}: {message}" if code else message)
    return "; ".join(parts) or None


def _node_value(node: int) -> str:
    size = _lib.regoNodeValueSize(node)
    buffer = ctypes.create_string_buffer(size)
    if _lib.regoNodeValue(node, buffer, size) != _OK:
        return ""
    return buffer.value.decode("utf-8")


class _NotRepresentable(Exception):
    """A value the node-by-node API cannot carry exactly."""


def _push(handle: Any, value: Any) -> None:
    kind = type(value)
    if kind is str:
        _pushes.regoInputString(handle, _spelling(value))
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise _NotRepresentable
            _pushes.regoInputString(handle, _spelling(key))
            _push(handle, item)
            _pushes.regoInputObjectItem(handle)
        _pushes.regoInputObject(handle, len(value))
    elif kind is list:
        for item in value:
            _push(handle, item)
        _pushes.regoInputArray(handle, len(value))
    elif value is None:
        _pushes.regoInputNull(handle)
    elif kind is bool:
        _pushes.regoInputBoolean(handle, value)
    elif kind is int and _INT64_MIN <= value <= _INT64_MAX:
        _pushes.regoInputInt(handle, value)
    else:  # floats, big integers, tuples, subclasses: let json.dumps and the parser decide
        raise _NotRepresentable


def _spelling(text: str) -> bytes:
    spelled = _SPELLINGS.get(text)
    if spelled is None:
        escaped = json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPE.search(text) else text
        spelled = escaped.encode("utf-8")  # a lone surrogate raises: the text path decides
        if len(_SPELLINGS) < _MAX_SPELLINGS:
            _SPELLINGS[text] = spelled
    return spelled

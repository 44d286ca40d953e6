"""The start-up self-test of the native fast path (scanner.engines.regopy_native).

The fast path hands documents to rego-cpp node by node, every string in the escaped spelling
rego-cpp keeps inside, and reads answers through rego-cpp's C API. Nothing in regopy promises
that spelling: a release that changed it would change verdicts without any error. So, before a
process first pushes a document, the probe documents below (quotes, backslashes, control
characters, non-ASCII, nested arrays, large and negative integers) are evaluated both ways, by
every fast route this build has, and their answers compared with those of rego-cpp's parser and
regopy's public API: the same terms, the same string lengths and offsets, the same equalities.
"""

from importlib import metadata
from typing import Any

from regopy import Interpreter, LogLevel, RegoError

from scanner.engines import regopy_native as native
from scanner.engines.json_text import rego_json

PROBE_POLICY = """package ecrscan_probe

facts := {
	"echo": input,
	"strings": [[s, count(s), indexof(s, "b"), concat("|", [s, "x"])] |
		walk(input, [_, s])
		is_string(s)
	],
	"keys": [object.keys(o) | walk(input, [_, o]); is_object(o)],
	"numbers": [[n, n < 0, n > 9007199254740992] | walk(input, [_, n]); is_number(n)],
	"arrays": [count(a) | walk(input, [_, a]); is_array(a)],
	"equal": [i | data.probes[i] == input],
}
"""
ENTRYPOINT = b"ecrscan_probe/facts"
PROBES: tuple[Any, ...] = (
    {
        "quote": 'a"b',
        "backslash": "a\\b",
        "escaped quote": '\\"',
        "controls": "\x00\x01\x07\x1f\n\r\t\b\f",
        "delete": "\x7f",
        "slash": "a/b",
        "empty": "",
        'key "with\\ escapes\n': True,
    },
    {
        "non-ascii": "é ü ß ø 中文 😀",
        "separators": "\u2028\u2029\u00a0",
        "emoji key 😀": "ok",
        "policy text": '{"Statement": [{"Sid": "a\\"b", "Effect": "Allow"}]}\n',
    },
    {
        "nested": [[[]], [[1, [2, [3, ['a\\"b']]]]], [{"a": [[], {}]}]],
        "mixed": [None, True, False, 0, -1, "s", {}, []],
    },
    {
        "integers": [0, 1, -1, 255, -256, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, -(2**63)],
    },
    ["top\tlevel", ["\\"], {"k": '"'}, -42],
    'a "string" with a \\ backslash',
)


def first_difference() -> str | None:
    """None when every fast route answers every probe as the parser and the public API do,
    else what differed (the first difference found)."""
    try:
        interpreter, bundle = _compiled()
        for index, probe in enumerate(PROBES):
            problem = _probe_difference(interpreter, bundle, probe)
            if problem is not None:
                return f"probe {index + 1}: {problem}"
    except (RegoError, OSError, ValueError, UnicodeError) as exc:
        return f"the self-test could not run: {' '.join(str(exc).split())[:200]}"
    return None


def warning(problem: str) -> str:
    return (
        f"ecrscan: warning: rego-cpp (regopy {_regopy_version()}) reads documents handed over "
        f"natively differently from their JSON text ({problem}); evaluating through its parser "
        "instead, which is slower"
    )


def _compiled() -> tuple[Interpreter, Any]:
    interpreter = Interpreter()
    interpreter.log_level = LogLevel.NONE
    interpreter.add_module("ecrscan_probe.rego", PROBE_POLICY)
    interpreter.add_data_json(rego_json({"probes": list(PROBES)}))
    bundle = interpreter.build(None, [ENTRYPOINT.decode()])
    if not bundle.ok():
        raise ValueError(f"the probe policy does not compile: {bundle.node()}")
    return interpreter, bundle


def _probe_difference(interpreter: Interpreter, bundle: Any, probe: Any) -> str | None:
    interpreter.set_input_term(rego_json(probe))
    expected = native.public_query(interpreter, bundle, ENTRYPOINT)
    if not expected[0]:
        return "the parser's answer is an error"
    for route, answer in _fast_answers(interpreter, bundle, ENTRYPOINT, probe):
        if answer != expected:
            return f"{route} differ from the parser's"
    return None


def _fast_answers(interpreter: Interpreter, bundle: Any, entrypoint: bytes, probe: Any):
    """(route, (ok, text)) of each fast route: the parsed input read through the C API, the
    input pushed through ctypes, and the batch pushed and queried by the C extension."""
    interpreter.set_input_term(rego_json(probe))
    yield "answers read through the C API", native._fast_query(interpreter, bundle, entrypoint)
    pushed = native._pushed(interpreter, probe)
    answer = native._fast_query(interpreter, bundle, entrypoint) if pushed else None
    yield "inputs pushed through ctypes", answer
    if native.NATIVE:
        [answer] = native._native_input.evaluate(
            interpreter._impl, bundle._impl, entrypoint, [probe]
        )
        yield "batches through the C extension", answer


def _regopy_version() -> str:
    try:
        return metadata.version("regopy")
    except metadata.PackageNotFoundError:
        return "unknown version"

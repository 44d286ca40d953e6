"""The node-by-node input (scanner.engines.regopy_native) must leave rego-cpp holding exactly the
terms that set_input_term parses from the JSON text: same echo, same equalities, same builtins."""

import json
import shutil

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from regopy import Interpreter, LogLevel
from regopy.rego_shared import rego_bundle_query_entrypoint, rego_output_string

from scanner.engines import regopy_native
from scanner.engines.json_text import rego_json

POLICY = """package probe

import rego.v1

echo := input

facts := {
	"equal_to_data": input == data.expected,
	"marshalled": json.marshal(object.keys(input)),
	"strings": [[s, count(s), upper(s)] | walk(input, [_, s]); is_string(s)],
	"keys": [object.keys(o) | walk(input, [_, o]); is_object(o)],
}
"""
ENTRYPOINTS = ["probe/echo", "probe/facts"]

# Strings with everything rego-cpp's escaping could trip on: quotes, backslashes, control
# characters, non-ASCII, line separators and characters outside the BMP.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(['"', "\\", "\n", "\t", "\x00", "\x1f", "/", "é", "\u2028", "😀", "*"]),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=20,
)


def _compiled(source: str, entrypoints: list[str], data=None) -> tuple[Interpreter, object]:
    interpreter = Interpreter()
    interpreter.log_level = LogLevel.NONE
    interpreter.add_module("probe.rego", source)
    if data is not None:
        interpreter.add_data_json(rego_json(data))
    return interpreter, interpreter.build(None, entrypoints)


def _interpreter(expected) -> tuple[Interpreter, object]:
    interpreter, bundle = _compiled(POLICY, ENTRYPOINTS, {"expected": expected})
    # rego_json spells every number so rego-cpp reads it (1e-05 as 0.00001): always compiles.
    assert bundle.ok(), bundle.node()
    return interpreter, bundle


def _raw_answers(interpreter: Interpreter, bundle) -> list[str]:
    # The raw output text: regopy's Output parses it as JSON, which fails for some strings, the
    # same way on both paths; the text itself is what must match.
    return [
        rego_output_string(rego_bundle_query_entrypoint(interpreter._impl, bundle._impl, e))
        for e in ENTRYPOINTS
    ]


def _both_ways(document) -> tuple[list[str], list[str]]:
    """The raw answers from the parsed input and from the input pushed through ctypes; and,
    where the C extension is built, checks its answers against the parsed ones."""
    interpreter, bundle = _interpreter(document)
    interpreter.set_input_term(rego_json(document))
    parsed = _raw_answers(interpreter, bundle)
    regopy_native.set_input(interpreter, document)
    pushed = _raw_answers(interpreter, bundle)
    if regopy_native.NATIVE:
        for entrypoint in ENTRYPOINTS:
            by_text = regopy_native.answers(
                interpreter, bundle, entrypoint.encode(), [document], push=False
            )
            by_c = regopy_native.answers(interpreter, bundle, entrypoint.encode(), [document])
            assert by_c == by_text
    return parsed, pushed


def test_the_fast_path_is_available_with_the_pinned_regopy():
    assert regopy_native.AVAILABLE


@pytest.mark.skipif(
    not (shutil.which("cc") or shutil.which("gcc")),
    reason="no C compiler: the extension is optional",
)
def test_the_c_extension_is_built_where_a_compiler_is():
    # hatch_build.py only warns when the build fails, so a broken build would pass every other
    # test on the slower ctypes path: here it fails.
    assert regopy_native.NATIVE, "scanner/engines/_native_input.c was not built: see hatch_build.py"


needs_extension = pytest.mark.skipif(
    not regopy_native.NATIVE, reason="the C extension is not built"
)


@needs_extension
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=st.lists(st.dictionaries(TEXT, DOCUMENTS, max_size=4), min_size=1, max_size=6))
def test_a_batch_through_the_extension_answers_as_each_parsed_alone(documents):
    assume(not any(_has_lone_surrogate(d) for d in documents))
    interpreter, bundle = _interpreter({})
    for entrypoint in (e.encode() for e in ENTRYPOINTS):
        batch = regopy_native.answers(interpreter, bundle, entrypoint, documents)
        alone = [
            regopy_native.answers(interpreter, bundle, entrypoint, [d], push=False)[0]
            for d in documents
        ]
        assert batch == alone


@needs_extension
def test_a_batch_mixes_pushed_parsed_and_failing_documents():
    # Two definitions of a complete rule that both hold are an evaluation error.
    conflict = "package probe\n\nv := input.a if input.a > 0\n\nv := 0 if input.b == 0\n"
    interpreter, bundle = _compiled(conflict, ["probe/v"])
    documents = [{"a": 6, "b": 3}, {"a": 0.5, "b": 2}, {"a": 1, "b": 0}, {"a": 1 << 70, "b": 1}]
    batch = regopy_native.answers(interpreter, bundle, b"probe/v", documents)
    alone = [
        regopy_native.answers(interpreter, bundle, b"probe/v", [d], push=False)[0]
        for d in documents
    ]
    assert batch == alone
    assert [ok for ok, _ in batch] == [True, True, False, True]
    assert json.loads(batch[0][1]) == {"expressions": [6]}
    # rego-cpp's own words, not the "<error>" its output JSON holds
    assert batch[2][1] == "eval_conflict_error: complete rules must not produce multiple outputs"


def _has_lone_surrogate(document) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.dictionaries(TEXT, DOCUMENTS, max_size=5))
def test_pushed_input_is_the_parsed_input(document):
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate: neither path can hand it to rego-cpp
    parsed, pushed = _both_ways(document)
    assert pushed == parsed


@pytest.mark.parametrize(
    "document",
    [
        {"s": 'a"b', "t": "back\\slash", "u": "new\nline", "v": "nul\x00"},
        {'k"ey': {"nested\\": ["é", "😀", "\u2028"]}},
        {"big": 1 << 64, "small": -(1 << 63), "float": 1.5e300, "zero": 0.0},
        {"repository": {"repositoryName": "team/app", "imageTagMutability": "IMMUTABLE"}},
    ],
)
def test_known_sharp_edges(document):
    parsed, pushed = _both_ways(document)
    assert pushed == parsed
    assert '"equal_to_data":true' in parsed[1].replace(" ", "")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('package p\nv := sprintf("%v of %d", [input.a, 1])\n', True),
        ('package p\n# json.marshal(input) only in a comment\nv := "yaml.marshal("\n', True),
        ("package p\nv := json.marshal(input.a)\n", False),
        ("package p\nv := yaml.marshal(input.a)\n", False),
        ('package p\nv := sprintf("%s", [input.a])\n', False),
        ("package p\nv := sprintf(`%s`, [input.a])\n", False),
        ('package p\nf := "%v"\nv := sprintf(f, [input.a])\n', False),
    ],
)
def test_controls_that_render_terms_as_text_are_parsed(source, expected):
    assert regopy_native.pushable([source]) is expected


def test_every_shipped_control_takes_the_fast_path():
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.input_paths import entrypoint_modules
    from scanner.resources import policy_dir

    policies = load_policies(policy_dir())
    slow = [
        c.id
        for c in policies.controls
        if not regopy_native.pushable(
            policies.modules[p] for p in entrypoint_modules(c.entrypoint, policies.modules)
        )
    ]
    assert slow == []


def test_ordinary_documents_never_touch_the_parser(monkeypatch):
    interpreter, _ = _interpreter({})  # type: ignore[misc]
    calls = []
    monkeypatch.setattr(interpreter, "set_input_term", lambda text: calls.append(text))
    regopy_native.set_input(interpreter, {"a": ["x", 1, True, None, {"b": 'q"uote'}]})
    assert calls == []
    regopy_native.set_input(interpreter, {"huge": 1 << 80})  # beyond int64: the parser takes it
    regopy_native.set_input(interpreter, {"ratio": 0.1})  # rego-cpp would round it to 6 places
    regopy_native.set_input(interpreter, {"a": 1}, push=False)
    assert len(calls) == 3


@needs_extension
def test_an_estate_gets_the_same_results_with_and_without_the_extension(monkeypatch):
    from bench import synthetic
    from scanner.config import Config
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot
    from scanner.resources import policy_dir

    policies = load_policies(policy_dir())
    snapshot = synthetic.snapshot(200)
    with_c = evaluate_snapshot(snapshot, policies, Config(), workers=2).results
    monkeypatch.setattr(regopy_native, "NATIVE", False)
    with_ctypes = evaluate_snapshot(snapshot, policies, Config(), workers=2).results
    assert with_c == with_ctypes


@pytest.mark.parametrize("push", [True, False])
def test_an_answer_that_is_not_utf8_is_that_documents_error(push):
    interpreter, bundle = _compiled("package probe\n\nv := base64.decode(input.b)\n", ["probe/v"])
    documents = [{"b": "aGk="}, {"b": "/w=="}, {"b": "aGk="}]  # "hi", a lone 0xff byte, "hi"
    answers = regopy_native.answers(interpreter, bundle, b"probe/v", documents, push=push)
    assert answers[0] == answers[2] == (True, '{"expressions":["hi"]}')
    assert answers[1] == (False, regopy_native.NOT_UTF8)

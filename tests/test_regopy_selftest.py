"""The native fast path's start-up self-test (scanner.engines.regopy_selftest): it passes with
the regopy this package pins, and it trips, falling back to the parser, when rego-cpp reads
pushed strings in another spelling than the one ecrscan pushes."""

import ctypes
import json

import pytest

from scanner.engines import regopy_native, regopy_selftest
from scanner.engines.base import EngineError
from scanner.engines.regopy import RegopyEngine

PROBE = """package probe

seen := input.s == data.seen

verdict := {"status": "PASS", "reason": sprintf("%d characters, %v", [count(input.s), seen])}
"""
DOCUMENTS = [{"s": 'a"b'}, {"s": "tab\there"}, {"s": "back\\slash"}, {"s": "plain"}]
_PROTOTYPE = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p, ctypes.c_char_p)


@pytest.fixture
def fresh_self_test(monkeypatch):
    """The self-test runs again in this test, whatever ran before in this process."""
    monkeypatch.setattr(regopy_native, "_trusted", None)


@pytest.fixture
def rego_cpp_that_escapes_itself(monkeypatch, fresh_self_test):
    """A rego-cpp whose regoInputString escapes the text it is given, as a release that took
    raw strings would: the spelling ecrscan pushes is then escaped twice. Both fast routes (the
    ctypes pushes and the C extension) call the changed function."""
    real = _PROTOTYPE(_address("regoInputString"))

    def input_string(handle, text):
        return real(handle, json.dumps(text.decode(), ensure_ascii=False)[1:-1].encode())

    changed = _PROTOTYPE(input_string)
    monkeypatch.setattr(regopy_native._pushes, "regoInputString", changed)
    if regopy_native.NATIVE:
        regopy_native._native_input.bind(_addresses(regoInputString=_address(changed)))
    try:
        yield
    finally:
        if regopy_native.NATIVE:
            regopy_native._native_input.bind(_addresses())


def _address(function) -> int:
    if isinstance(function, str):
        function = getattr(regopy_native._lib, function)
    return ctypes.cast(function, ctypes.c_void_p).value


def _addresses(**replaced) -> dict[str, int]:
    return {
        name: replaced.get(name) or _address(name) for name in regopy_native._native_input.NEEDS
    }


def _verdicts(engine_trusts: bool | None = None) -> list[str]:
    engine = RegopyEngine({"probe.rego": PROBE}, {"seen": 'a"b'}, ["probe/verdict"])
    if engine_trusts is not None:
        regopy_native._trusted = engine_trusts
    answers = engine.verdicts(["probe/verdict"], DOCUMENTS)
    engine.close()
    return [a["probe/verdict"]["reason"] for a in answers]


def _parsed_verdicts() -> list[str]:
    engine = RegopyEngine({"probe.rego": PROBE}, {"seen": 'a"b'}, ["probe/verdict"])
    engine._pushable = dict.fromkeys(engine._pushable, False)
    answers = engine.verdicts(["probe/verdict"], DOCUMENTS)
    return [a["probe/verdict"]["reason"] for a in answers]


def test_the_pinned_regopy_passes_the_self_test(fresh_self_test, capsys):
    assert regopy_selftest.first_difference() is None
    assert regopy_native.native_trusted()
    assert capsys.readouterr().err == ""


def test_a_changed_spelling_trips_the_guard_and_verdicts_stay_right(
    rego_cpp_that_escapes_itself, capsys
):
    problem = regopy_selftest.first_difference()
    assert problem == "probe 1: inputs pushed through ctypes differ from the parser's"
    parsed = _parsed_verdicts()
    assert _verdicts() == parsed  # the engine's first push ran the self-test: parser path
    assert regopy_native.native_trusted() is False
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # said once, however many engines and queries follow
    assert err.startswith("ecrscan: warning: rego-cpp (regopy ")
    assert "evaluating through its parser instead" in err
    assert _verdicts() == parsed
    assert capsys.readouterr().err == ""


def test_without_the_guard_the_changed_spelling_would_change_verdicts(
    rego_cpp_that_escapes_itself,
):
    """The simulation is real: trusted blindly, the fast path gives other answers."""
    blind = _verdicts(engine_trusts=True)
    assert blind != _parsed_verdicts()
    assert blind[3] == _parsed_verdicts()[3]  # a string that needs no escape is unaffected


def test_a_self_test_that_cannot_run_falls_back_too(monkeypatch, fresh_self_test, capsys):
    monkeypatch.setattr(regopy_selftest, "PROBE_POLICY", "package ecrscan_probe\n\nfacts := {\n")
    assert "could not run" in regopy_selftest.first_difference()
    assert not regopy_native.native_trusted()
    assert "could not run" in capsys.readouterr().err


def test_a_broken_policy_still_fails_before_the_self_test(fresh_self_test):
    with pytest.raises(EngineError, match="policy does not compile"):
        RegopyEngine({"broken.rego": "package broken\n\nx := {\n"}, {}, ["broken/x"])
    assert regopy_native._trusted is None


@pytest.mark.skipif(not regopy_native.NATIVE, reason="the C extension is not built")
def test_the_c_extension_alone_is_checked_too(fresh_self_test):
    real = _PROTOTYPE(_address("regoInputString"))
    changed = _PROTOTYPE(
        lambda handle, text: real(handle, json.dumps(text.decode())[1:-1].encode())
    )
    regopy_native._native_input.bind(_addresses(regoInputString=_address(changed)))
    try:
        problem = regopy_selftest.first_difference()
    finally:
        regopy_native._native_input.bind(_addresses())
    assert problem == "probe 1: batches through the C extension differ from the parser's"
    assert regopy_selftest.first_difference() is None

"""Projecting documents onto what a control reads, and judging each distinct input once."""

import pytest

from scanner.engines.base import Engine, EngineError
from scanner.evaluate import input_paths, memo
from scanner.evaluate.input_paths import WHOLE, code_only, control_reads, project, reads
from scanner.evaluate.memo import MemoisingEngine

CONTROL = """package ecr.demo

import data.lib.helper

# input.commented.out is not a read
verdict := {"status": "PASS", "reason": concat(" ", ["input.quoted", _name])} if {
	some e in input.errors[_]
	input.derived.policy.document != null
}

_name := helper.name(input.repository.repositoryName)
"""
HELPER = "package lib.helper\n\nname(x) := x\n"
UNUSED = "package lib.unused\n\nreads_everything := input\n"


def test_comments_and_strings_cannot_hide_or_invent_a_read():
    code = code_only('x := "input.fake # \\" input.also" # input.comment\ny := input.real')
    assert reads(code) == {"real": True}


def test_a_path_that_stops_early_keeps_its_whole_subtree():
    assert reads("input.a.b\ninput.a.c[x]\ninput.d[_]\ninput.a.b.deeper") == {
        "a": {"b": True, "c": True},
        "d": True,
    }
    assert reads('x := input["a"]') is WHOLE
    assert reads("x := input") is WHOLE


def test_projection_keeps_what_is_read_and_nothing_else():
    document = {"a": {"b": 1, "c": 2}, "d": None, "e": [1], "f": "x"}
    paths = {"a": {"b": True}, "d": {"deeper": True}, "e": True, "missing": True}
    assert project(document, paths) == {"a": {"b": 1}, "d": None, "e": [1]}
    assert project(document, WHOLE) is document


def test_a_control_reads_through_the_helpers_it_imports_only():
    modules = {"c.rego": CONTROL, "h.rego": HELPER, "u.rego": UNUSED}
    assert input_paths.entrypoint_modules("ecr/demo/verdict", modules) == ["c.rego", "h.rego"]
    assert control_reads("ecr/demo/verdict", modules) == {
        "repository": {"repositoryName": True},
        "errors": True,
        "derived": {"policy": {"document": True}},
    }
    dynamic = {**modules, "c.rego": CONTROL + "\nanything := data[k]\n"}
    assert set(input_paths.entrypoint_modules("ecr/demo/verdict", dynamic)) == set(dynamic)


def test_a_control_that_reads_the_clock_is_never_projected():
    clock = CONTROL + "\nnow := time.now_ns()\n"
    assert control_reads("ecr/demo/verdict", {"c.rego": clock, "h.rego": HELPER}) is WHOLE


class _Counting(Engine):
    name = "counting"

    def __init__(self):
        self.seen = []

    def verdicts(self, entrypoints, documents):
        self.seen += [(tuple(entrypoints), d) for d in documents]
        return [
            {
                e: EngineError("undefined") if d.get("m") is None else {"status": d["m"]}
                for e in entrypoints
            }
            for d in documents
        ]


def test_each_distinct_input_is_evaluated_once_and_errors_too():
    inner = _Counting()
    engine = MemoisingEngine(inner, {"e": {"m": True}, "whole": WHOLE})
    documents = [{"m": "PASS", "name": n} for n in "abc"] + [{"name": "d"}, {"name": "e"}]
    answers = engine.verdicts(["e"], documents)
    assert [a["e"] for a in answers[:3]] == [{"status": "PASS"}] * 3
    assert all(isinstance(a["e"], EngineError) for a in answers[3:])
    # Sent projected, each distinct input once, even within one batch.
    assert inner.seen == [(("e",), {"m": "PASS"}), (("e",), {})]
    engine.verdicts(["e", "whole"], [{"m": "PASS", "name": "z"}])
    assert inner.seen[-1] == (("whole",), {"m": "PASS", "name": "z"})  # never memoised


def test_an_input_shared_within_a_batch_is_judged_once_beside_one_that_never_repeats():
    # "shared" reads what every document has in common, "unique" reads the name: each
    # document must still be judged for "unique", but "shared" needs one question, not five.
    inner = _Counting()
    engine = MemoisingEngine(inner, {"shared": {"m": True}, "unique": {"m": True, "name": True}})
    documents = [{"m": "PASS", "name": n} for n in "abcde"]
    answers = engine.verdicts(["shared", "unique"], documents)
    assert [a["shared"] for a in answers] == [{"status": "PASS"}] * 5
    assert [a["unique"] for a in answers] == [{"status": "PASS"}] * 5
    asked = [entrypoints for entrypoints, _ in inner.seen]
    assert asked.count(("shared", "unique")) == 1 and asked.count(("unique",)) == 4
    assert list(engine._memory["shared"].verdicts.values()) == [{"status": "PASS"}]


def test_a_control_whose_inputs_never_repeat_stops_being_remembered(monkeypatch):
    monkeypatch.setattr(memo, "TRIAL_LOOKUPS", 10)
    inner = _Counting()
    engine = MemoisingEngine(inner, {"e": {"m": True}})
    engine.verdicts(["e"], [{"m": str(i)} for i in range(20)])
    assert not engine._memory["e"].enabled and not engine._memory["e"].verdicts
    assert len(inner.seen) == 20


@pytest.mark.parametrize("workers", [1, 2])
def test_results_keep_snapshot_order_whatever_the_workers(workers):
    from bench import synthetic
    from scanner.config import Config
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot
    from scanner.resources import policy_dir

    policies = load_policies(policy_dir()).select(["ecr-tag-immutability"])
    snapshot = synthetic.snapshot(300)
    results = evaluate_snapshot(snapshot, policies, Config(), workers=workers).results
    names = [
        record["repository"]["repositoryName"]
        for scope in snapshot["inventory"]
        for record in scope["repositories"]
    ]
    assert [r.resource_name for r in results] == names


def test_inputs_that_differ_only_in_type_are_never_shared():
    # Rego tells 1 from true from "1"; a memo key that did not would hand one the other's verdict.
    inner = _Counting()
    engine = MemoisingEngine(inner, {"e": {"m": True}})
    documents = [{"m": v} for v in (1, True, "1", 1.5, None, [1], {"1": 1})]
    engine.verdicts(["e"], documents)
    assert [d for _, d in inner.seen] == documents

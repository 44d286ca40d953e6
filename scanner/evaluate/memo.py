"""Judge each distinct input once: an engine wrapper that projects and memoises.

Each control sees only the parts of a document it can read (scanner.evaluate.input_paths), so a
thousand repositories that share a repository policy, a lifecycle policy or a tag setting give
that control one distinct input, evaluated once. A verdict is a pure function of the input and
the configuration (controls that call clock, network or random builtins are never memoised), so
a remembered verdict is the verdict the engine would give again.

Documents an engine must still judge are sent in groups that share the same missing controls,
so a remote engine still gets one request per group; projected onto what those controls read,
unless the engine projects for each control itself (the embedded one does).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.engines.base import Engine, EngineError, Verdict
from scanner.evaluate import input_paths
from scanner.evaluate.catalog import PolicySet

# A control whose inputs rarely repeat (it reads the repository name) stops being remembered
# after this many look-ups with fewer than MIN_HIT_RATE hits: it would only cost memory.
TRIAL_LOOKUPS = 2000
MIN_HIT_RATE = 0.1
MAX_ENTRIES = 50_000  # per control: bounds memory on estates where every input differs


def control_reads(policies: PolicySet) -> dict[str, input_paths.Paths]:
    """{entrypoint: what that control can read} for every control in the set."""
    return {
        c.entrypoint: input_paths.control_reads(c.entrypoint, policies.modules)
        for c in policies.controls
    }


class _Memory:
    """The remembered verdicts of one control, and whether remembering still pays."""

    def __init__(self) -> None:
        self.verdicts: dict[str, Verdict | EngineError] = {}
        self.lookups = 0
        self.hits = 0
        self.enabled = True

    def get(self, key: str) -> Verdict | EngineError | None:
        self.lookups += 1
        found = self.verdicts.get(key)
        if found is not None:
            self.hits += 1
        elif self.lookups >= TRIAL_LOOKUPS and self.hits < MIN_HIT_RATE * self.lookups:
            self.enabled = False
            self.verdicts.clear()
        return found

    def put(self, key: str, verdict: Verdict | EngineError) -> None:
        if self.enabled and len(self.verdicts) < MAX_ENTRIES:
            self.verdicts[key] = verdict


class MemoisingEngine(Engine):
    def __init__(self, inner: Engine, reads: Mapping[str, input_paths.Paths]):
        self.inner = inner
        self.name = inner.name
        self._reads = dict(reads)
        self._memory = {e: _Memory() for e, paths in reads.items() if paths is not None}

    def verdicts(
        self, entrypoints: Sequence[str], documents: Sequence[dict[str, Any]]
    ) -> list[dict[str, Verdict | EngineError]]:
        answers: list[dict[str, Verdict | EngineError]] = [{} for _ in documents]
        keys: list[dict[str, str]] = [{} for _ in documents]
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, document in enumerate(documents):
            missing = self._recall(entrypoints, document, answers[index], keys[index])
            if missing:
                groups.setdefault(tuple(missing), []).append(index)
        for missing, indexes in groups.items():
            self._evaluate(missing, [(i, documents[i], keys[i]) for i in indexes], answers)
        return answers

    def _evaluate(self, missing: tuple[str, ...], items: list, answers: list[dict]) -> None:
        """Ask the inner engine about each distinct input of each control once, fan the answers
        out to every document that has that input, and remember them.

        Distinct per control, not per document: a batch whose documents all differ for one
        control (it reads the repository name) still shares the inputs of the others."""
        needs, answered_by, copies = _questions(missing, items)
        groups: dict[tuple[str, ...], list[tuple[int, dict]]] = {}
        for index, document, _ in items:
            if needs[index]:
                groups.setdefault(tuple(needs[index]), []).append((index, document))
        for asked, members in groups.items():
            sent = [document for _, document in members]
            if not self.inner.projects_per_control:
                paths = input_paths.merge(self._reads.get(e) for e in asked)
                sent = [input_paths.project(document, paths) for document in sent]
            for (index, _), found in zip(members, self.inner.verdicts(asked, sent), strict=True):
                answers[index].update(found)
        for index, entrypoint, first in copies:
            answers[index][entrypoint] = answers[first][entrypoint]
        for (entrypoint, key), index in answered_by.items():
            self._memory[entrypoint].put(key, answers[index][entrypoint])

    def _recall(self, entrypoints, document, answer: dict, keys: dict) -> list[str]:
        """Fill answer with remembered verdicts; return the entrypoints still to evaluate."""
        missing = []
        for entrypoint in entrypoints:
            memory = self._memory.get(entrypoint)
            if memory is None or not memory.enabled:
                missing.append(entrypoint)
                continue
            key = _key(input_paths.project(document, self._reads[entrypoint]))
            found = memory.get(key)
            if found is None:
                missing.append(entrypoint)
                keys[entrypoint] = key
            else:
                answer[entrypoint] = found
        return missing

    def close(self) -> None:
        self.inner.close()


def _questions(missing: tuple[str, ...], items: list) -> tuple[dict, dict, list]:
    """Who is asked what: {document index: the controls it is asked about}, {(control, input
    key): the index whose answer serves that input}, and [(index, control, index holding its
    answer)] for the documents that borrow an answer."""
    needs: dict[int, list[str]] = {}
    answered_by: dict[tuple[str, str], int] = {}
    copies: list[tuple[int, str, int]] = []
    for index, _, keys in items:
        asked = needs[index] = []
        for entrypoint in missing:
            key = keys.get(entrypoint)
            first = index if key is None else answered_by.setdefault((entrypoint, key), index)
            if first == index:
                asked.append(entrypoint)
            else:
                copies.append((index, entrypoint, first))
    return needs, answered_by, copies


def _key(projection: Any) -> str:
    # repr, not canonical JSON: half the cost, and as exact for these values (a str, int, float,
    # bool or None reprs unlike any other). Two documents that differ only in key order get two
    # keys, which costs a query, never a wrong verdict; documents built by one collector agree.
    return repr(projection)

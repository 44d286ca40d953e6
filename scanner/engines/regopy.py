"""The embedded engine: Microsoft's rego-cpp through regopy.

rego-cpp's cost per query grows with the size of the bundle it queries and with the size of the
input it parses, so each control gets its own interpreter holding only the modules it can reach
(its package and the helpers it refers to), and each document is cut down to what that control
reads (scanner.evaluate.input_paths) and handed over node by node rather than as JSON text
(scanner.engines.regopy_native), which costs a third of parsing. With fifteen controls this is
several times faster than one bundle of everything queried with the whole document.

Interpreters are compiled lazily, per worker thread and control (an Interpreter must never be
shared between threads); the whole policy set is compiled once up front, so a broken policy fails
before any evaluation with a `file:line:column` message. Building sets over large arrays is
quadratic in rego-cpp, which is why a document holds one resource, never the inventory.
"""

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from regopy import Interpreter, LogLevel, RegoError

from scanner.engines import regopy_native
from scanner.engines.base import Engine, EngineError, Verdict
from scanner.engines.json_text import rego_json
from scanner.engines.rego_errors import describe
from scanner.evaluate import input_paths


class RegopyEngine(Engine):
    name = "regopy"
    projects_per_control = True
    runs_in_worker_processes = True  # forked after compiling: nothing runs in the background

    def __init__(
        self, modules: Mapping[str, str], data: Mapping[str, Any], entrypoints: Sequence[str]
    ):
        self._modules = dict(modules)
        self._data_json = rego_json(data)  # 0.00001, never 1e-05: rego-cpp reads no exponent
        self._local = threading.local()
        self._closures = {e: input_paths.entrypoint_modules(e, self._modules) for e in entrypoints}
        self._reads = {e: input_paths.control_reads(e, self._modules) for e in entrypoints}
        self._pushable = {
            e: regopy_native.pushable(self._modules[path] for path in self._closures[e])
            for e in entrypoints
        }
        # Compile everything now, so a broken policy fails before any evaluation.
        self._compile(list(self._modules), list(entrypoints))
        if any(self._pushable.values()):
            # The native path's self-test runs here, once per process, not in the first batch
            # (nor in every forked worker): its warning, if any, comes before any verdict.
            regopy_native.native_trusted()

    def _worker(self, entrypoint: str) -> tuple[Interpreter, Any]:
        workers = getattr(self._local, "workers", None)
        if workers is None:
            workers = self._local.workers = {}
        worker = workers.get(entrypoint)
        if worker is None:
            paths = self._closures.get(entrypoint) or list(self._modules)
            worker = workers[entrypoint] = self._compile(paths, [entrypoint])
        return worker

    def _compile(self, paths: Sequence[str], entrypoints: list[str]) -> tuple[Interpreter, Any]:
        interpreter = Interpreter()
        interpreter.log_level = LogLevel.NONE  # otherwise rego-cpp prints diagnostics to stdout
        try:
            for path in paths:
                interpreter.add_module(path, self._modules[path])
            interpreter.add_data_json(self._data_json)
            bundle = interpreter.build(None, entrypoints)
        except RegoError as exc:
            raise EngineError(
                f"policy does not compile: {describe(str(exc), self._modules)}"
            ) from None
        if not bundle.ok():
            raise EngineError(
                f"policy does not compile: {describe(str(bundle.node()), self._modules)}"
            )
        return interpreter, bundle

    def verdicts(
        self, entrypoints: Sequence[str], documents: Sequence[dict[str, Any]]
    ) -> list[dict[str, Verdict | EngineError]]:
        answers: list[dict[str, Verdict | EngineError]] = [{} for _ in documents]
        for entrypoint in entrypoints:
            interpreter, bundle = self._worker(entrypoint)
            reads = self._reads.get(entrypoint, input_paths.WHOLE)
            push = self._pushable.get(entrypoint, False)
            projected = [input_paths.project(document, reads) for document in documents]
            found = regopy_native.answers(
                interpreter, bundle, entrypoint.encode(), projected, push=push
            )
            for answer, (ok, text) in zip(answers, found, strict=True):
                answer[entrypoint] = _verdict(ok, text)
        return answers


def _verdict(ok: bool, text: str) -> Verdict | EngineError:
    if not ok:
        return EngineError(f"evaluation failed: {_first_line(text)}")
    try:
        answer = {} if text == "undefined" else json.loads(text)
    except ValueError as exc:  # some errors come back as non-JSON text
        return EngineError(f"evaluation failed: {_first_line(exc)}")
    first = answer[0] if isinstance(answer, list) and answer else answer
    expressions = first.get("expressions") if isinstance(first, dict) else None
    if not expressions:
        return EngineError("the control's verdict is undefined for this document")
    return expressions[0]


def _first_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text[:300]

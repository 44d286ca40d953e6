"""The embedded engine: Microsoft's rego-cpp through regopy.

The policies are compiled into a bundle once per worker thread (an Interpreter must never be
shared between threads), and each document is one `set_input_term` plus one bundle query per
control. Building sets over large arrays is quadratic in rego-cpp, which is why a document holds
one resource, never the inventory.
"""

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from regopy import Interpreter, LogLevel, RegoError

from scanner.evaluate.engine import Engine, EngineError, Verdict
from scanner.evaluate.rego_errors import describe


class RegopyEngine(Engine):
    name = "regopy"

    def __init__(
        self, modules: Mapping[str, str], data: Mapping[str, Any], entrypoints: Sequence[str]
    ):
        self._modules = dict(modules)
        self._data_json = json.dumps(data, ensure_ascii=False)
        self._entrypoints = list(entrypoints)
        self._local = threading.local()
        self._worker()  # compile now, so a broken policy fails before any evaluation

    def _worker(self) -> tuple[Interpreter, Any]:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._compile()
            self._local.worker = worker
        return worker

    def _compile(self) -> tuple[Interpreter, Any]:
        interpreter = Interpreter()
        interpreter.log_level = LogLevel.NONE  # otherwise rego-cpp prints diagnostics to stdout
        try:
            for path, source in self._modules.items():
                interpreter.add_module(path, source)
            interpreter.add_data_json(self._data_json)
            bundle = interpreter.build(None, self._entrypoints)
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
        interpreter, bundle = self._worker()
        answers = []
        for document in documents:
            # set_input(Input(...)) mis-escapes strings; the JSON term is exact.
            interpreter.set_input_term(json.dumps(document, ensure_ascii=False))
            answers.append({e: _query(interpreter, bundle, e) for e in entrypoints})
        return answers


def _query(interpreter: Interpreter, bundle: Any, entrypoint: str) -> Verdict | EngineError:
    try:
        output = interpreter.query_bundle_entrypoint(bundle, entrypoint)
    except (RegoError, ValueError) as exc:  # some errors come back as non-JSON text
        return EngineError(f"evaluation failed: {_first_line(exc)}")
    if not output.ok():
        return EngineError(f"evaluation failed: {_first_line(output)}")
    if not output.results or not output.results[0].expressions:
        return EngineError("the control's verdict is undefined for this document")
    return output.results[0].expressions[0]


def _first_line(error: object) -> str:
    text = " ".join(str(error).split())
    return text[:300]

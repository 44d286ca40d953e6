"""Go OPA in-process, through the opa-golib-python-bindings wheel.

This is the reference engine: real OPA semantics, used by the test suite to prove that the
embedded engine and OPA give the same verdicts. The wheel declares Python >= 3.14 but works on
3.11: `pip install --ignore-requires-python opa-golib-python-bindings==0.4.4`.
"""

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.engines.base import Engine, EngineError, Verdict


def available() -> bool:
    from scanner.engines import go_opa_installed

    return go_opa_installed()


class OpaEmbeddedEngine(Engine):
    name = "opa-embedded"

    def __init__(
        self, modules: Mapping[str, str], data: Mapping[str, Any], entrypoints: Sequence[str]
    ):
        try:
            import opa_bindings
        except ImportError:
            raise EngineError(
                "the opa-embedded engine needs: pip install --ignore-requires-python "
                "opa-golib-python-bindings==0.4.4"
            ) from None
        self._bindings = opa_bindings
        self._modules = dict(modules)
        self._data = dict(data)
        self._local = threading.local()
        self._engines: list[Any] = []
        self._lock = threading.Lock()
        self._engine()  # compile now, so a broken policy fails before any evaluation

    def _engine(self):
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._bindings.OpaEngine()
            try:
                for path, source in self._modules.items():
                    engine.add_policy(path, source)
                engine.add_data(self._data)
            except self._bindings.OpaError as exc:
                engine.close()
                raise EngineError(f"policies do not compile: {exc}") from None
            self._local.engine = engine
            with self._lock:
                self._engines.append(engine)
        return engine

    def verdicts(
        self, entrypoints: Sequence[str], documents: Sequence[dict[str, Any]]
    ) -> list[dict[str, Verdict | EngineError]]:
        engine = self._engine()
        return [{e: self._query(engine, e, d) for e in entrypoints} for d in documents]

    def _query(self, engine, entrypoint: str, document: dict[str, Any]) -> Verdict | EngineError:
        try:
            return engine.eval_document(entrypoint.replace("/", "."), input=document)
        except self._bindings.OpaUndefinedError:
            return EngineError("the control's verdict is undefined for this document")
        except self._bindings.OpaError as exc:
            return EngineError(f"evaluation failed: {exc}")

    def close(self) -> None:
        with self._lock:
            for engine in self._engines:
                engine.close()
            self._engines.clear()

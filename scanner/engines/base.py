"""The seam between ecrscan and a Rego engine.

An engine is built once from the policy modules and the configuration data, then asked for the
verdicts of many documents. Batches let a remote engine (an OPA server) answer many documents in
one request; the embedded engine answers them one query per document.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

Verdict = dict[str, Any]


class EngineError(Exception):
    """The engine could not compile the policies or evaluate a document."""


class Engine(ABC):
    name: str
    # True when the engine cuts each document down to what each control reads by itself, so a
    # caller need not (scanner.evaluate.memo skips its own projection then).
    projects_per_control = False

    @abstractmethod
    def verdicts(
        self, entrypoints: Sequence[str], documents: Sequence[dict[str, Any]]
    ) -> list[dict[str, Verdict | EngineError]]:
        """For each document, each entrypoint's verdict, or the error that stopped it.

        An entrypoint whose rule is undefined for a document maps to an EngineError: a control
        must define its verdict for every document of its resource type.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing
        """Release what the engine holds (threads, connections)."""

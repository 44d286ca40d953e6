"""The engines a user can pick with --engine."""

from scanner.evaluate import opa_embedded_engine
from scanner.evaluate.opa_embedded_engine import OpaEmbeddedEngine
from scanner.evaluate.regopy_engine import RegopyEngine

ENGINES = {
    "regopy": RegopyEngine,  # embedded rego-cpp: the default, no extra install
    "opa-embedded": OpaEmbeddedEngine,  # Go OPA in-process: optional wheel
}


def available_engines() -> list[str]:
    """The engines that can run here (the test suite runs every policy case through each)."""
    names = ["regopy"]
    if opa_embedded_engine.available():
        names.append("opa-embedded")
    return names

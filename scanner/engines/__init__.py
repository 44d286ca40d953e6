"""Rego engines behind one seam (scanner.engines.base.Engine): the engines a user can pick
with --engine."""

from functools import partial

from scanner.engines import opa_embedded
from scanner.engines.opa_embedded import OpaEmbeddedEngine
from scanner.engines.opa_server import OpaServerEngine
from scanner.engines.regopy import RegopyEngine

ENGINES = {
    "regopy": RegopyEngine,  # embedded rego-cpp: the default, no extra install
    "opa-embedded": OpaEmbeddedEngine,  # Go OPA in-process: optional wheel
    "opa": OpaServerEngine,  # an OPA server (or a fleet behind a load balancer): --opa-url
}


def engine_factory(name: str, *, opa_url: str | None = None):
    """The factory for --engine NAME; the OPA server engine also needs its URL."""
    if name == "opa":
        return partial(OpaServerEngine, url=opa_url)
    return ENGINES[name]


def available_engines() -> list[str]:
    """The in-process engines that can run here (the test suite runs every policy case through
    each); the OPA server engine needs a server, so it is not among them."""
    names = ["regopy"]
    if opa_embedded.available():
        names.append("opa-embedded")
    return names

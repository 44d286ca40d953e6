"""Rego engines behind one seam (scanner.engines.base.Engine): the engines a user can pick
with --engine, and `auto`, which takes the first one this machine can run.

Nothing here imports an engine until one is chosen: rego-cpp reserves 256 GiB of address space
when it loads (its allocator, snmalloc), and Go OPA starts a runtime, so commands that evaluate
nothing (`--version`, `controls`, `iam-policy`) must not pay for either.
"""

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from scanner.engines.base import EngineError

try:
    import resource
except ImportError:  # Windows: no address-space limit to respect
    resource = None

AUTO = "auto"
ENGINE_NAMES = (
    AUTO,  # the first of the three below that this machine can run
    "regopy",  # embedded rego-cpp: wheels for Linux (glibc, musl) and Windows
    "opa-embedded",  # Go OPA in-process: optional wheel (Linux glibc, macOS)
    "opa",  # an OPA server (or a fleet behind a load balancer): --opa-url
)
OPA_URL_VARIABLE = "ECRSCAN_OPA_URL"
# The address space an evaluation with regopy needs (measured: 256.4 GiB with two worker
# threads, 256.8 with eight): rego-cpp's allocator, snmalloc, reserves 256 GiB when regopy
# loads. Below it the import aborts the whole process ("Failed to initialise snmalloc"), which no
# exception handler can catch, so the limit is checked before the import.
REGOPY_ADDRESS_SPACE = 257 << 30
GO_OPA_WHEEL = "pip install --ignore-requires-python opa-golib-python-bindings==0.4.4"
NO_ENGINE = (
    "no Rego engine can run here: install regopy (pip install 'regopy>=1.5.2,<2'; on macOS pip "
    f"builds it from source), or Go OPA in-process ({GO_OPA_WHEEL}), or point --opa-url or "
    f"{OPA_URL_VARIABLE} at an OPA server"
)


@dataclass(frozen=True)
class EngineChoice:
    """The engine --engine resolved to: its name and the factory that builds it."""

    name: str
    factory: Callable[..., Any]


def choose_engine(
    name: str = AUTO, *, opa_url: str | None = None, upload: bool = True
) -> EngineChoice:
    """The engine for --engine NAME; `auto` takes regopy, else Go OPA in-process, else the OPA
    server at opa_url or $ECRSCAN_OPA_URL, else refuses with one line saying what to install.

    upload=False (--opa-no-upload) evaluates against a server that already holds the policies,
    served as a bundle (`ecrscan bundle`)."""
    url = opa_url or os.environ.get(OPA_URL_VARIABLE) or None
    if name == AUTO:
        name = _first_available(url)
    if name == "regopy":
        _check_regopy()
        from scanner.engines.regopy import RegopyEngine

        return EngineChoice(name, RegopyEngine)
    if name == "opa-embedded":
        from scanner.engines.opa_embedded import OpaEmbeddedEngine

        return EngineChoice(name, OpaEmbeddedEngine)
    if name == "opa":
        from scanner.engines.opa_server import OpaServerEngine

        return EngineChoice(name, partial(OpaServerEngine, url=url, upload=upload))
    raise EngineError(f"unknown engine {name!r} (known: {', '.join(ENGINE_NAMES)})")


def engine_factory(name: str, *, opa_url: str | None = None, upload: bool = True):
    """The factory for --engine NAME (see choose_engine)."""
    return choose_engine(name, opa_url=opa_url, upload=upload).factory


def _first_available(url: str | None) -> str:
    if regopy_problem() is None:
        return "regopy"
    if go_opa_installed():
        return "opa-embedded"
    if url:
        return "opa"
    raise EngineError(NO_ENGINE)


def available_engines() -> list[str]:
    """The in-process engines that can run here (the test suite runs every policy case through
    each); the OPA server engine needs a server, so it is not among them."""
    names = ["regopy"] if regopy_problem() is None else []
    if go_opa_installed():
        names.append("opa-embedded")
    return names


def go_opa_installed() -> bool:
    return _imports("opa_bindings")  # its Go runtime loads on import


def regopy_problem() -> str | None:
    """Why the regopy engine cannot run here, or None when it can."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0] if resource else -1
    if resource and limit != resource.RLIM_INFINITY and limit < REGOPY_ADDRESS_SPACE:
        return (
            "the regopy engine needs about 257 GiB of address space (rego-cpp's allocator "
            f"reserves 256 GiB when it loads) and ulimit -v allows {limit >> 30} GiB: raise it "
            "(ulimit -v unlimited) or use --engine opa-embedded (about 2 GiB)"
        )
    if not _imports("regopy"):
        return "the regopy engine needs regopy: pip install 'regopy>=1.5.2,<2'"
    return None


def _imports(module: str) -> bool:
    """Whether module imports here: installed, and its native library loads."""
    try:
        importlib.import_module(module)
    except Exception:  # not installed, its native library missing, or a broken install
        return False
    return True


def _check_regopy() -> None:
    problem = regopy_problem()
    if problem is not None:
        raise EngineError(problem)

"""SIGTERM as an exception that unwinds like Ctrl-C, and that is never lost.

The CLI turns SIGTERM into Terminated, so no half-written file replaces a good one and the exit
code is 143. Python runs a signal handler between two bytecodes of the main thread, wherever it
happens to be; an exception raised where Python cannot propagate it (an at-fork callback, a
finaliser) is printed and dropped. Forking worker processes runs such callbacks, so a SIGTERM
that landed there was lost and the run finished with another exit code. Two defences:
- the handler records that the signal came before it raises, so code that sees a symptom (a
  worker pool broken by the same SIGTERM) can tell, and the CLI can still exit 143;
- `deferred()` holds SIGTERM and SIGINT back around a fork: their handlers only note them, and
  the process mask keeps them from the forking thread, so one that arrives meanwhile is raised
  the moment the block ends, by the handler that was in place before it.
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_DEFERRED = {signal.SIGTERM, signal.SIGINT}
_received = False


class Terminated(Exception):
    """SIGTERM arrived: unwind like Ctrl-C, so no half-written file replaces a good one."""


def raise_terminated(signum, frame) -> None:
    """The SIGTERM handler the CLI installs."""
    global _received
    _received = True
    raise Terminated


def terminated() -> bool:
    """Whether SIGTERM arrived since the handler was installed (see reset)."""
    return _received


def reset() -> None:
    global _received
    _received = False


@contextmanager
def deferred() -> Iterator[None]:
    """SIGTERM and SIGINT held back while the block runs (fork here), raised when it ends.

    Blocking them in the process mask covers only the calling thread (another thread may still
    take the signal, and Python then runs the handler in the main thread wherever it is), so the
    handlers are swapped too, for ones that only note the signal. A thread started inside the
    block (a pool's manager thread) inherits the mask and keeps the signals blocked for good, so
    they reach the main thread only; a forked child inherits mask and handlers and must set its
    own and unblock them (unblock)."""
    if threading.current_thread() is not threading.main_thread():
        with _masked():  # only the main thread may set handlers; the mask still helps
            yield
        return
    noted: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: noted.append(signum)) for s in _DEFERRED}
    try:
        with _masked():
            yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)  # the handler restored above deals with it now


@contextmanager
def _masked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no fork, no mask
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def unblock() -> None:
    """In a child forked inside deferred(): take signals again."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _DEFERRED)

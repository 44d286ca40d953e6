"""SIGTERM as an exception that unwinds like Ctrl-C, and that is never lost.

The CLI turns SIGTERM into Terminated, so no half-written file replaces a good one and the exit
code is 143. Python runs a signal handler between two bytecodes of the main thread, wherever it
happens to be; an exception raised where Python cannot propagate it (an at-fork callback, a
finaliser) is printed and dropped. Forking worker processes runs such callbacks, so a SIGTERM
that landed there was lost and the run finished with another exit code. Two defences:
- the handler records that the signal came before it raises, so code that sees a symptom (a
  worker pool broken by the same SIGTERM) can tell, and the CLI can still exit 143;
- `deferred()` blocks SIGTERM and SIGINT around a fork; one that arrives meanwhile stays pending
  and is delivered, and raised, the moment the block ends.
"""

import signal
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
    """SIGTERM and SIGINT held back while the block runs (fork here), delivered when it ends.

    A thread started inside the block (a pool's manager thread) inherits the mask and keeps the
    signals blocked for good, so they reach the main thread only; a forked child inherits it
    too and must unblock them itself (unblock)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no fork, nothing to defer
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

"""Full garbage collections held back while a collection runs.

A full (generation 2) collection walks every live container object and stops every thread
while it does. During a collection that is botocore's service models and the snapshot being
built: 40 ms while the first clients are built and 110 ms at a time later (500 repositories,
measured with gc.callbacks), and a server timeline shows it idle for exactly that long, as no
worker can send or read a request. Young collections still run, so short-lived reference cycles
are freed as before; full collections resume (at their own thresholds) when the last collection
in the process ends.
"""

import contextlib
import gc
import threading
from collections.abc import Iterator

# Young collections between two full ones (CPython's default is 10): never, in practice.
HELD_BACK = 1_000_000

_lock = threading.Lock()
_running = 0  # collections under way in this process (tests run several at once)
_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def full_collections_held_back() -> Iterator[None]:
    """Hold back full collections for the duration; restore the thresholds after the last."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], HELD_BACK)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)

"""A one-line progress display on stderr for long collections.

Drawn only on a terminal: a CI log or a redirected stderr would fill with carriage returns, and
`--quiet` turns it off. Counts arrive from worker threads, so every update takes a lock; the
line is redrawn at most every `interval` seconds so a fast estate does not flood the terminal.
"""

import threading
import time
from collections.abc import Callable
from typing import TextIO

from botocore.client import BaseClient

from scanner.text_safety import for_terminal

# Carriage return, then erase to the end of the line: the next draw replaces the last one.
_REDRAW = "\r\x1b[K"


class Progress:
    """Accounts, regions and repositories done of those known so far, and errors recorded."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._stream = stream  # None: count nothing, draw nothing
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_draw: float | None = None
        self._drawn = False
        self.accounts = [0, 0]  # done, total
        self.regions = [0, 0]
        self.repositories = [0, 0]
        self.errors = 0

    @classmethod
    def on(cls, stream: TextIO, *, quiet: bool = False) -> "Progress":
        """Drawn on `stream` only when it is a terminal and the user did not ask for quiet."""
        isatty = getattr(stream, "isatty", None)
        return cls(stream if not quiet and isatty is not None and isatty() else None)

    @classmethod
    def off(cls) -> "Progress":
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self._stream is not None

    def add_accounts(self, count: int) -> None:
        self._update(self.accounts, total=count)

    def account_done(self, errors: int = 0) -> None:
        self._update(self.accounts, done=1, errors=errors)

    def add_regions(self, count: int) -> None:
        self._update(self.regions, total=count)

    def region_done(self, repositories: int, errors: int) -> None:
        """A region finished: its repositories count as done (listed ones as known, if the
        listing was not watched), and its recorded errors are added."""
        with self._lock:
            if not self.enabled:
                return
            self.regions[0] += 1
            self.repositories[0] += repositories
            self.repositories[1] = max(self.repositories[1], self.repositories[0])
            self.errors += errors
            self._draw(force=False)

    def watch_listing(self, ecr: BaseClient) -> None:
        """Count repositories as soon as DescribeRepositories lists them, so the total grows
        while regions are still being collected."""
        if self.enabled:
            ecr.meta.events.register(
                "after-call.ecr.DescribeRepositories", self._listed, unique_id="ecrscan-progress"
            )

    def _listed(self, parsed: dict | None = None, **_) -> None:
        self._update(self.repositories, total=len((parsed or {}).get("repositories") or ()))

    def close(self) -> None:
        """Draw the final counts and end the line, so later messages start on a fresh one."""
        with self._lock:
            if self.enabled and self._drawn:
                self._draw(force=True)
                self._stream.write("\n")
                self._stream.flush()

    def line(self) -> str:
        text = (
            f"ecrscan: accounts {_pair(self.accounts)}, regions {_pair(self.regions)}, "
            f"repositories {_pair(self.repositories)}"
        )
        return text + (f", {self.errors} error(s)" if self.errors else "")

    def _update(self, counter: list[int], *, done: int = 0, total: int = 0, errors: int = 0):
        with self._lock:
            if not self.enabled:
                return
            counter[0] += done
            counter[1] += total
            self.errors += errors
            self._draw(force=False)

    def _draw(self, force: bool) -> None:
        now = self._clock()
        if not force and self._last_draw is not None and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        self._drawn = True
        self._stream.write(_REDRAW + for_terminal(self.line()))  # no name can steer a tty
        self._stream.flush()


def _pair(counter: list[int]) -> str:
    return f"{counter[0]:,}/{counter[1]:,}"

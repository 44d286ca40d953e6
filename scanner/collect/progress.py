"""Progress on stderr for long collections: a redrawn line on a terminal, plain lines in a log.

On a terminal one line is redrawn in place (carriage return, then the line padded with spaces
over the last one), at most every `interval` seconds so a fast estate does not flood it. When
stderr is a file or a pipe (CI, cron) a plain line is written every LOG_INTERVAL seconds from a
heartbeat thread, so a long scan is never silent (CircleCI kills a job after ten silent
minutes), and once more at the end if any was written. `--quiet` turns both off.

Counts arrive from worker threads, so every update takes a lock. Every line begins with
`ecrscan:`, so none can be read as a GitHub Actions workflow command (`::...`), and its text
passes through `text_safety.for_terminal`: no ESC byte reaches a terminal, whatever a line
may one day carry.
"""

import threading
import time
from collections.abc import Callable
from typing import TextIO

from botocore.client import BaseClient

from scanner.text_safety import for_terminal

# Seconds between two plain lines when stderr is not a terminal ("at least every 30 s").
LOG_INTERVAL = 20.0


class Progress:
    """Accounts, regions and repositories done of those known so far, and errors recorded."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        log_every: float | None = None,
    ):
        self._stream = stream  # None: count nothing, draw nothing
        self._interval = interval
        self._clock = clock
        self._log_every = log_every  # None: a terminal, redrawn; else plain lines this often
        self._lock = threading.Lock()
        self._last_draw: float | None = None
        self._drawn = False
        self._width = 0  # of the line on the terminal, which the next draw must cover
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.accounts = [0, 0]  # done, total
        self.regions = [0, 0]
        self.repositories = [0, 0]
        self.errors = 0

    @classmethod
    def on(cls, stream: TextIO, *, quiet: bool = False) -> "Progress":
        """Redrawn on a terminal, plain lines elsewhere; nothing when quiet."""
        if quiet:
            return cls.off()
        isatty = getattr(stream, "isatty", None)
        if isatty is not None and isatty():
            return cls(stream)
        return cls(stream, log_every=LOG_INTERVAL)

    @classmethod
    def off(cls) -> "Progress":
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self._stream is not None

    @property
    def logging(self) -> bool:
        """Plain lines on a timer (stderr is a file or a pipe), not a redrawn line."""
        return self.enabled and self._log_every is not None

    def start(self) -> None:
        """Begin the plain lines' heartbeat (a no-op on a terminal or when off)."""
        if self.logging and self._heartbeat is None:
            self._heartbeat = threading.Thread(
                target=self._beat, name="ecrscan-progress", daemon=True
            )
            self._heartbeat.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._log_every):
            self.tick()

    def tick(self) -> None:
        """Write the counts as one plain line."""
        with self._lock:
            self._drawn = True
            self._write(self.line(), after="\n")

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
        """Stop the heartbeat, then show the final counts if anything was shown at all, ending
        the line so that later messages start on a fresh one."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with self._lock:
            if not (self.enabled and self._drawn):
                return
            if self.logging:
                self._write(self.line(), after="\n")
            else:
                self._draw(force=True)
                self._write("", after="\n")

    def line(self) -> str:
        errors = f"{self.errors:,} error{'' if self.errors == 1 else 's'}"
        return (
            f"ecrscan: accounts {_pair(self.accounts)}, regions {_pair(self.regions)}, "
            f"repositories {_pair(self.repositories)}, {errors}"
        )

    def _update(self, counter: list[int], *, done: int = 0, total: int = 0, errors: int = 0):
        with self._lock:
            if not self.enabled:
                return
            counter[0] += done
            counter[1] += total
            self.errors += errors
            self._draw(force=False)

    def _draw(self, force: bool) -> None:
        if self.logging:
            return  # plain lines come from the heartbeat
        now = self._clock()
        if not force and self._last_draw is not None and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        self._drawn = True
        text = self.line()
        # Spaces, not an erase-line escape, cover what is left of a longer previous line.
        self._write(text + " " * max(0, self._width - len(text)), before="\r")
        self._width = len(text)

    def _write(self, text: str, *, before: str = "", after: str = "") -> None:
        self._stream.write(before + for_terminal(text) + after)  # no name can steer a tty
        self._stream.flush()


def _pair(counter: list[int]) -> str:
    return f"{counter[0]:,}/{counter[1]:,}"

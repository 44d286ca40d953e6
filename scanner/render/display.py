"""How the human views (table, framework, cost) are drawn: width and colour.

The CLI decides once per output: colour only on a terminal, never with `NO_COLOR` (no-color.org)
or `--no-color`; width from the terminal (or `COLUMNS`), 120 for files and pipes, unlimited
with `--wide`.
"""

import os
import re
import shutil
from dataclasses import dataclass

from tabulate import tabulate

DEFAULT_WIDTH = 120  # files, pipes and CI logs, which have no width of their own
MIN_WIDTH = 40
_SGR = re.compile("\x1b\\[[0-9;]*m")

_COLOURS = {  # SGR codes: bold red, bold magenta, green, blue, dim
    "FAIL": "1;31",
    "ERROR": "1;35",
    "PASS": "32",
    "WAIVED": "34",
    "SUPPRESSED": "2",
    "N/A": "2",
}


@dataclass(frozen=True)
class Display:
    width: int | None = DEFAULT_WIDTH  # None: as wide as the content (--wide)
    colour: bool = False

    def paint(self, text: str, status: str) -> str:
        """text (already padded) coloured as status, when colour is on."""
        code = _COLOURS.get(status)
        if not self.colour or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

    def fits(self, line_width: int) -> bool:
        return self.width is None or line_width <= self.width


PLAIN = Display()
WIDE = Display(width=None)


def choose(*, to_terminal: bool, wide: bool = False, no_color: bool = False) -> Display:
    """The display for one output: to_terminal when it goes to stdout and stdout is a tty."""
    colour = to_terminal and not no_color and not os.environ.get("NO_COLOR")
    if wide:
        return Display(width=None, colour=colour)
    if to_terminal:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        width = _columns_variable() or DEFAULT_WIDTH
    return Display(width=max(width, MIN_WIDTH), colour=colour)


def _columns_variable() -> int | None:
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def strip_colour(text: str) -> str:
    """The text without the colour codes Display.paint adds, to measure it."""
    return _SGR.sub("", text) if "\x1b" in text else text


def fit_table(
    rows: list[list], headers: list[str], display: Display, flexible: dict[int, int]
) -> str | None:
    """A `simple` table whose flexible columns ({index: narrowest width}) wrap so every line
    fits the display; None when even their narrowest widths do not fit."""
    widths = {
        i: max(len(headers[i]), *(len(strip_colour(str(row[i]))) for row in rows)) for i in flexible
    }
    table = _tabulate(rows, headers, widths)
    if display.width is None:
        return table
    overflow = max(len(line) for line in strip_colour(table).split("\n")) - display.width
    if overflow <= 0:
        return table
    if sum(widths[i] - least for i, least in flexible.items()) < overflow:
        return None
    for _ in range(overflow):  # narrow the column with the most room to give, one at a time
        widest = max(flexible, key=lambda i: widths[i] - flexible[i])
        widths[widest] -= 1
    return _tabulate(rows, headers, widths)


def _tabulate(rows: list[list], headers: list[str], widths: dict[int, int]) -> str:
    return tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        maxcolwidths=[widths.get(i) for i in range(len(headers))],
    )


_DIGEST = re.compile(r"\b(sha256:[0-9a-f]{12})[0-9a-f]{52}\b")


def short_digests(text: str) -> str:
    """Image digests in a reason cut to their first 12 hex digits, as `docker images` shows
    them: `sha256:12ddae5837d9`. The JSON, CSV and SARIF outputs keep them whole."""
    return _DIGEST.sub(r"\1", text) if "sha256:" in text else text

"""One matrix (resources x controls) drawn to fit the display's width.

Wide enough (or `--wide`): every column, status words, control ids as stacked headers. Narrower:
rows grouped under their account and region, each control a short code (legend below), each
cell one letter; if the names still do not fit, columns where every cell passes (or does not
apply) are folded into one line; a name that still does not fit is shortened in the middle.
"""

import textwrap
from itertools import groupby

from tabulate import tabulate

from scanner.render.display import Display, strip_colour
from scanner.render.matrix import TITLES, Matrix
from scanner.text_safety import for_terminal

NAME_HEADERS = {
    "repository": "repository",
    "vpc": "vpc",
    "registry": "registry",
    "ecs-service": "cluster/service",
    "lambda-function": "function",
    "pusher": "role",
}
LETTERS = {"PASS": "P", "FAIL": "F", "ERROR": "E", "WAIVED": "W", "SUPPRESSED": "S", "N/A": "."}
NOT_JUDGED = "-"
CELL_LEGEND = (
    "Cells: P pass, F fail, E error, W waived, S suppressed, . not applicable, - not judged "
    "(--wide shows every column in full)"
)
_QUIET = ("PASS", "N/A")
_MIN_NAME = 12
_INDENT = "  "


def render_matrix(matrix: Matrix, display: Display) -> str:
    title = TITLES.get(matrix.resource_type, matrix.resource_type)
    if not matrix.rows:
        return f"{title}: none found"
    heading = f"{title} ({len(matrix.rows):,})"
    full = _full(matrix, display)
    if display.fits(max(len(line) for line in strip_colour(full).split("\n"))):
        return heading + "\n" + full
    return heading + "\n" + _compact(matrix, display)


def _full(matrix: Matrix, display: Display) -> str:
    headers = ["account", "region", NAME_HEADERS.get(matrix.resource_type, "resource")]
    headers += [_stacked(control) for control in matrix.control_ids]
    rows = [
        [
            *(for_terminal(part) for part in key),
            *(_word(cells.get(control), display) for control in matrix.control_ids),
        ]
        for key, cells in matrix.rows
    ]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def _word(status: str | None, display: Display) -> str:
    if status is None:
        return NOT_JUDGED
    return display.paint(status, status)


def _stacked(control_id: str, width: int = 12) -> str:
    """A control id as a narrow multi-line header (`ecr-image-vulnerabilities` becomes
    `ecr-image-` over `vulnerabilities`)."""
    lines = [""]
    for word in control_id.split("-"):
        if lines[-1] and len(lines[-1]) + len(word) > width:
            lines.append("")
        lines[-1] += word + "-"
    return "\n".join(lines)[:-1]


def short_codes(control_ids: list[str]) -> dict[str, str]:
    """`ecr-tag-immutability` -> `ti`, `ecr-replication` -> `rep`: the initials of the words
    after a first word every id shares, unique within the matrix."""
    split = [c.split("-") for c in control_ids]
    shared = len({words[0] for words in split}) == 1 and all(len(w) > 1 for w in split)
    codes: dict[str, str] = {}
    for control_id, words in zip(control_ids, split, strict=True):
        words = words[1:] if shared else words
        base = "".join(w[:1] for w in words)[:4] if len(words) > 1 else words[0][:3]
        code, n = base or "c", 1
        while code in codes.values():
            n += 1
            code = f"{base}{n}"
        codes[control_id] = code
    return codes


def _compact(matrix: Matrix, display: Display) -> str:
    codes = short_codes(matrix.control_ids)
    shown = list(matrix.control_ids)
    names = [for_terminal(name) for (_, _, name), _ in matrix.rows]
    longest = max(len(name) for name in names)
    folded: list[str] = []
    if _name_room(shown, codes, display) < longest:
        folded = [c for c in shown if all(cells.get(c) in _QUIET for _, cells in matrix.rows)]
        shown = [c for c in shown if c not in folded]
    name_width = max(min(longest, _name_room(shown, codes, display)), _MIN_NAME)
    lines = [_INDENT + " " * name_width + " " + " ".join(codes[c] for c in shown)]
    for (account, region), group in groupby(
        zip(matrix.rows, names, strict=True), key=lambda item: item[0][0][:2]
    ):
        members = list(group)
        lines.append(f"{for_terminal(account)} {for_terminal(region)} ({len(members):,})")
        for (_, cells), name in members:
            letters = " ".join(_letter(cells.get(c), codes[c], display) for c in shown)
            lines.append(f"{_INDENT}{_shorten(name, name_width):<{name_width}} {letters}")
    lines += _legend(matrix.control_ids, codes, folded, display)
    return "\n".join(line.rstrip() for line in lines)


def _name_room(shown: list[str], codes: dict[str, str], display: Display) -> int:
    columns = sum(len(codes[c]) + 1 for c in shown)
    return (display.width or 10**6) - len(_INDENT) - columns - 1


def _letter(status: str | None, code: str, display: Display) -> str:
    letter = LETTERS.get(status, "?") if status is not None else NOT_JUDGED
    return display.paint(letter, status or "") + " " * (len(code) - 1)


def _shorten(name: str, width: int) -> str:
    if len(name) <= width:
        return name
    keep = width - 1
    return name[: keep - keep // 2] + "…" + name[len(name) - keep // 2 :]


def _legend(control_ids, codes, folded, display: Display) -> list[str]:
    width = display.width or 10**6
    pairs = ", ".join(f"{codes[c]}={c}" for c in control_ids)
    lines = _wrap("Controls: " + pairs, width)
    if folded:
        quiet = "Not shown, every cell passes or does not apply: " + ", ".join(folded)
        lines += _wrap(quiet, width)
    return lines + _wrap(CELL_LEGEND, width)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=_INDENT, break_on_hyphens=False)

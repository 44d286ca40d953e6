"""docs/policies.md "Controls that mean the same on every engine" stays true: every row's
expression gives the documented answer on rego-cpp and on Go OPA, and what the row says to
write instead gives one answer on both."""

import json
import re
from pathlib import Path

import pytest

from scanner.engines import available_engines, engine_factory
from scanner.engines.base import EngineError

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policies.md"
INPUT = {"s": 'a"b\\c\td', "u": "é", "n": 1 << 64}  # the input the section describes
_CODE = re.compile(r"`([^`]+)`")


def _rows() -> list[list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("<!-- engine-differences:start -->")[1].split("<!-- engine-differences:end")[
        0
    ]
    lines = table.strip().splitlines()[2:]  # below the header and its rule
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


ROWS = _rows()


def _rule(name: str, expression: str) -> str:
    if expression.startswith("not "):
        return f"{name} := true if {{ {expression} }} else := false"
    return f"{name} := {expression}"


def _answers(engine_name: str, expressions: list[str], helpers: list[str]) -> list[str]:
    """Each expression's answer as the table writes it: JSON text, `error` or `undefined`."""
    rules = [_rule(f"row{i}", e) for i, e in enumerate(expressions)]
    module = "package differences\n\n" + "\n\n".join([*helpers, *rules]) + "\n"
    entrypoints = [f"differences/row{i}" for i in range(len(expressions))]
    engine = engine_factory(engine_name)({"differences.rego": module}, {}, entrypoints)
    [answer] = engine.verdicts(entrypoints, [INPUT])
    engine.close()
    return [_spelled(answer[e]) for e in entrypoints]


def _spelled(value) -> str:
    if isinstance(value, EngineError):
        return "undefined" if "undefined" in str(value) else "error"
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    found = _CODE.fullmatch(text)
    return found.group(1) if found else text


def test_the_table_has_the_known_differences():
    assert len(ROWS) >= 10
    assert all(len(row) == 4 for row in ROWS), ROWS
    expressions = [_cell(row[0]) for row in ROWS]
    for builtin in ("count(", "indexof(", "upper(", "regex.match(", "format_int(", "not "):
        assert any(e.startswith(builtin) for e in expressions), builtin


@pytest.mark.parametrize("engine_name", ["regopy", "opa-embedded"])
def test_each_row_answers_as_documented(engine_name):
    if engine_name not in available_engines():
        pytest.skip(f"{engine_name} cannot run here")
    column = 1 if engine_name == "regopy" else 2
    expressions = [_cell(row[0]) for row in ROWS]
    answers = _answers(engine_name, expressions, [])
    for row, answer in zip(ROWS, answers, strict=True):
        assert answer == _cell(row[column]), (row[0], engine_name)
    differing = [r[0] for r in ROWS if _cell(r[1]) == _cell(r[2])]
    assert differing == [], f"rows where the engines agree: {differing}"


@pytest.mark.skipif(
    available_engines() != ["regopy", "opa-embedded"], reason="needs both engines to compare"
)
def test_what_to_write_instead_means_the_same_on_both_engines():
    # A cell that starts with code starts with the expression to write; code with a rule body
    # (`_listed if { ... }`) is a helper that expression uses.
    expressions = [_CODE.match(row[3]).group(1) for row in ROWS if row[3].startswith("`")]
    helpers = [code for row in ROWS for code in _CODE.findall(row[3]) if " if {" in code]
    assert len(expressions) >= 9
    regopy, go_opa = (_answers(name, expressions, helpers) for name in available_engines())
    assert regopy == go_opa
    assert "error" not in regopy and "undefined" not in regopy

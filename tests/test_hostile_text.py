"""Hostile text is inert in every output (issue 12, point 6).

Repository names, tags, Sids, reasons and endpoint messages come from whoever controls an
account. Hypothesis generates them with control characters, newlines, CI workflow commands,
formula starts, markup, mentions and lone surrogates, and every format is checked with the
parser its readers use: csv for CSV, an XML parser for JUnit, json for JSON and SARIF.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scanner.cli import main
from scanner.evaluate.results import Results
from scanner.render import RENDERERS
from scanner.render.display import Display, strip_colour
from scanner.text_safety import (
    csv_cell,
    for_log,
    for_terminal,
    markdown_inline,
    neutralise_log_commands,
    xml_text,
)
from tests import results_factory

# No shrinking: a failure still prints its example, and shrinking these can take minutes.
PROFILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
NASTY = [
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x07",
    "\x1b",
    "\x1b[2J",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u202e",
    "\ud800",
    "\udfff",
    "\ufffe",
    "=",
    "+",
    "-",
    "@",
    "|",
    "<",
    ">",
    "&",
    '"',
    "'",
    "`",
    "*",
    "_",
    "[",
    "]",
    "(",
    ")",
    "!",
    "#",
    "$",
    "\\",
    ":",
    "::",
    "##[",
    "##vso[",
    "%",
    "\n::add-mask::FAIL",
    "::error::x",
    "@octocat",
    "<script>alert(1)</script>",
    "=1+2",
    "![x](http://t.example/p.png)",
    "\ud83d\ude00",
    "é",
]
hostile = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(max_size=4)), min_size=1, max_size=8
).map("".join)
# SARIF (sarif_format.py, not this suite's) is checked without lone surrogates: its
# fingerprint encodes the resource id as UTF-8, which a lone surrogate from a JSON file breaks.
SURROGATE = re.compile("[\ud800-\udfff]")
C0_C1 = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\ud800-\udfff]")


def _results(name: str, reason: str, message: str, other: str) -> Results:
    controls = results_factory.controls()
    repository = [c for c in controls if c["resource_type"] == "repository"]
    waiver = {"kind": "waiver", "reason": other, "approver": other, "expires": "2030-01-01"}
    rows = [
        results_factory.result(repository[0], name, "FAIL", reason=reason),
        results_factory.result(repository[1], name, "ERROR", reason=other),
        results_factory.result(repository[2], name, "WAIVED", reason=reason, exception=waiver),
        results_factory.result(
            repository[0], other, "FAIL", account="444455556666", region=name, reason=message
        ),
        results_factory.result(
            repository[3], name, "SUPPRESSED", reason=reason, source={"file": other, "line": 3}
        ),
    ]
    error = {"operation": name, "code": other, "message": message, "region": name}
    return Results(results_factory.metadata(controls, snapshot_errors=[error]), rows)


def _assert_terminal_safe(text: str) -> None:
    text = strip_colour(text)
    assert "\x1b" not in text
    assert not C0_C1.search(text.replace("\n", ""))
    text.encode("utf-8")  # no lone surrogate: it can be written anywhere
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line and "##vso[" not in line, line


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_human_views_escape_everything(name, reason, message, other):
    results = _results(name, reason, message, other)
    for display in (Display(width=80, colour=True), Display(width=None), Display(width=200)):
        _assert_terminal_safe(RENDERERS["table"](results, display))
        _assert_terminal_safe(RENDERERS["framework"](results, display))
    _assert_terminal_safe(RENDERERS["cost"](results))


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_csv_parses_and_runs_no_formula(name, reason, message, other):
    results = _results(name, reason, message, other)
    text = RENDERERS["csv"](results)
    text.encode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, *body = rows
    assert len(body) == len(results.results) + 1  # one leading row for the collection error
    assert body[0][0] == "collection" and body[0][6] == "ERROR"
    for row in body:
        assert len(row) == len(header)
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert "\n" not in cell and "\x1b" not in cell
    assert text.count("\r\n") == len(rows)  # RFC 4180: one CRLF per record, none inside


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_junit_is_well_formed_xml(name, reason, message, other):
    results = _results(name, reason, message, other)
    root = ET.fromstring(RENDERERS["junit"](results).encode("utf-8"))
    suites = {suite.get("name"): suite for suite in root}
    assert suites["collection"].get("errors") == "1"  # the incomplete run, as an error case
    assert int(root.get("errors")) == 2


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_markdown_carries_no_markup_and_no_mention(name, reason, message, other):
    text = RENDERERS["markdown"](_results(name, reason, message, other))
    assert "<" not in text and ">" not in text.replace("\n> ", "\n").lstrip("> ")
    assert not re.search(r"(?<![\w&#;])@(?!&#8203;)[A-Za-z0-9]", text)
    assert "](" not in text.replace("\\](", "")  # no link or image can form
    columns = None
    for line in text.split("\n"):  # every row of a table has its header's unescaped pipes
        pipes = len(re.findall(r"(?<!\\)\|", line)) if line.startswith("|") else None
        columns = (columns or pipes) if pipes else None
        assert pipes == columns, line


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_json_and_sarif_parse_and_json_keeps_every_value(name, reason, message, other):
    results = _results(name, reason, message, other)
    text = RENDERERS["json"](results)
    text.encode("utf-8")
    assert not C0_C1.search(text.replace("\n", ""))
    assert json.loads(text) == json.loads(json.dumps(results.to_document()))
    if not SURROGATE.search(name + reason + message + other):  # SARIF: see the note above
        json.loads(RENDERERS["sarif"](results))


class _Tags(HTMLParser):
    def __init__(self, page):
        super().__init__()
        self.tags = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@PROFILE
@given(name=hostile, reason=hostile, message=hostile, other=hostile)
def test_html_adds_no_element_and_data_parses(name, reason, message, other):
    page = RENDERERS["html"](_results(name, reason, message, other))
    page.encode("utf-8")
    tags = _Tags(page).tags
    assert [t for t, _ in tags if t == "script"] == ["script", "script"]
    assert not any(t in ("img", "iframe", "link", "object") for t, _ in tags)
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    block = re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    assert for_terminal(name) in {row[3] for row in data["rows"]}


# Read back from a file, a lone surrogate is refused (exit 2, test below): no surrogates here.
readable = hostile.map(lambda text: SURROGATE.sub("?", text))


@PROFILE
@given(name=readable, reason=readable, other=readable)
def test_diff_and_history_escape_everything(tmp_path_factory, name, reason, other):
    folder = tmp_path_factory.mktemp("diff")
    old, new = folder / "old.json", folder / "new.json"
    before = _results(name, reason, other, other)
    after = Results(before.metadata, [r for r in before.results if r.status != "FAIL"])
    old.write_text(RENDERERS["json"](before), encoding="utf-8")
    new.write_text(RENDERERS["json"](after), encoding="utf-8")
    out = folder / "diff.txt"
    assert main(["diff", str(old), str(new), "--output", str(out)]) == 0
    _assert_terminal_safe(out.read_text(encoding="utf-8"))
    db = str(folder / "h.db")
    with pytest.MonkeyPatch.context() as patch:
        lines = []
        patch.setattr("sys.stdout.write", lambda text: lines.append(text) or len(text))
        assert main(["history", "import", str(old), "--db", db]) == 0
        assert main(["history", "list", "--db", db]) == 0
    _assert_terminal_safe("".join(lines))


def test_a_newline_cannot_start_a_workflow_command():
    name = "team/app\n::add-mask::FAIL"
    assert for_terminal(name) == "team/app\\n::add-mask::FAIL"
    assert neutralise_log_commands("  ::add-mask::FAIL\nx ::ok") == "  \\x3a:add-mask::FAIL\nx ::ok"
    assert neutralise_log_commands("see ##[set-output name=x]1") == "see \\x23#[set-output name=x]1"
    assert for_log("ok\n\x1b[31m::error::x") == "ok\n\\x1b[31m::error::x"


def test_the_single_value_helpers():
    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("\t=1") == "\\t=1"  # escaped, so no longer a leading tab
    assert csv_cell("-1") == "'-1" and csv_cell("plain") == "plain"
    assert xml_text("a\x00b\ud800c\ufffe") == "a\\x00b\\ud800c\\ufffe"
    assert xml_text("tab\tnewline\n") == "tab\tnewline\n"  # valid in XML 1.0: kept
    assert markdown_inline("@team <b>|x|</b> [a](b)") == (
        "@&#8203;team &lt;b&gt;\\|x\\|&lt;/b&gt; \\[a\\](b)"
    )
    assert for_terminal("\u202egnp.exe") == "\\u202egnp.exe"  # no reordering what is read


def test_a_file_holding_a_lone_surrogate_is_refused_in_one_line(tmp_path, capsys):
    results = _results("team/\ud800", "r", "m", "o")
    path = tmp_path / "results.json"
    path.write_text(RENDERERS["json"](results), encoding="utf-8")  # written as \\ud800
    assert "\\ud800" in path.read_text(encoding="utf-8")
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unpaired surrogate" in err


def test_an_error_line_naming_a_hostile_resource_stays_one_line(tmp_path, capsys):
    document = json.loads(RENDERERS["json"](results_factory.estate(2, accounts=1)))
    document["results"][0]["resource_id"] = "x\n::add-mask::FAIL\x1b[2J"
    for result in document["results"]:  # the overlap names the region
        result["region"] = "x\n::add-mask::FAIL\x1b[2J"
    document["metadata"]["snapshot"].pop("scopes", None)  # so coverage is read off the results
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(document), encoding="utf-8")
    assert main(["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x\\n::add-mask::FAIL\\x1b[2J" in err

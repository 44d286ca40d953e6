"""The human views (issue 17, points 1 and 6): a table that fits the terminal, colour only on
a terminal, findings that say which account, and the output polish."""

import io
import re
import sys

import pytest

from scanner.cli import build_parser, main
from scanner.evaluate.results import Results
from scanner.render import RENDERERS
from scanner.render.display import Display, choose, strip_colour
from scanner.render.table_matrix import short_codes
from tests import results_factory

ESTATE = results_factory.estate(300, accounts=4)


def _widest(text: str) -> int:
    return max(len(line) for line in strip_colour(text).split("\n"))


COST = {
    "price_per_gb_month": 0.1,
    "currency": "USD",
    "repositories": [
        {
            "account_id": r.account_id,
            "region": r.region,
            "repository": r.resource_name,
            "images": 12,
            "stored_gb": 3.25,
            "monthly_cost": 0.33,
            "expirable_images": 4,
            "monthly_saving": 0.11,
            "basis": "default retention",
        }
        for r in ESTATE.results[:: len(ESTATE.controls) * 10]
    ],
    "total": {"stored_gb": 97.5, "monthly_cost": 9.75, "monthly_saving": 3.3},
}


@pytest.mark.parametrize("width", [80, 120, 200])
def test_the_table_fits_the_terminal(width):
    """Every section: matrices, findings, summary and the cost view."""
    results = Results({**ESTATE.metadata, "cost": COST}, ESTATE.results)
    text = RENDERERS["table"](results, Display(width=width))
    assert "Cost (storage at $0.10" in text
    assert _widest(text) <= width
    if width < 200:  # short codes, with their legend
        assert "Controls: " in text and "Cells: P pass, F fail" in text
    else:  # room for every column in full
        assert "ecr-image-" in text and "Cells: " not in text


def test_wide_draws_every_column_in_full():
    text = RENDERERS["table"](ESTATE, Display(width=None))
    assert "ecr-image-" in text and "vulnerabilities" in text  # stacked headers, full words
    assert _widest(text) > 150 and "Cells: " not in text


def test_columns_where_everything_passes_fold_when_names_need_the_room():
    controls = [c for c in results_factory.controls() if c["resource_type"] == "repository"]
    name = "platform/" + "very-long-service-name-" * 2
    rows = [
        results_factory.result(c, name, "FAIL" if i == 0 else "PASS")
        for i, c in enumerate(controls)
    ]
    results = Results(results_factory.metadata(controls), rows)
    text = RENDERERS["table"](results, Display(width=80))
    assert _widest(text) <= 80
    assert name in text  # the name whole, the passing columns folded instead
    assert "Not shown, every cell passes or does not apply: ecr-image-vulnerabilities" in text


def test_short_codes_are_unique_and_readable():
    ids = [c["id"] for c in results_factory.controls() if c["resource_type"] == "repository"]
    codes = short_codes(ids)
    assert codes["ecr-tag-immutability"] == "ti" and codes["ecr-scan-on-push"] == "sop"
    assert len(set(codes.values())) == len(ids)
    assert short_codes(["x-ab", "x-ac", "x-ad"]) == {"x-ab": "ab", "x-ac": "ac", "x-ad": "ad"}
    assert len(set(short_codes(["a-bc", "a-bd", "a-b-c"]).values())) == 3


def test_colour_only_when_asked_and_on_a_terminal(monkeypatch):
    coloured = RENDERERS["table"](ESTATE, Display(width=120, colour=True))
    assert "\x1b[1;31mF\x1b[0m" in coloured and "\x1b[32mP\x1b[0m" in coloured
    assert "\x1b" not in RENDERERS["table"](ESTATE, Display(width=120))
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert choose(to_terminal=True).colour
    assert not choose(to_terminal=False).colour
    assert not choose(to_terminal=True, no_color=True).colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert not choose(to_terminal=True).colour
    monkeypatch.setenv("COLUMNS", "91")
    assert (
        choose(to_terminal=False).width == 91 and choose(to_terminal=False, wide=True).width is None
    )


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_cli_colours_a_terminal_and_honours_no_color(tmp_path, monkeypatch):
    results = tmp_path / "r.json"
    results.write_text(RENDERERS["json"](ESTATE), encoding="utf-8")
    monkeypatch.delenv("NO_COLOR", raising=False)
    for extra, coloured in (([], True), (["--no-color"], False)):
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stdout", terminal)
        main(["report", str(results), *extra])
        assert ("\x1b[" in terminal.getvalue()) is coloured
    main(["report", str(results), "--output", str(tmp_path / "t.txt")])
    assert "\x1b" not in (tmp_path / "t.txt").read_text()


def test_findings_name_the_account_when_results_span_several():
    results = ESTATE
    text = RENDERERS["table"](results, Display(width=200))
    failing = next(r for r in results.results if r.status == "FAIL")
    label = f"{failing.account_id}/{failing.region}/{failing.resource_name}"
    assert label in text
    markdown = RENDERERS["markdown"](results)
    assert f"| {label.replace('_', chr(92) + '_')} |" in markdown
    single = Results(
        results.metadata, [r for r in results.results if r.account_id == failing.account_id]
    )
    assert (
        f"{failing.account_id}/"
        not in RENDERERS["table"](single, Display(width=200)).split("Findings")[1]
    )


def test_same_named_resources_from_two_sources_are_two_rows():
    control = next(c for c in results_factory.controls() if c["resource_type"] == "repository")
    a = results_factory.result(control, "app", "PASS", source={"file": "a.yaml"})
    b = results_factory.result(control, "app", "FAIL", source={"file": "b.yaml"})
    b = type(b)(**{**{f: getattr(b, f) for f in b.__slots__}, "resource_id": "b.yaml#app"})
    text = RENDERERS["table"](Results(results_factory.metadata([control]), [a, b]), Display(None))
    assert "app (a.yaml)" in text and "app (b.yaml)" in text


INCOMPLETE = {
    "operation": "DescribeRegions",
    "code": "AccessDenied",
    "message": "not allowed by an SCP",
    "account_id": "111122223333",
    "region": "*",
}


@pytest.fixture
def incomplete_file(tmp_path):
    results = results_factory.estate(5, accounts=1)
    results = Results(
        {**results.metadata, "snapshot_errors": [INCOMPLETE]},
        [r for r in results.results if r.status == "PASS"],
    )
    path = tmp_path / "incomplete.json"
    path.write_text(RENDERERS["json"](results), encoding="utf-8")
    return path


def test_an_incomplete_run_is_exit_3_with_one_warning_and_a_notice_everywhere(
    incomplete_file, tmp_path, capsys
):
    names = ("table", "markdown", "csv", "junit", "html", "framework", "cost", "json")
    outputs = {name: tmp_path / f"out.{name}" for name in names}
    argv = ["report", str(incomplete_file)]
    for name, path in outputs.items():
        argv += ["--format", f"{name}={path}"]
    assert main(argv) == 3  # every cell passed, but the collection was incomplete
    err = capsys.readouterr().err
    assert err.count("ecrscan: warning: incomplete run") == 1 and err.count("\n") == 1
    assert "DescribeRegions AccessDenied" in err
    for name, path in outputs.items():
        text = path.read_text(encoding="utf-8")
        assert "DescribeRegions" in text and "AccessDenied" in text, name
    assert outputs["table"].read_text().startswith("INCOMPLETE: 1 collection error(s)")
    assert "account 111122223333, region \\*" in outputs["markdown"].read_text()
    csv_records = outputs["csv"].read_bytes().decode().split("\r\n")
    assert csv_records[1].startswith("collection,collection:DescribeRegions,collection,")


def test_merge_of_an_incomplete_shard_is_exit_3(incomplete_file, tmp_path, capsys):
    merged = tmp_path / "merged.json"
    assert main(["merge", str(incomplete_file), "--output", str(merged)]) == 3
    assert merged.exists() and "incomplete run" in capsys.readouterr().err


def test_cost_of_planned_infrastructure_is_not_applicable():
    results = Results({**ESTATE.metadata, "sources": ["stack.yaml"], "cost": {}}, [])
    assert RENDERERS["cost"](results).startswith("Cost: N/A")


def test_an_empty_control_list_is_a_usage_error(incomplete_file, capsys):
    assert main(["evaluate", str(incomplete_file), "--controls", ""]) == 2
    assert "--controls names no control" in capsys.readouterr().err


def test_a_named_format_file_with_output_is_a_usage_error(incomplete_file, capsys):
    argv = ["report", str(incomplete_file), "--format", "csv=x.csv", "--output", "y.txt"]
    assert main(argv) == 2
    assert "cannot be combined" in capsys.readouterr().err


def test_every_option_has_help_and_report_help_lists_every_format(capsys):
    parser = build_parser()
    missing = []

    def walk(command, path):
        for action in command._actions:
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, sub in choices.items():
                    walk(sub, [*path, name])
            elif not action.help:
                missing.append((" ".join(path), action.option_strings or action.dest))

    walk(parser, ["ecrscan"])
    assert missing == []
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert all(name in text for name in RENDERERS), text

"""`ecrscan diff`: two scans of an emulated estate, changed in between, compared by control id and
resource id; plus the classification rules on hand-made results."""

import json

import boto3
import pytest
from moto import mock_aws

from scanner.cli import main
from scanner.cli.diff_cmd import compare
from scanner.errors import ExitCode
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results

TAG = "ecr-tag-immutability"
ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/"


def _scan(db, out):
    return main(
        [
            "scan",
            "--region",
            "eu-west-1",
            "--controls",
            TAG,
            "--db",
            str(db),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )


@pytest.fixture(scope="module")
def two_scans(module_aws_env, tmp_path_factory):
    """Scan, change the estate (fix one, break one, delete one, add one), scan again."""
    tmp_path = tmp_path_factory.mktemp("diff")
    db = tmp_path / "history.sqlite3"
    with mock_aws():
        ecr = boto3.client("ecr", region_name="eu-west-1")
        for name, mutability in (
            ("fixed", "MUTABLE"),
            ("stays-broken", "MUTABLE"),
            ("breaks", "IMMUTABLE"),
            ("deleted", "MUTABLE"),
        ):
            ecr.create_repository(repositoryName=name, imageTagMutability=mutability)
        assert _scan(db, tmp_path / "old.json") == ExitCode.FAILURES
        ecr.put_image_tag_mutability(repositoryName="fixed", imageTagMutability="IMMUTABLE")
        ecr.put_image_tag_mutability(repositoryName="breaks", imageTagMutability="MUTABLE")
        ecr.delete_repository(repositoryName="deleted")
        ecr.create_repository(repositoryName="added", imageTagMutability="IMMUTABLE")
        assert _scan(db, tmp_path / "new.json") == ExitCode.FAILURES
    return db, tmp_path


def _names(items):
    return sorted(item["resource_name"] for item in items)


def test_diff_of_two_stored_scans(two_scans, capsys):
    db, _ = two_scans
    capsys.readouterr()
    assert main(["diff", "previous", "latest", "--db", str(db), "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert (diff["old"]["label"], diff["new"]["label"]) == ("scan 1", "scan 2")
    assert _names(diff["new_failures"]) == ["breaks"]
    assert [pair["new"]["resource_name"] for pair in diff["fixed"]] == ["fixed"]
    assert [pair["new"]["status"] for pair in diff["fixed"]] == ["PASS"]
    assert _names(diff["still_failing"]) == ["stays-broken"]
    assert _names(diff["new_resources"]) == ["added"]
    assert _names(diff["removed_resources"]) == ["deleted"]
    # The deleted repository failed before; it is reported as gone, never as fixed.
    assert [(p["old"]["resource_name"], p["new"]) for p in diff["other_changes"]] == [
        ("deleted", None)
    ]


def test_diff_of_two_results_files_as_a_table(two_scans, capsys):
    _, folder = two_scans
    capsys.readouterr()
    argv = ["diff", str(folder / "old.json"), str(folder / "new.json"), "--fail-on-new"]
    assert main(argv) == ExitCode.FAILURES  # a new failure, and --fail-on-new
    text = capsys.readouterr().out
    section = text.split("New failures (1)")[1].split("Fixed")[0]
    assert "breaks" in section and "MUTABLE" in section
    assert "Fixed (1)" in text and "Still failing (1)" in text
    assert "New resources (1)" in text and "Removed resources (1)" in text
    assert text.rstrip().endswith(
        "1 new failure(s), 1 fixed, 1 still failing, 1 other change(s), "
        "1 new resource(s), 1 removed"
    )
    # Same scans by id give the same comparison.
    assert main(["diff", "1", "2", "--db", str(folder / "history.sqlite3")]) == 0
    assert capsys.readouterr().out.split("\n", 1)[1] == text.split("\n", 1)[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["diff", "nope.json", "latest"],
            "nope.json: no such results file, nor a scan id, 'latest' or 'previous'",
        ),
        (["diff", "previous", "latest"], "previous: the history database holds only 0 scan(s)"),
        (["diff", "1", "2"], "no scan 1 in the history database"),
    ],
)
def test_diff_input_errors_are_one_line(tmp_path, capsys, argv, message):
    code = main([*argv, "--db", str(tmp_path / "h.sqlite3")])
    assert code == ExitCode.USAGE
    assert capsys.readouterr().err.strip().splitlines() == [f"ecrscan: error: {message}"]


# Classification rules, on hand-made results.


def _result(name, status, control=TAG):
    return Result(control, ARN + name, "repository", name, "1", "eu-west-1", status, "LOW", status)


def _results(*results):
    return Results({"format": RESULTS_FORMAT, "controls": []}, list(results))


def test_classification_rules():
    old = _results(
        _result("a", "FAIL"),
        _result("b", "ERROR"),
        _result("c", "FAIL"),
        _result("d", "FAIL"),
        _result("e", "FAIL"),
        _result("f", "PASS"),
    )
    new = _results(
        _result("a", "N/A"),  # fixed: no longer applies
        _result("b", "FAIL"),  # ERROR -> FAIL: a failure that is new
        _result("c", "ERROR"),  # cannot be judged any more: not fixed
        _result("d", "WAIVED"),  # accepted: not fixed
        _result("e", "PASS", control="other"),  # e's control was not evaluated this time
        _result("f", "PASS"),
    )
    diff = compare(old, new)
    assert [r.resource_name for r in diff.new_failures] == ["b"]
    assert [(a.resource_name, b.status) for a, b in diff.fixed] == [("a", "N/A")]
    changes = [
        (a.resource_name if a else None, b.status if b else None) for a, b in diff.other_changes
    ]
    assert sorted(changes, key=str) == [("c", "ERROR"), ("d", "WAIVED"), ("e", None)]
    assert diff.still_failing == [] and diff.new_resources == [] and diff.removed_resources == []

"""Waivers: active ones waive a FAIL, expired ones leave it failing and say so, unused ones are
reported stale, and a malformed file is refused naming the entry and field at fault."""

import csv
import datetime as dt
import io
import json
import re
import textwrap
from pathlib import Path

import pytest

from scanner.audit.waivers import apply_waivers, load_waivers
from scanner.cli import main
from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results, exit_code
from scanner.render import RENDERERS
from tests import snapshot_factory

ACCOUNT = "111122223333"
TAG = "ecr-tag-immutability"
CONTROLS = [
    {"id": TAG, "title": "Tags", "description": "", "severity": "MEDIUM"}
    | {"resource_type": "repository", "frameworks": {"aws-fsbp": ["ECR.2"]}, "remediation": {}},
    {"id": "vpc-ecr-endpoints", "title": "VPC", "description": "", "severity": "MEDIUM"}
    | {"resource_type": "vpc", "frameworks": {}, "remediation": {}},
]


def _result(name, status="FAIL", control=TAG, resource_type="repository", region="eu-west-1"):
    kind = "repository" if resource_type == "repository" else "vpc"
    return Result(
        control,
        f"arn:aws:ecr:{region}:{ACCOUNT}:{kind}/{name}",
        resource_type,
        name,
        ACCOUNT,
        region,
        status,
        "MEDIUM",
        f"{name} is {status}",
    )


def _results(*results):
    return Results({"format": RESULTS_FORMAT, "controls": CONTROLS}, list(results))


def _waiver_file(tmp_path, text):
    path = tmp_path / "waivers.yaml"
    path.write_text(textwrap.dedent(text))
    return path


WAIVERS = """\
    waivers:
      - control: ecr-tag-immutability
        repository: legacy/*
        reason: the monolith retires in Q1
        approver: alice@example.com
        expires: 2026-12-31
      - control: ecr-tag-immutability
        account: 111122223333
        region: us-east-1
        repository: vendor/feed
        reason: vendor pushes by tag
        approver: bob@example.com
        expires: "2026-03-31"
      - control: ecr-tag-immutability
        resource: arn:aws:ecr:*:111122223333:repository/gone/*
        reason: deleted last month
        approver: carol@example.com
        expires: 2027-01-01
    """


def _applied(tmp_path, today):
    results = _results(
        _result("legacy/monolith"),
        _result("legacy/batch", status="ERROR"),
        _result("vendor/feed", region="us-east-1"),
        _result("team/api", status="PASS"),
        _result("team/web"),
    )
    outcome = apply_waivers(results, load_waivers(_waiver_file(tmp_path, WAIVERS)), today)
    return results, outcome, {r.resource_name: r for r in results.results}


def test_active_waiver_waives_the_fail_and_keeps_it_visible(tmp_path):
    results, _, by_name = _applied(tmp_path, dt.date(2026, 1, 15))
    waived = by_name["legacy/monolith"]
    assert waived.status == "WAIVED"
    assert waived.reason == "legacy/monolith is FAIL"  # the finding itself is kept
    assert waived.exception == {
        "kind": "waiver",
        "reason": "the monolith retires in Q1",
        "approver": "alice@example.com",
        "expires": "2026-12-31",
        "selector": {"repository": "legacy/*"},
        "waiver": 1,
    }
    assert by_name["team/web"].status == "FAIL"  # selected by nothing
    assert by_name["team/api"].status == "PASS"
    assert by_name["legacy/batch"].status == "ERROR"  # an incomplete audit is never waived
    assert by_name["vendor/feed"].status == "WAIVED"
    assert exit_code(results.results) == ExitCode.UNDECIDED


def test_waivers_do_not_count_towards_the_exit_code(tmp_path):
    results = _results(_result("legacy/monolith"))
    apply_waivers(results, load_waivers(_waiver_file(tmp_path, WAIVERS)), dt.date(2026, 1, 1))
    assert exit_code(results.results) == ExitCode.OK


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (dt.date(2026, 3, 30), "WAIVED"),
        (dt.date(2026, 3, 31), "WAIVED"),  # valid through its expiry date
        (dt.date(2026, 4, 1), "FAIL"),
    ],
)
def test_expiry_is_inclusive(tmp_path, today, status):
    _, _, by_name = _applied(tmp_path, today)
    assert by_name["vendor/feed"].status == status


def test_expired_waiver_leaves_the_fail_and_says_so(tmp_path):
    results, outcome, by_name = _applied(tmp_path, dt.date(2026, 6, 1))
    feed = by_name["vendor/feed"]
    assert feed.status == "FAIL"
    assert feed.exception["kind"] == "expired-waiver"
    assert feed.exception["expires"] == "2026-03-31"
    entry = results.metadata["waivers"]["entries"][1]
    assert entry["expired"] and entry["expired_matches"] == 1 and not entry["stale"]
    assert any("waiver 2" in w and "expired on 2026-03-31" in w for w in outcome.warnings())
    assert exit_code(results.results) != ExitCode.OK


def test_stale_waiver_is_reported(tmp_path):
    results, outcome, _ = _applied(tmp_path, dt.date(2026, 1, 1))
    waivers = results.metadata["waivers"]
    assert waivers["stale"] == [3]
    assert waivers["entries"][2]["stale_reason"] == "it selects no failing result"
    assert waivers["as_of"] == "2026-01-01"
    assert waivers["digest"].startswith("sha256:")
    assert [w for w in outcome.warnings() if "stale" in w] == [
        "waiver 3 (ecr-tag-immutability, resource arn:aws:ecr:*:111122223333:repository/gone/*)"
        " is stale: it selects no failing result"
    ]


def test_waiver_for_a_control_not_evaluated_is_stale_with_that_reason(tmp_path):
    path = _waiver_file(
        tmp_path,
        """\
        waivers:
          - {control: ecr-nope, account: "111122223333", reason: r, approver: a,
             expires: 2030-01-01}
        """,
    )
    results = _results(_result("team/web"))
    apply_waivers(results, load_waivers(path), dt.date(2026, 1, 1))
    assert results.metadata["waivers"]["entries"][0]["stale_reason"] == (
        "control ecr-nope was not evaluated"
    )


def test_repository_selector_never_selects_a_vpc(tmp_path):
    path = _waiver_file(
        tmp_path,
        """\
        waivers:
          - {control: vpc-ecr-endpoints, repository: "*/*", reason: r, approver: a,
             expires: 2030-01-01}
          - {control: vpc-ecr-endpoints, vpc: "vpc-0a*", reason: r, approver: a,
             expires: 2030-01-01}
        """,
    )
    results = _results(
        _result("vpc-0a1", control="vpc-ecr-endpoints", resource_type="vpc"),
        _result("vpc-0b2", control="vpc-ecr-endpoints", resource_type="vpc"),
    )
    apply_waivers(results, load_waivers(path), dt.date(2026, 1, 1))
    assert [r.status for r in results.results] == ["WAIVED", "FAIL"]
    assert results.results[0].exception["waiver"] == 2
    assert results.metadata["waivers"]["stale"] == [1]


def test_reapplying_judges_against_the_new_file_and_date(tmp_path):
    results, _, _ = _applied(tmp_path, dt.date(2026, 1, 1))
    assert sum(r.status == "WAIVED" for r in results.results) == 2
    apply_waivers(results, load_waivers(_waiver_file(tmp_path, WAIVERS)), dt.date(2027, 6, 1))
    assert sum(r.status == "WAIVED" for r in results.results) == 0
    assert {r.exception["kind"] for r in results.results if r.exception} == {"expired-waiver"}
    empty = _waiver_file(tmp_path, "waivers: []\n")
    apply_waivers(results, load_waivers(empty), dt.date(2027, 6, 1))
    assert all(r.exception is None for r in results.results)
    assert [r.status for r in results.results].count("FAIL") == 3


def test_csv_carries_the_waiver_and_framework_ids(tmp_path):
    results, _, _ = _applied(tmp_path, dt.date(2026, 6, 1))
    rows = {r["resource_name"]: r for r in csv.DictReader(io.StringIO(RENDERERS["csv"](results)))}
    assert rows["legacy/monolith"]["status"] == "WAIVED"
    assert rows["legacy/monolith"]["waiver"] == (
        "waived until 2026-12-31 by alice@example.com: the monolith retires in Q1"
    )
    assert rows["vendor/feed"]["waiver"].startswith("waiver expired 2026-03-31")
    assert rows["team/web"]["waiver"] == ""
    assert rows["team/web"]["frameworks"] == "aws-fsbp:ECR.2"
    for column in ("account_id", "region", "resource_name", "control_id", "severity", "reason"):
        assert rows["team/web"][column]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("waivers: {}\n", "'waivers' must be a list"),
        ("- control: x\n", "a mapping with one key, 'waivers'"),
        ("waivers: [\n", "not valid YAML (line 2: "),
        ("waivers:\n  - just a string\n", "waiver 1 (line 2): a waiver is a mapping"),
        (
            "waivers:\n  - {control: c, repository: r, reason: x, approver: a, expires: 2030-01-01}"
            "\n  - {control: c, repository: r, reason: x, approver: a}\n",
            "waiver 2 (line 3): expires is required",
        ),
        (
            "waivers:\n  - {control: c, repository: r, reason: x, approver: a, "
            "expires: tomorrow}\n",
            "waiver 1 (line 2): expires 'tomorrow' is not a date",
        ),
        (
            "waivers:\n  - {control: c, repository: r, reason: x, approver: a, "
            "expires: 2030-02-30}\n",
            "expires '2030-02-30' is not a date",
        ),
        (
            "waivers:\n  - {control: c, repository: r, reason: x, approver: a, "
            "expires: 2030-01-01T10:00:00}\n",
            "expires '2030-01-01T10:00:00' is not a date (YYYY-MM-DD)",
        ),
        (
            "waivers:\n  - {control: c, reason: x, approver: a, expires: 2030-01-01}\n",
            "waiver 1 (line 2): name at least one of account, region",
        ),
        (
            "waivers:\n  - {control: c, repository: r, approver: a, expires: 2030-01-01}\n",
            "waiver 1 (line 2): reason is required",
        ),
        (
            "waivers:\n  - {control: c, repository: r, reason: x, approver: '  ', "
            "expires: 2030-01-01}\n",
            "approver is required",
        ),
        (
            "waivers:\n  - {control: c, repo: r, reason: x, approver: a, expires: 2030-01-01}\n",
            "waiver 1 (line 2): unknown key 'repo'",
        ),
        (
            "waivers:\n  - {control: c, account: 1234, reason: x, approver: a, "
            "expires: 2030-01-01}\n",
            "account 1234 is not 12 digits; quote account ids",
        ),
        (
            "waivers:\n  - {control: c, repository: [a], reason: x, approver: a, "
            "expires: 2030-01-01}\n",
            "repository must be a non-empty string",
        ),
        (
            "waivers:\n  - {control: c, repository: r, vpc: v, reason: x, approver: a, "
            "expires: 2030-01-01}\n",
            "a repository or a VPC, not both",
        ),
    ],
)
def test_malformed_files_name_the_entry_and_field(tmp_path, text, message):
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"waivers\.yaml") as raised:
        load_waivers(path)
    assert message in str(raised.value)


def test_empty_file_is_no_waivers(tmp_path):
    path = tmp_path / "waivers.yaml"
    path.write_text("")
    assert load_waivers(path).waivers == ()


# Through the real entry point: evaluate a snapshot with a waiver file.


def _snapshot(tmp_path):
    snapshot = snapshot_factory.snapshot(
        [
            snapshot_factory.repository_record("legacy/monolith", imageTagMutability="MUTABLE"),
            snapshot_factory.repository_record("team/api"),
        ]
    )
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    return str(path)


def test_cli_waives_warns_about_stale_and_records_it(tmp_path, capsys):
    waivers = _waiver_file(tmp_path, WAIVERS)
    out = tmp_path / "results.json"
    argv = ["evaluate", _snapshot(tmp_path), "--controls", TAG, "--waivers", str(waivers)]
    code = main([*argv, "--as-of", "2026-06-01", "--format", "json", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == ExitCode.OK  # the only failure is waived
    document = json.loads(out.read_text())
    statuses = {r["resource_name"]: r["status"] for r in document["results"]}
    assert statuses == {"legacy/monolith": "WAIVED", "team/api": "PASS"}
    assert document["metadata"]["waivers"]["stale"] == [2, 3]
    assert err.count("ecrscan: warning: waiver") == 2 and "stale" in err
    # `report` judges the same results again on another day: the waiver has lapsed.
    code = main(["report", str(out), "--waivers", str(waivers), "--as-of", "2027-01-01"])
    assert code == ExitCode.FAILURES
    assert "FAIL" in capsys.readouterr().out


def test_cli_rejects_a_malformed_waiver_file_in_one_line(tmp_path, capsys):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - {control: c, repository: r, reason: x, approver: a}\n")
    code = main(["evaluate", _snapshot(tmp_path), "--waivers", str(waivers)])
    captured = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecrscan: error: ")
    assert "waiver 1 (line 2): expires is required" in lines[0]


def test_cli_rejects_a_bad_as_of_date(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["evaluate", _snapshot(tmp_path), "--as-of", "31/12/2026"])
    assert raised.value.code == ExitCode.USAGE
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_the_documented_example_is_a_valid_waiver_file(tmp_path):
    docs = Path(__file__).resolve().parent.parent / "docs" / "waivers.md"
    example = re.search(r"```yaml\n(.*?)```", docs.read_text(), re.S).group(1)
    path = tmp_path / "waivers.yaml"
    path.write_text(example)
    waivers = load_waivers(path).waivers
    assert [w.control for w in waivers] == [TAG, "ecr-repository-policy", "vpc-ecr-endpoints"]
    assert waivers[1].selector["account"] == "444455556666"

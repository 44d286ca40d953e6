import csv
import io
import json

import pytest

from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results, exit_code, load_results
from scanner.render import RENDERERS

CONTROLS = [
    {
        "id": "ecr-a",
        "title": "A",
        "description": "",
        "severity": "MEDIUM",
        "resource_type": "repository",
        "frameworks": {},
        "remediation": {},
    },
    {
        "id": "ecr-b",
        "title": "B",
        "description": "",
        "severity": "HIGH",
        "resource_type": "repository",
        "frameworks": {},
        "remediation": {},
    },
    {
        "id": "vpc-c",
        "title": "C",
        "description": "",
        "severity": "MEDIUM",
        "resource_type": "vpc",
        "frameworks": {},
        "remediation": {},
    },
]


def _result(control, name, status, severity="MEDIUM", reason="", resource_type="repository"):
    return Result(
        control,
        f"arn:aws:ecr:eu-west-1:111122223333:repository/{name}",
        resource_type,
        name,
        "111122223333",
        "eu-west-1",
        status,
        severity,
        reason,
    )


def _results(*results):
    return Results({"format": RESULTS_FORMAT, "controls": CONTROLS}, list(results))


SAMPLE = _results(
    _result("ecr-a", "api", "PASS"),
    _result("ecr-b", "api", "FAIL", "CRITICAL", "grants ecr:PutImage to 999988887777 <script>"),
    _result("ecr-a", "web", "ERROR", reason="GetLifecyclePolicy AccessDeniedException: denied"),
    _result("vpc-c", "vpc-1", "N/A", resource_type="vpc", reason="no private subnet"),
)


@pytest.mark.parametrize(
    ("statuses", "fail_on", "expected"),
    [
        ([("PASS", "LOW")], "LOW", ExitCode.OK),
        ([("FAIL", "LOW")], "LOW", ExitCode.FAILURES),
        ([("FAIL", "MEDIUM")], "HIGH", ExitCode.OK),
        ([("FAIL", "CRITICAL")], "HIGH", ExitCode.FAILURES),
        ([("FAIL", "CRITICAL"), ("ERROR", "LOW")], "LOW", ExitCode.UNDECIDED),
        ([("N/A", "HIGH")], "LOW", ExitCode.OK),
    ],
)
def test_exit_codes(statuses, fail_on, expected):
    results = [_result("ecr-a", f"r{i}", s, sev) for i, (s, sev) in enumerate(statuses)]
    assert exit_code(results, fail_on) == expected


def test_table_has_a_matrix_per_resource_type_findings_and_summary():
    text = RENDERERS["table"](SAMPLE)
    assert "Repositories (2)" in text and "VPCs (1)" in text
    matrix = text.split("VPCs")[0]
    api_row = next(line for line in matrix.splitlines() if " api " in line)
    assert api_row.split()[-2:] == ["PASS", "FAIL"]
    web_row = next(line for line in matrix.splitlines() if " web " in line)
    assert web_row.split()[-2:] == ["ERROR", "-"]  # never judged: not a PASS
    assert "Findings" in text and "grants ecr:PutImage" in text
    summary = text.split("Summary")[1]
    critical = next(line for line in summary.splitlines() if line.startswith("CRITICAL"))
    assert critical.split() == ["CRITICAL", "0", "1", "0", "0", "0", "0", "1"]


def test_json_round_trips_through_the_results_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(RENDERERS["json"](SAMPLE))
    assert load_results(path).results == SAMPLE.results


def test_csv_one_row_per_result():
    rows = list(csv.DictReader(io.StringIO(RENDERERS["csv"](SAMPLE))))
    assert len(rows) == 4
    assert rows[1]["reason"] == "grants ecr:PutImage to 999988887777 <script>"
    # Every result field, then the derived waiver and framework-id columns.
    assert set(rows[0]) == set(Result.__dataclass_fields__) | {"waiver", "frameworks"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "results file is empty"),
        ("{", "results file is not JSON"),
        ("[]", "not an ecrscan results file"),
        (json.dumps({"metadata": {"format": "other"}, "results": []}), "metadata.format"),
        (
            json.dumps(
                {
                    "metadata": {"format": RESULTS_FORMAT, "controls": []},
                    "results": [{"control_id": "x"}],
                }
            ),
            "not an ecrscan results file",
        ),
    ],
)
def test_bad_results_files(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_results(path)

"""The framework view: results pivoted by the framework ids in the METADATA blocks."""

from scanner.evaluate.catalog import load_policies
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results
from scanner.render import RENDERERS
from scanner.render.framework_format import requirements
from scanner.resources import policy_dir


def _control(control_id, frameworks, resource_type="repository"):
    return {
        "id": control_id,
        "title": control_id,
        "description": "",
        "severity": "MEDIUM",
        "resource_type": resource_type,
        "frameworks": frameworks,
        "remediation": {},
    }


CONTROLS = [
    _control("scan", {"aws-fsbp": ["ECR.1"]}),
    _control("tags", {"aws-fsbp": ["ECR.2"]}),
    _control("lifecycle", {"aws-fsbp": ["ECR.3"]}),
    _control("policy", {"nist-800-53-r5": ["AC-3", "AC-6"]}),
    _control("endpoints", {"aws-fsbp": ["EC2.55", "EC2.56"]}, "vpc"),
    _control("encryption", {"aws-fsbp": ["ECR.10"]}),
    _control("unmapped", {}),
]


def _result(control, name, status):
    return Result(control, f"arn:{name}", "repository", name, "1", "eu-west-1", status, "LOW", "r")


RESULTS = Results(
    {"format": RESULTS_FORMAT, "controls": CONTROLS},
    [
        _result("scan", "a", "PASS"),
        _result("scan", "b", "PASS"),
        _result("tags", "a", "PASS"),
        _result("tags", "b", "WAIVED"),
        _result("lifecycle", "a", "FAIL"),
        _result("lifecycle", "b", "ERROR"),
        _result("policy", "a", "PASS"),
        _result("policy", "b", "FAIL"),
        _result("endpoints", "vpc-1", "N/A"),
        _result("unmapped", "a", "FAIL"),
    ],
)


def test_verdict_per_requirement_in_framework_then_numeric_order():
    found = {(r.framework, r.id): r for r in requirements(RESULTS)}
    assert list(found) == [
        ("aws-fsbp", "EC2.55"),
        ("aws-fsbp", "EC2.56"),
        ("aws-fsbp", "ECR.1"),
        ("aws-fsbp", "ECR.2"),
        ("aws-fsbp", "ECR.3"),
        ("aws-fsbp", "ECR.10"),  # numeric, not textual, order
        ("nist-800-53-r5", "AC-3"),
        ("nist-800-53-r5", "AC-6"),
    ]
    verdicts = {key[1]: r.verdict for key, r in found.items()}
    assert verdicts == {
        "EC2.55": "NOT APPLICABLE",
        "EC2.56": "NOT APPLICABLE",
        "ECR.1": "MET",
        "ECR.2": "MET WITH WAIVERS",  # an accepted failure is not a pass
        "ECR.3": "UNDECIDED",  # an ERROR outranks the FAIL: the audit is incomplete
        "ECR.10": "NOT APPLICABLE",
        "AC-3": "FAIL",
        "AC-6": "FAIL",
    }
    assert found[("aws-fsbp", "ECR.3")].counts == {"FAIL": 1, "ERROR": 1}
    assert [r.resource_name for r in found[("nist-800-53-r5", "AC-3")].failing] == ["b"]


def test_rendered_view_lists_requirements_and_failing_resources():
    text = RENDERERS["framework"](RESULTS)
    table, failing = text.split("\n\nFailing\n")
    ecr2 = next(line for line in table.splitlines() if " ECR.2 " in line)
    # framework, requirement, controls, PASS FAIL WAIVED ERROR N/A, verdict
    assert ecr2.split()[:8] == ["aws-fsbp", "ECR.2", "tags", "1", "0", "1", "0", "0"]
    assert ecr2.endswith("MET WITH WAIVERS")
    assert "aws-fsbp ECR.3" in failing and "nist-800-53-r5 AC-6" in failing
    assert "unmapped" not in text  # a control with no framework id is not pivoted


def test_bundled_controls_map_the_fsbp_ids():
    summaries = [c.summary() for c in load_policies(policy_dir()).controls]
    results = Results({"format": RESULTS_FORMAT, "controls": summaries}, [])
    ids = {r.id for r in requirements(results) if r.framework == "aws-fsbp"}
    assert {"ECR.1", "ECR.2", "ECR.3", "EC2.55", "EC2.56"} <= ids


def test_no_framework_ids_at_all():
    results = Results({"format": RESULTS_FORMAT, "controls": [_control("x", {})]}, [])
    assert "No control in these results names a framework requirement" in RENDERERS["framework"](
        results
    )

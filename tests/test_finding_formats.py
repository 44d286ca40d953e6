"""--format asff (Security Hub) and --format ocsf (data lakes): the shapes their consumers take.

ASFF findings are checked against botocore's BatchImportFindings input shape (what the API
itself validates); OCSF events against py-ocsf-models' Compliance Finding class (Prowler's
maintained implementation of the OCSF schema).
"""

import dataclasses
import json

import botocore.session
import pytest
from botocore.validate import ParamValidator
from py_ocsf_models import OCSF_VERSION as MODELS_OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

from scanner.config import Config
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.evaluate.results import Results
from scanner.render import RENDERERS, asff_format, ocsf_format
from scanner.render.finding_identity import MAX_ID, finding_id
from scanner.resources import policy_dir
from tests.snapshot_factory import ACCOUNT, repository_record, snapshot

POLICIES = load_policies(policy_dir())
HOSTILE = 'team/<script>"\u001b[31m=cmd|'


def _judged() -> Results:
    mutable = repository_record("legacy/app", imageTagMutability="MUTABLE")
    vpc = {
        "vpc": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
        "subnets": [],
        "routeTables": [],
        "vpcEndpoints": [],
        "securityGroups": [],
        "derived": {"vpcEndpointPolicies": {}},
    }
    document = snapshot([repository_record("team/api"), mutable], vpcs=[vpc])
    document["inventory"][0]["repositories"][0]["errors"]["lifecyclePolicy"] = {
        "operation": "GetLifecyclePolicy",
        "code": "AccessDeniedException",
        "message": HOSTILE,
    }
    results = evaluate_snapshot(document, POLICIES, Config())
    results.metadata["evaluated_at"] = "2026-11-28T09:00:00+00:00"
    return results


@pytest.fixture(scope="module")
def judged() -> Results:
    results = _judged()
    # Every status a results file can hold: a waived failure beside the policies' verdicts.
    failing = next(r for r in results.results if r.status == "FAIL")
    waived = dataclasses.replace(
        failing,
        status="WAIVED",
        exception={"kind": "waiver", "reason": "accepted until 2027", "approver": "ciso"},
    )
    results.results.append(dataclasses.replace(waived, resource_id=failing.resource_id + "-w"))
    return results


def _statuses(results):
    return {r.status for r in results.results}


def test_the_sample_holds_every_status(judged):
    assert {"PASS", "FAIL", "ERROR", "N/A", "WAIVED"} <= _statuses(judged)


# ---------------------------------------------------------------- ASFF


def _import_shape():
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def test_every_asff_finding_is_valid_batch_import_input(judged):
    findings = json.loads(RENDERERS["asff"](judged))
    assert len(findings) == len(judged.results)
    report = ParamValidator().validate({"Findings": findings}, _import_shape())
    assert not report.has_errors(), report.generate_report()
    required = _import_shape().members["Findings"].member.required_members
    for finding in findings:
        assert set(required) <= set(finding)
        assert finding["SchemaVersion"] == "2018-10-08"
        assert finding["Types"][0].startswith("Software and Configuration Checks/")
        assert finding["Severity"]["Label"] in {
            "INFORMATIONAL",
            "LOW",
            "MEDIUM",
            "HIGH",
            "CRITICAL",
        }
        assert finding["AwsAccountId"] == ACCOUNT
        assert finding["ProductArn"] == (
            f"arn:aws:securityhub:eu-west-1:{ACCOUNT}:product/{ACCOUNT}/default"
        )


def test_asff_ids_are_stable_per_control_and_resource():
    first = asff_format.findings(_judged())
    second = asff_format.findings(_judged())
    assert [f["Id"] for f in first] == [f["Id"] for f in second]
    assert len({f["Id"] for f in first}) == len(first)
    repository = next(f for f in first if f["Resources"][0]["Type"] == "AwsEcrRepository")
    arn = repository["Resources"][0]["Id"]
    assert repository["Id"] == f"ecrscan/{repository['GeneratorId'].split('/', 1)[1]}/{arn}"


def test_asff_status_mapping(judged):
    by_status = {}
    for result, finding in zip(judged.results, asff_format.findings(judged), strict=True):
        by_status.setdefault(result.status, finding)
    assert by_status["PASS"]["Compliance"]["Status"] == "PASSED"
    assert by_status["PASS"]["Workflow"] == {"Status": "RESOLVED"}
    assert by_status["PASS"]["Severity"]["Label"] == "INFORMATIONAL"
    assert by_status["PASS"]["RecordState"] == "ACTIVE"
    assert by_status["FAIL"]["Compliance"]["Status"] == "FAILED"
    assert "Workflow" not in by_status["FAIL"]
    assert by_status["ERROR"]["Compliance"]["Status"] == "WARNING"
    assert by_status["ERROR"]["Description"].startswith("Could not be decided")
    assert by_status["N/A"]["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert by_status["N/A"]["RecordState"] == "ARCHIVED"
    waived = by_status["WAIVED"]
    assert waived["Compliance"]["Status"] == "FAILED"
    assert waived["Workflow"] == {"Status": "SUPPRESSED"}
    assert waived["ProductFields"]["ecrscan/ExceptionReason"] == "accepted until 2027"


def test_asff_resource_types_requirements_and_remediation(judged):
    findings = asff_format.findings(judged)
    types = {f["Resources"][0]["Type"] for f in findings}
    assert types == {"AwsEcrRepository", "AwsEc2Vpc", "Other"}
    registry = next(f for f in findings if f["Resources"][0]["Type"] == "Other")
    assert registry["Resources"][0]["Details"]["Other"]["ecrscan/ResourceType"] == "registry"
    immutability = next(f for f in findings if f["GeneratorId"] == "ecrscan/ecr-tag-immutability")
    assert immutability["Compliance"]["RelatedRequirements"] == ["aws-fsbp:ECR.2"]
    assert immutability["Types"] == [
        "Software and Configuration Checks/Industry and Regulatory Standards/"
        "AWS-Foundational-Security-Best-Practices"
    ]
    recommendation = immutability["Remediation"]["Recommendation"]
    assert "put-image-tag-mutability" in recommendation["Text"]
    assert recommendation["Url"].startswith("https://")
    assert immutability["FindingProviderFields"]["Severity"] == immutability["Severity"]


def test_asff_hostile_text_stays_data_and_fits_the_limits(judged):
    text = RENDERERS["asff"](judged)
    findings = json.loads(text)
    hostile = [f for f in findings if HOSTILE in f["Description"]]
    assert hostile, "the hostile error message reaches the description, as data"
    assert "\u001b" not in text  # JSON escapes control characters
    for finding in findings:
        assert len(finding["Title"]) <= asff_format.TITLE_LIMIT
        assert len(finding["Description"]) <= asff_format.DESCRIPTION_LIMIT


def test_asff_long_reasons_and_resource_ids_are_cut_to_the_api_limits(judged):
    result = dataclasses.replace(
        judged.results[0], reason="x" * 5000, resource_id="arn:aws:ecr:eu-west-1:1:" + "r" * 600
    )
    [finding] = asff_format.findings(Results(judged.metadata, [result]))
    assert len(finding["Description"]) == asff_format.DESCRIPTION_LIMIT
    assert len(finding["Id"]) <= MAX_ID and "sha256:" in finding["Id"]
    assert finding["Id"] == finding_id(result.control_id, result.resource_id)


def test_asff_unknown_region_and_import_region(judged):
    gap = dataclasses.replace(judged.results[0], region="*")
    [finding] = asff_format.findings(Results(judged.metadata, [gap]))
    assert ":securityhub:eu-west-1:" in finding["ProductArn"]  # the scan's first region
    assert "Region" not in finding["Resources"][0]
    [moved] = asff_format.findings(Results(judged.metadata, [judged.results[0]]), "us-east-2")
    assert ":securityhub:us-east-2:" in moved["ProductArn"]
    assert moved["Resources"][0]["Region"] == "eu-west-1"


def _with_deleted(results: Results) -> Results:
    arn = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/gone"
    metadata = dict(results.metadata)
    metadata["selection"] = {
        "repositories": ["gone"],
        "network": False,
        "absent": [
            {
                "resource_id": arn,
                "resource_type": "repository",
                "name": "gone",
                "account_id": ACCOUNT,
                "region": "eu-west-1",
            }
        ],
    }
    return Results(metadata, [])


def test_a_deleted_repository_archives_one_finding_per_repository_control(judged):
    findings = asff_format.findings(_with_deleted(judged))
    repository_controls = [c["id"] for c in judged.controls if c["resource_type"] == "repository"]
    assert [f["GeneratorId"] for f in findings] == [f"ecrscan/{c}" for c in repository_controls]
    for finding in findings:
        assert finding["RecordState"] == "ARCHIVED"
        assert finding["Compliance"]["Status"] == "NOT_AVAILABLE"
        assert finding["Id"].endswith(":repository/gone")
    report = ParamValidator().validate({"Findings": findings}, _import_shape())
    assert not report.has_errors(), report.generate_report()


# ---------------------------------------------------------------- OCSF


def test_every_ocsf_line_is_a_valid_compliance_finding(judged):
    lines = RENDERERS["ocsf"](judged).splitlines()
    assert len(lines) == len(judged.results)
    for line in lines:
        event = json.loads(line)
        model = ComplianceFinding.model_validate(event)
        # Nothing emitted is unknown to the class or coerced by it: the round trip is exact.
        assert model.model_dump(mode="json", exclude_none=True) == event
        assert event["class_uid"] == 2003 and event["category_uid"] == 2
        assert event["type_uid"] == 200301
        assert event["metadata"] == {
            "product": {
                "name": "ecrscan",
                "vendor_name": "ecrscan",
                "version": event["metadata"]["product"]["version"],
            },
            "version": MODELS_OCSF_VERSION,
        }


def test_ocsf_compliance_status_and_uid(judged):
    events = ocsf_format.events(judged)
    asff_ids = [f["Id"] for f in asff_format.findings(judged)]
    assert [e["finding_info"]["uid"] for e in events] == asff_ids
    by_status = {}
    for result, event in zip(judged.results, events, strict=True):
        by_status.setdefault(result.status, event)
    assert by_status["PASS"]["compliance"]["status_id"] == 1
    assert by_status["FAIL"]["compliance"]["status_id"] == 3
    assert by_status["ERROR"]["compliance"]["status_id"] == 2
    assert by_status["WAIVED"]["status_id"] == 3  # Suppressed
    immutability = next(e for e in events if e["compliance"]["control"] == "ecr-tag-immutability")
    assert immutability["compliance"]["requirements"] == ["aws-fsbp:ECR.2"]
    assert immutability["compliance"]["standards"] == ["AWS Foundational Security Best Practices"]
    assert immutability["time"] == 1795856400000  # 2026-11-28T09:00:00Z
    assert immutability["severity_id"] == 3  # MEDIUM
    assert immutability["resources"][0]["uid"].startswith("arn:aws:ecr:eu-west-1:")
    assert "put-image-tag-mutability" in immutability["remediation"]["desc"]


def test_ocsf_closes_a_deleted_repository(judged):
    events = ocsf_format.events(_with_deleted(judged))
    assert events and all(e["activity_id"] == 3 and e["type_uid"] == 200303 for e in events)
    for event in events:
        ComplianceFinding.model_validate(event)


def test_report_evaluate_and_scan_take_the_new_formats(judged, tmp_path, capsys):
    from scanner.cli import main
    from scanner.evaluate.results import save_results

    stored = tmp_path / "results.json"
    save_results(judged, stored)
    asff = tmp_path / "findings.asff.json"
    code = main(["report", str(stored), "--format", f"asff={asff}", "--format", "ocsf"])
    assert code == 3  # the sample holds an ERROR cell
    assert len(json.loads(asff.read_text())) == len(judged.results)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(judged.results)
    from scanner.cli import build_parser

    parser = build_parser()
    for command in (["evaluate", "s.json"], ["scan"]):
        args = parser.parse_args([*command, "--format", "asff", "--format", "ocsf=x.jsonl"])
        assert args.formats == [("asff", None), ("ocsf", "x.jsonl")]

"""`ecrscan iac`: Terraform plans and CloudFormation templates judged by the same controls.

The fixtures (tests/data/iac/) describe one estate twice, in the documented formats: a plan
(`terraform show -json` format 1.2: nested modules, a provider alias passed to a module, a policy
rendered by aws_iam_policy_document, values known only after apply, a deletion, an existing VPC)
and a template (short-form intrinsics, parameters, conditions, mappings, deploy-time values).
"""

import copy
import json
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.iac import Settings, display_path, load_sources

DATA = Path(__file__).parent / "data" / "iac"
PLAN, TEMPLATE = str(DATA / "plan.json"), str(DATA / "template.yaml")
ACCOUNT = "123456789012"
CORE = ",".join(
    (
        "ecr-tag-immutability",
        "ecr-scan-on-push",
        "ecr-lifecycle-policy",
        "ecr-repository-policy",
        "vpc-ecr-endpoints",
    )
)
TAG, SCAN, LIFE, POLICY, VPC = CORE.split(",")

# (repository, control) -> status, the same from the plan and from the template.
EXPECTED = {
    ("team/api", TAG): "PASS",
    ("team/api", SCAN): "PASS",
    ("team/api", LIFE): "PASS",
    ("team/api", POLICY): "PASS",
    ("shared/base", POLICY): "FAIL",
    ("shared/base", LIFE): "PASS",
    ("legacy/monolith", TAG): "FAIL",
    ("legacy/monolith", SCAN): "FAIL",
    ("legacy/monolith", LIFE): "FAIL",
    ("legacy/monolith", POLICY): "PASS",
    ("team/worker", LIFE): "ERROR",
    ("team/worker", POLICY): "ERROR",
    ("team/worker", TAG): "PASS",
    ("platform/ingress", TAG): "SUPPRESSED",
}


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _results(capsys, tmp_path, *argv):
    out = tmp_path / "results.json"
    code, _, err = _run(capsys, "iac", *argv, "--controls", CORE, "--format", f"json={out}")
    return code, json.loads(out.read_text()), err


@pytest.fixture(scope="module")
def plan_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "results.json"
    code = main(["iac", PLAN, "--controls", CORE, "--format", f"json={out}"])
    return code, json.loads(out.read_text())


@pytest.fixture(scope="module")
def template_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("cfn") / "results.json"
    argv = ["iac", TEMPLATE, "--account-id", ACCOUNT, "--region", "eu-west-1"]
    code = main([*argv, "--controls", CORE, "--format", f"json={out}"])
    return code, json.loads(out.read_text())


def _cells(document):
    return {(r["resource_name"], r["control_id"]): r for r in document["results"]}


@pytest.mark.parametrize("source", ["plan_results", "template_results"])
def test_each_control_passes_and_fails_from_each_source(source, request):
    code, document = request.getfixturevalue(source)
    cells = _cells(document)
    assert {key: cells[key]["status"] for key in EXPECTED} == EXPECTED
    statuses = {(r["control_id"], r["status"]) for r in document["results"]}
    for control in CORE.split(","):
        assert {(control, "PASS"), (control, "FAIL")} <= statuses, control
    assert code == 3  # unknown values leave cells undecided: an incomplete gate


def test_plan_reads_modules_aliases_deletions_and_existing_resources(plan_results):
    _, document = plan_results
    cells = _cells(document)
    ingress = cells[("platform/ingress", TAG)]
    assert ingress["region"] == "us-east-1"  # module given provider aws.us
    address = "module.ingress.aws_ecr_repository.this"
    plan = display_path(PLAN)
    assert ingress["source"] == {
        "file": plan,
        "address": address,
        "id": f"iac:{plan}#repository/{address}",
    }
    assert ingress["resource_id"] == ingress["source"]["id"]
    assert ingress["exception"] == {
        "kind": "suppression",
        "reason": "ingress images are pinned by digest - OPS-142",
    }
    assert all(r["account_id"] == ACCOUNT for r in document["results"])  # caller identity
    assert "legacy/old" not in {r["resource_name"] for r in document["results"]}  # deleted
    assert cells[("team/api", POLICY)]["resource_id"] == (
        f"iac:{plan}#repository/aws_ecr_repository.api"
    )
    worker = cells[("team/worker", POLICY)]["reason"]
    assert "aws_ecr_repository_policy.worker.policy is known only after apply" in worker
    vpcs = {r["resource_name"]: r for r in document["results"] if r["control_id"] == VPC}
    # Linked only through configuration references: ids are unknown until apply.
    assert vpcs["module.network.aws_vpc.main"]["status"] == "PASS"
    assert "module.network.aws_route_table.private" in vpcs["module.network.aws_vpc.main"]["reason"]
    assert vpcs["vpc-0b47c4e5"]["status"] == "FAIL"  # an existing VPC keeps its real id


def test_template_reads_intrinsics_lines_and_conditions(template_results):
    _, document = template_results
    cells = _cells(document)
    template = display_path(TEMPLATE)
    assert cells[("team/api", TAG)]["source"] == {
        "file": template,
        "logical_id": "ApiRepository",
        "line": 24,
        "id": f"iac:{template}#repository/ApiRepository",
    }
    assert "debug/tools" not in {r["resource_name"] for r in document["results"]}  # condition
    assert "ReleaseBucket has no default" in cells[("team/worker", LIFE)]["reason"]
    assert "Fn::ImportValue" in cells[("team/worker", POLICY)]["reason"]
    assert cells[("MainVpc", VPC)]["status"] == "PASS"
    assert cells[("BatchVpc", VPC)]["status"] == "FAIL"


def test_unknown_account_makes_only_owner_dependent_cells_error(capsys, tmp_path):
    plan = json.loads(Path(PLAN).read_text())
    plan["prior_state"]["values"]["root_module"]["resources"] = [
        r
        for r in plan["prior_state"]["values"]["root_module"]["resources"]
        if r["type"] != "aws_caller_identity"
    ]
    plan["configuration"]["provider_config"]["aws"]["expressions"].pop("allowed_account_ids")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, document, err = _results(capsys, tmp_path, str(path))
    assert code == 3
    cells = _cells(document)
    api = cells[("team/api", POLICY)]  # grants to the owner's role: needs the owner
    assert api["status"] == "ERROR"
    assert "pass --account-id" in api["reason"]
    assert cells[("shared/base", POLICY)]["status"] == "ERROR"
    assert cells[("team/api", TAG)]["status"] == "PASS"  # nothing else depends on it
    assert cells[("team/api", LIFE)]["status"] == "PASS"
    assert "pass --account-id" in err
    _, document, _ = _results(capsys, tmp_path, str(path), "--account-id", ACCOUNT)
    assert _cells(document)[("team/api", POLICY)]["status"] == "PASS"


def test_template_without_region_or_account(capsys, tmp_path):
    _, document, _ = _results(capsys, tmp_path, TEMPLATE)
    cells = _cells(document)
    assert cells[("MainVpc", VPC)]["status"] == "ERROR"
    assert "pass --region" in cells[("MainVpc", VPC)]["reason"]
    # The owner's role is spelled with AWS::AccountId: the policy itself is unknown.
    assert cells[("team/api", POLICY)]["status"] == "ERROR"
    assert "pass --account-id" in cells[("team/api", POLICY)]["reason"]
    # A grant to 444455556666 is external unless that is the owner: only the owner can tell.
    assert cells[("shared/base", POLICY)]["status"] == "ERROR"
    assert cells[("legacy/monolith", POLICY)]["status"] == "PASS"  # no policy needs no owner
    assert cells[("team/api", TAG)]["status"] == "PASS"


def test_json_template_and_short_forms_reach_the_same_records(tmp_path):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Repo": {
                "Type": "AWS::ECR::Repository",
                "Properties": {
                    "RepositoryName": {"Fn::Join": ["/", ["team", "json"]]},
                    "ImageTagMutability": "IMMUTABLE",
                    "RepositoryPolicyText": '{"Version": "2012-10-17", "Statement": [',
                },
            }
        },
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template, indent=2))
    snapshot = load_sources([str(path)], Settings(account_id=ACCOUNT, region="eu-west-1"))
    [record] = snapshot["inventory"][0]["repositories"]
    assert record["repository"]["repositoryName"] == "team/json"
    where = display_path(str(path))
    assert record["source"] == {
        "file": where,
        "logical_id": "Repo",
        "line": 4,
        "id": f"iac:{where}#repository/Repo",
    }
    assert "parseError" in record["derived"]["repositoryPolicy"]


def test_policy_text_that_is_not_json_fails_the_control(capsys, tmp_path):
    plan = json.loads(Path(PLAN).read_text())
    change = next(
        c for c in plan["resource_changes"] if c["address"] == "aws_ecr_repository_policy.api"
    )
    change["change"]["after"]["policy"] = "{not json"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    _, document, _ = _results(capsys, tmp_path, str(path))
    cell = _cells(document)[("team/api", POLICY)]
    assert cell["status"] == "FAIL"
    assert "not valid JSON" in cell["reason"]


def test_unknown_mutability_and_scanning_are_errors_never_passes(tmp_path):
    plan = json.loads(Path(PLAN).read_text())
    change = next(c for c in plan["resource_changes"] if c["address"] == "aws_ecr_repository.api")
    change["change"]["after_unknown"]["image_tag_mutability"] = True
    change["change"]["after_unknown"]["image_scanning_configuration"] = True
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    snapshot = load_sources([str(path)], Settings())
    scope = next(s for s in snapshot["inventory"] if s["region"] == "eu-west-1")
    api = next(r for r in scope["repositories"] if r["repository"]["repositoryName"] == "team/api")
    assert set(api["errors"]) == {"imageTagMutability", "imageScanningConfiguration"}
    assert api["errors"]["imageTagMutability"]["code"] == "UnknownUntilApply"
    assert "imageTagMutability" not in api["repository"]


BAD_INPUTS = [
    ("plan.json", "{not json", "not JSON (line 1, column 2"),
    ("state.json", json.dumps({"version": 4, "resources": []}), "neither a Terraform plan"),
    (
        "plan.json",
        json.dumps({"format_version": "1.2"}),
        "not a Terraform plan (no resource_changes",
    ),
    (
        "t.yaml",
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      RepositoryName: !Bogus x\n",
        "line 5: unknown YAML tag !Bogus",
    ),
    ("t.yaml", "Resources:\n  R: !!python/object:os.system {}\n", "unknown YAML tag"),
    (
        "t.yaml",
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Metadata:\n      ecrscan:\n"
        "        suppress: [{id: ecr-tag-immutability}]\n",
        "gives no reason",
    ),
    (
        "t.yaml",
        "Resources:\n  R:\n    Type: AWS::ECR::Repository\n    Metadata:\n      ecrscan:\n"
        "        suppress: [{id: ecr-nope, reason: typo}]\n",
        "unknown control id 'ecr-nope'",
    ),
    ("empty.yaml", "", "IaC source is empty"),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), BAD_INPUTS, ids=[e for _, _, e in BAD_INPUTS]
)
def test_malformed_input_is_one_clear_line_and_exit_2(capsys, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    code, out, err = _run(capsys, "iac", str(path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ecrscan: error: "), err
    assert expected in lines[0], err


def test_the_snapshot_validates_and_can_be_kept(capsys, tmp_path):
    kept = tmp_path / "snapshot.json"
    code, _, _ = _run(capsys, "iac", PLAN, "--controls", TAG, "--save-snapshot", str(kept))
    assert code == 1  # legacy/monolith fails; nothing undecided for this control
    snapshot = json.loads(kept.read_text())
    assert {s["region"] for s in snapshot["inventory"]} == {"eu-west-1", "us-east-1"}
    again = copy.deepcopy(snapshot)
    code, _, _ = _run(capsys, "evaluate", str(kept), "--controls", TAG)
    assert code == 1 and again == snapshot

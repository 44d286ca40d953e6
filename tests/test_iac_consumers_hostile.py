"""Damaged and half-known consumer resources through the real entry point (issue 14's IaC
paragraph): whatever a pull request does to an ECS service, task definition, Lambda function,
IAM role or policy, or NAT gateway, `ecrscan iac` exits 0-3 with results, or 2 with one line;
and a value made unknown until apply never turns a verdict into PASS."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.cli import main
from scanner.iac.cloudformation import yaml_reader
from tests.test_properties_iac import _paths, _replace

DATA = Path(__file__).parent / "data" / "iac"
ACCOUNT = "123456789012"
CONTROLS = (
    "consumer-image-available,consumer-pull-permission,consumer-network-path,"
    "consumer-image-pinned,lifecycle-spares-in-use"
)
TERRAFORM_TYPES = {
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_ecs_cluster",
    "aws_lambda_function",
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_nat_gateway",
    "aws_route",
    "aws_subnet",
    "aws_route_table_association",
    "aws_ecr_repository",
    "aws_ecr_repository_policy",
}
TEMPLATE_TYPES = {
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::ECS::Cluster",
    "AWS::Lambda::Function",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy",
    "AWS::EC2::NatGateway",
    "AWS::EC2::Route",
    "AWS::ECR::Repository",
}
# Each example is a whole `ecrscan iac` run (about half a second): 40, like the other
# command-line property tests, keeps `make test` inside its ten minutes on two cores.
PROFILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.sampled_from(["", "*", "ENABLED", "Image", "FARGATE", "EC2", "arn:aws:iam::aws:policy/x"])
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@cache
def _originals() -> dict[str, Any]:
    template = yaml_reader.load((DATA / "consumers.yaml").read_text(), "consumers.yaml")
    plan = json.loads((DATA / "terraform" / "consumers" / "plan.json").read_text())
    return {"plan.json": plan, "template.json": json.loads(json.dumps(template))}


def _consumer_paths(document: dict, name: str) -> list[tuple]:
    """Every path inside the resources of the consumer families (and what they link to)."""
    found: list[tuple] = []
    if not isinstance(document, dict):
        return found
    if name == "plan.json":
        changes = document.get("resource_changes")
        for index, change in enumerate(changes if isinstance(changes, list) else []):
            if isinstance(change, dict) and str(change.get("type")) in TERRAFORM_TYPES:
                found += [("resource_changes", index, *p) for p in _paths(change)]
    else:
        resources = document.get("Resources")
        for logical_id, body in (resources if isinstance(resources, dict) else {}).items():
            if isinstance(body, dict) and str(body.get("Type")) in TEMPLATE_TYPES:
                found += [("Resources", logical_id, *p) for p in _paths(body)]
    return found


def _run(tmp_path: Path, name: str, document: Any) -> tuple[int, str, list]:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "results.json"
    out.unlink(missing_ok=True)
    argv = ["iac", str(path), "--account-id", ACCOUNT, "--region", "eu-west-1"]
    code = main([*argv, "--controls", CONTROLS, "--format", f"json={out}"])
    results = json.loads(out.read_text())["results"] if out.exists() else []
    return code, str(out), results


@PROFILE
@given(
    name=st.sampled_from(["plan.json", "template.json"]),
    mutations=st.lists(st.tuples(st.integers(min_value=0), json_values), min_size=1, max_size=4),
)
def test_damaged_consumer_resources_never_crash(capsys, tmp_path_factory, name, mutations):
    document = _originals()[name]
    for choice, value in mutations:
        paths = _consumer_paths(document, name) or [()]
        document = _replace(document, paths[choice % len(paths)], value)
    code, _, results = _run(tmp_path_factory.mktemp("damaged"), name, document)
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 3), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ecrscan: error: "), captured.err
    else:
        assert {r["status"] for r in results} <= {"PASS", "FAIL", "ERROR", "N/A", "SUPPRESSED"}


@cache
def _baseline() -> dict[tuple[str, str], str]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        _, _, results = _run(Path(folder), "plan.json", _originals()["plan.json"])
    return {(r["resource_id"].rsplit("#", 1)[1], r["control_id"]): r["status"] for r in results}


def _unknowable(plan: dict) -> list[tuple[int, str]]:
    """(change index, attribute) of every planned attribute apply could leave unknown."""
    return [
        (index, attribute)
        for index, change in enumerate(plan["resource_changes"])
        if change["type"] in TERRAFORM_TYPES
        for attribute in sorted(change["change"].get("after") or {})
        if attribute not in ("tags", "tags_all", "timeouts")
    ]


@PROFILE
@given(picks=st.lists(st.integers(min_value=0), min_size=1, max_size=3))
def test_a_value_known_only_after_apply_never_passes(tmp_path_factory, picks):
    """Marking any attribute of a consumer, IAM or network resource unknown until apply (as
    Terraform writes it: after null, after_unknown true) can turn a verdict into ERROR, or a
    failure into ERROR, but never make a cell PASS that did not pass."""
    plan = json.loads(json.dumps(_originals()["plan.json"]))
    candidates = _unknowable(plan)
    for pick in picks:
        index, attribute = candidates[pick % len(candidates)]
        body = plan["resource_changes"][index]["change"]
        body["after"][attribute] = None
        body.setdefault("after_unknown", {})[attribute] = True
    _, _, results = _run(tmp_path_factory.mktemp("unknown"), "plan.json", plan)
    before = _baseline()
    for result in results:
        key = (result["resource_id"].rsplit("#", 1)[1], result["control_id"])
        if result["status"] == "PASS":
            assert before.get(key) == "PASS", (key, result["reason"], picks)

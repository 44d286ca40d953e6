"""Property tests for the Terraform and CloudFormation adapters.

Whatever a plan or template holds, `ecrscan iac` either builds a valid snapshot or refuses the
file with one line naming it (InputError); it never crashes. And the spelling of a policy
(Action as a string or a list, Principal "*" or {"AWS": "*"}, condition keys in any case, a
policy given as an object or as JSON text, from either tool) never changes the verdict.
"""

import copy
import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.config import Config
from scanner.errors import InputError
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.iac import Settings, load_sources
from scanner.iac.cloudformation import yaml_reader
from scanner.resources import policy_dir

DATA = Path(__file__).parent / "data" / "iac"
CONSUMERS_PLAN = DATA / "terraform" / "consumers" / "plan.json"
ACCOUNT = "123456789012"
SETTINGS = Settings(account_id=ACCOUNT, region="eu-west-1")
PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@cache
def _originals() -> dict[str, Any]:
    """The repository estate and the consumer estate (ECS, Lambda, IAM), as plan and template."""
    template = yaml_reader.load((DATA / "template.yaml").read_text(), "template.yaml")
    consumers = yaml_reader.load((DATA / "consumers.yaml").read_text(), "consumers.yaml")
    return {
        "plan.json": json.loads((DATA / "plan.json").read_text()),
        "template.json": json.loads(json.dumps(template)),  # intrinsics as plain Fn:: objects
        "consumers-plan.json": json.loads(CONSUMERS_PLAN.read_text()),
        "consumers-template.json": json.loads(json.dumps(consumers)),
    }


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a node of the document, the root included."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _replace(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _load(name: str, document: Any) -> dict | None:
    """The snapshot, or None when the adapter refused the file with one clear line."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(json.dumps(document), encoding="utf-8")
        try:
            return load_sources([str(path)], SETTINGS)
        except InputError as refused:
            message = str(refused)
            assert message and "\n" not in message, message
            return None


@PROFILE
@given(
    name=st.sampled_from(
        ["plan.json", "template.json", "consumers-plan.json", "consumers-template.json"]
    ),
    mutations=st.lists(st.tuples(st.integers(min_value=0), json_values), min_size=1, max_size=3),
)
def test_a_damaged_plan_or_template_never_crashes_the_adapter(name, mutations):
    """Real sources with a few nodes anywhere in them replaced by random JSON."""
    document = _originals()[name]
    for choice, value in mutations:
        paths = _paths(document)
        document = _replace(document, paths[choice % len(paths)], value)
    _load(name, document)


@PROFILE
@given(
    resources=st.dictionaries(
        st.text(alphabet="ABCabc123", min_size=1, max_size=6),
        st.fixed_dictionaries(
            {
                "Type": st.sampled_from(
                    [
                        "AWS::ECR::Repository",
                        "AWS::ECR::RegistryPolicy",
                        "AWS::ECR::ReplicationConfiguration",
                        "AWS::ECR::PullThroughCacheRule",
                        "AWS::EC2::VPC",
                        "AWS::EC2::Subnet",
                        "AWS::EC2::VPCEndpoint",
                        "AWS::EC2::RouteTable",
                        "AWS::EC2::NatGateway",
                        "AWS::KMS::Key",
                        "AWS::ECS::Service",
                        "AWS::ECS::TaskDefinition",
                        "AWS::ECS::Cluster",
                        "AWS::Lambda::Function",
                        "AWS::IAM::Role",
                        "AWS::IAM::Policy",
                        "AWS::IAM::ManagedPolicy",
                        "AWS::IAM::RolePolicy",
                    ]
                )
                | st.text(max_size=10)
            },
            optional={"Properties": json_values, "Metadata": json_values, "Condition": json_values},
        ),
        min_size=1,
        max_size=4,
    )
)
def test_random_templates_never_crash_the_adapter(resources):
    _load("template.json", {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


@PROFILE
@given(
    changes=st.lists(
        st.fixed_dictionaries(
            {
                "address": st.text(max_size=12),
                "mode": st.sampled_from(["managed", "data"]) | json_values,
                "type": st.sampled_from(
                    [
                        "aws_ecr_repository",
                        "aws_ecr_repository_policy",
                        "aws_ecr_lifecycle_policy",
                        "aws_ecr_registry_policy",
                        "aws_vpc",
                        "aws_vpc_endpoint",
                        "aws_subnet",
                        "aws_nat_gateway",
                        "aws_ecs_service",
                        "aws_ecs_task_definition",
                        "aws_lambda_function",
                        "aws_iam_role",
                        "aws_iam_policy",
                        "aws_iam_role_policy",
                        "aws_iam_role_policy_attachment",
                        "aws_iam_policy_attachment",
                    ]
                )
                | st.text(max_size=10),
                "name": st.text(max_size=6),
                "change": st.fixed_dictionaries(
                    {"actions": st.lists(st.sampled_from(["create", "update", "no-op", "delete"]))},
                    optional={"after": json_values, "after_unknown": json_values},
                ),
            }
        ),
        max_size=4,
    )
)
def test_random_plans_never_crash_the_adapter(changes):
    _load("plan.json", {"format_version": "1.2", "resource_changes": changes})


# --- equivalent spellings ------------------------------------------------------------------

ACTIONS = ["ecr:BatchGetImage", "ecr:PutImage", "ecr:*"]
PRINCIPALS = {
    "everyone": ["*", {"AWS": "*"}, {"AWS": ["*"]}],
    "external": [{"AWS": "999988887777"}, {"AWS": ["arn:aws:iam::999988887777:root"]}],
    "owner": [{"AWS": ACCOUNT}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}],
}
CONDITIONS = [
    None,
    ("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
    ("StringEquals", "aws:SourceVpce", "vpce-0a1b2c3d"),
]


def _spell_key(key: str, upper: list[bool]) -> str:
    return "".join(
        c.upper() if u else c.lower() for c, u in zip(key, upper * len(key), strict=False)
    )


@cache
def _policies():
    return load_policies(policy_dir()).select(["ecr-repository-policy"])


def _verdicts(snapshot: dict) -> set[str]:
    results = evaluate_snapshot(snapshot, _policies(), Config(organization_id="o-a1b2c3d4e5"))
    cells = [r for r in results.results if r.resource_type == "repository"]
    assert cells
    return {cell.status for cell in cells}


def _template(policies: list[Any]) -> dict:
    """One repository per policy; every other policy given as JSON text instead of an object."""
    resources = {
        f"Api{n}": {
            "Type": "AWS::ECR::Repository",
            "Properties": {
                "RepositoryName": f"team/api-{n}",
                "RepositoryPolicyText": json.dumps(policy) if n % 2 else policy,
            },
        }
        for n, policy in enumerate(policies)
    }
    return {"Resources": resources}


def _change(kind: str, n: int, after: dict) -> dict:
    return {
        "address": f"{kind}.api{n}",
        "mode": "managed",
        "type": kind,
        "name": f"api{n}",
        "change": {"actions": ["create"], "after": after, "after_unknown": {}},
    }


def _plan(policies: list[Any]) -> dict:
    plan = _originals()["plan.json"]
    keep = ("format_version", "terraform_version", "configuration")
    changes = []
    for n, policy in enumerate(policies):
        name = f"team/api-{n}"
        changes.append(_change("aws_ecr_repository", n, {"name": name}))
        after = {"repository": name, "policy": json.dumps(policy)}
        changes.append(_change("aws_ecr_repository_policy", n, after))
    return {k: plan[k] for k in keep if k in plan} | {"resource_changes": changes}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    effect=st.sampled_from(["Allow", "Deny"]),
    who=st.sampled_from(sorted(PRINCIPALS)),
    action=st.sampled_from(ACTIONS),
    condition=st.sampled_from(CONDITIONS),
    upper=st.lists(st.booleans(), min_size=1, max_size=5),
    prefix=st.sampled_from(["", "ForAnyValue:"]),
)
def test_equivalent_spellings_from_either_tool_get_the_same_verdict(
    effect, who, action, condition, upper, prefix
):
    def statement(principal, actions, key):
        body = {"Sid": "Grant", "Effect": effect, "Principal": principal, "Action": actions}
        if condition:
            operator, _, value = condition
            body["Condition"] = {prefix + operator: {key: value}}
        return {"Version": "2012-10-17", "Statement": [body]}

    key = condition[1] if condition else ""
    spellings = [
        statement(principal, actions, spelled)
        for principal in PRINCIPALS[who]
        for actions in (action, [action])
        for spelled in {key, _spell_key(key, upper)}
    ]
    verdicts = set()
    for name, document in (
        ("template.json", _template(spellings)),
        ("plan.json", _plan(spellings)),
    ):
        snapshot = _load(name, document)
        assert snapshot is not None, name
        verdicts |= _verdicts(snapshot)
    assert len(verdicts) == 1, (verdicts, spellings)

"""Hostile and malformed IaC sources (issue 12): one line and exit 2, never a traceback, and
never more work than the text is long. Costs are measured by counting (tracemalloc's peak and
the alias budget), never by timing."""

import json
import tracemalloc
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.cli import main
from scanner.iac.cloudformation import yaml_reader
from tests.test_properties_iac import _paths, _replace  # the same mutation, through the CLI

DATA = Path(__file__).parent / "data" / "iac"
PLAN, TEMPLATE = DATA / "plan.json", DATA / "template.yaml"
REPOSITORY = "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["iac", *map(str, argv), "--controls", "ecr-tag-immutability", "--format", "csv"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _refused(capsys, path: Path, *expected: str) -> str:
    code, out, err = _run(capsys, path, "--region", "eu-west-1")
    lines = err.strip().splitlines()
    assert code == 2 and out == "", err
    assert len(lines) == 1 and lines[0].startswith("ecrscan: error: "), err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def _alias_bomb(levels: int) -> str:
    """About 500 bytes: each level a list of nine aliases of the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return (
        "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      Tags: [{Key: k, Value: v}]\n      RepositoryName: x\n"
        "Metadata:\n  " + "\n  ".join(lines) + "\n"
    )


@pytest.mark.parametrize("levels", [7, 10])
def test_nested_aliases_are_refused_cheaply(capsys, tmp_path, levels):
    path = tmp_path / "bomb.yaml"
    path.write_text(_alias_bomb(levels))
    assert len(path.read_bytes()) < 800  # the issue's "500-byte template", give or take
    tracemalloc.start()
    try:
        line = _refused(capsys, path, "bomb.yaml", "YAML aliases expand it past")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, peak  # the whole refused run, Python's allocations
    assert "billion laughs" in line


def test_aliases_within_the_budget_are_read(capsys, tmp_path):
    """A real template may share a block by alias: expanded, it is well under the budget."""
    text = (
        "Resources:\n"
        "  A:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageTagMutability: IMMUTABLE\n      Tags: &tags [{Key: team, Value: api}]\n"
        "  B:\n    Type: AWS::ECR::Repository\n    Properties:\n"
        "      ImageTagMutability: IMMUTABLE\n      Tags: *tags\n"
    )
    path = tmp_path / "shared.yaml"
    path.write_text(text)
    code, _, err = _run(capsys, path, "--region", "eu-west-1")
    assert code == 0, err


def test_the_alias_budget_counts_expanded_nodes():
    assert yaml_reader.load(_alias_bomb(3), "small.yaml")["Metadata"]["l3"][0][0][0] == ["lol"] * 9
    with pytest.raises(Exception, match="YAML aliases expand it past 100,000"):
        yaml_reader.load(_alias_bomb(5), "big.yaml")  # 9**5 = 59,049 lists of 10 nodes


def test_merge_keys_count_against_the_budget(capsys, tmp_path):
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    for n in range(1, 12):
        lines.append(f"m{n}: &m{n} {{<<: [" + ", ".join([f"*m{n - 1}"] * 4) + "], z: 0}")
    path = tmp_path / "merge.yaml"
    path.write_text(REPOSITORY + "      RepositoryName: x\nMetadata:\n  " + "\n  ".join(lines))
    _refused(capsys, path, "YAML aliases expand it past")


def test_an_alias_of_itself_is_refused(capsys, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(REPOSITORY + "      Tags: &loop [*loop]\n")
    _refused(capsys, path, "loop.yaml", "refers to itself")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "dup.yaml",
            REPOSITORY + "      ImageTagMutability: MUTABLE\n      ImageTagMutability: IMMUTABLE\n",
            "line 6: duplicate key 'ImageTagMutability' (also at line 5)",
        ),
        (
            "dup.json",
            '{"Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {\n'
            '  "ImageTagMutability": "MUTABLE",\n  "ImageTagMutability": "IMMUTABLE"}}}}\n',
            "line 3: duplicate key 'ImageTagMutability' (also at line 2)",
        ),
        (
            "dup-resource.yaml",
            REPOSITORY
            + "      ImageTagMutability: IMMUTABLE\n  Repo:\n    Type: AWS::S3::Bucket\n",
            "duplicate key 'Repo'",
        ),
        (
            "plan.json",
            '{"format_version": "1.2", "resource_changes": [], "resource_changes": []}',
            "duplicate key 'resource_changes'",
        ),
    ],
)
def test_duplicate_keys_are_refused_as_cfn_lint_does(capsys, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    _refused(capsys, path, name, expected, "E0000")


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _plan_with(after: dict[str, Any]) -> dict[str, Any]:
    change = {
        "address": "aws_ecr_repository.x",
        "mode": "managed",
        "type": "aws_ecr_repository",
        "name": "x",
        "change": {"actions": ["create"], "after": after, "after_unknown": {}},
    }
    return {"format_version": "1.2", "resource_changes": [change]}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("deep.json", json.dumps(_plan_with({"tags": _nested(150)})), "nests deeper than 100"),
        ("deeper.json", '{"format_version": "1.2", "x": ' + "[" * 100_000, "nests too deeply"),
        ("deep.yaml", REPOSITORY + "      Tags: " + "[" * 5000 + "]" * 5000, "nests too deeply"),
        ("deep2.yaml", REPOSITORY + "      Tags: " + "[" * 150 + "]" * 150, "deeper than 100"),
        (
            "huge.json",
            json.dumps(_plan_with({"name": "x"}))[:-1] + ', "n": ' + "9" * 5000 + "}",
            "",
        ),
        ("huge.yaml", REPOSITORY + "      Size: " + "9" * 5000 + "\n", "value cannot be read"),
        ("big.yaml", REPOSITORY + "      Size: " + "9" * 30 + "\n", "more than 20 digits"),
        ("inf.yaml", REPOSITORY + "      Size: .inf\n", "not finite"),
        (
            "v2.json",
            json.dumps({"format_version": "2.0", "resource_changes": []}),
            "format_version '2.0' is not supported",
        ),
        (
            "v-number.json",
            json.dumps({"format_version": 1.2, "resource_changes": []}),
            "format_version '1.2' is not supported",
        ),
        ("ints.json", json.dumps(_plan_with({"name": "x", "n": 10**25})), "more than 20 digits"),
        (
            "twice.json",
            json.dumps(
                {**_plan_with({}), "resource_changes": _plan_with({})["resource_changes"] * 2}
            ),
            "lists aws_ecr_repository.x twice",
        ),
        ("bad-date.yaml", REPOSITORY + "      When: 2024-13-40\n", "value cannot be read"),
        ("key.yaml", REPOSITORY + "      ? [a, b]\n      : c\n", "not a scalar"),
    ],
)
def test_hostile_shapes_are_one_line_and_exit_2(capsys, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    _refused(capsys, path, name, expected)


def test_a_policy_text_nested_too_deeply_fails_its_control_not_the_run(capsys, tmp_path):
    plan = _plan_with({"name": "team/x"})
    policy = {
        "address": "aws_ecr_repository_policy.x",
        "mode": "managed",
        "type": "aws_ecr_repository_policy",
        "name": "x",
        "change": {
            "actions": ["create"],
            "after": {"repository": "team/x", "policy": "[" * 100_000},
            "after_unknown": {},
        },
    }
    plan["resource_changes"].append(policy)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    out = tmp_path / "r.json"
    argv = ["iac", str(path), "--account-id", "123456789012", "--region", "eu-west-1"]
    code = main([*argv, "--controls", "ecr-repository-policy", "--format", f"json={out}"])
    [result] = json.loads(out.read_text())["results"]
    assert code == 1 and result["status"] == "FAIL"
    assert "nested too deeply" in result["reason"]


# --- the real entry point under mutation ----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@cache
def _originals() -> dict[str, Any]:
    template = yaml_reader.load(TEMPLATE.read_text(), "template.yaml")
    consumers = yaml_reader.load((DATA / "consumers.yaml").read_text(), "consumers.yaml")
    return {
        "plan.json": json.loads(PLAN.read_text()),
        "template.json": json.loads(json.dumps(template)),
        # ECS services, task definitions, Lambda functions, IAM roles and policies, NAT gateways
        "consumers-plan.json": json.loads((DATA / "terraform/consumers/plan.json").read_text()),
        "consumers-template.json": json.loads(json.dumps(consumers)),
    }


TEXT_DAMAGE = st.sampled_from(
    [
        lambda t: t[: len(t) // 2],  # cut short
        lambda t: t.replace('"', "'", 1),
        lambda t: "[" * 2000 + t,
        lambda t: t.replace("1.2", "7.0", 1),
        lambda t: t.replace("{", '{"dup": 1, "dup": 2, ', 1),
        lambda t: t.replace(": ", ": " + "9" * 5000 + ", ", 1),
        lambda t: t.replace("\n", "\n\x00", 1),
        lambda t: t,
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(
        [
            "plan.json",
            "template.json",
            "template.yaml",
            "consumers-plan.json",
            "consumers-template.json",
        ]
    ),
    mutations=st.lists(st.tuples(st.integers(min_value=0), json_values), max_size=3),
    damage=TEXT_DAMAGE,
    region=st.sampled_from([[], ["--region", "eu-west-1"]]),
)
def test_mutated_sources_through_the_cli_never_crash(
    capsys, tmp_path_factory, name, mutations, damage, region
):
    document = _originals()["template.json" if name.startswith("template.") else name]
    for choice, value in mutations:
        paths = _paths(document)
        document = _replace(document, paths[choice % len(paths)], value)
    text = json.dumps(document, indent=1)
    path = tmp_path_factory.mktemp("mutated") / name
    path.write_text(damage(text), encoding="utf-8")
    code = main(["iac", str(path), *region, "--format", "csv"])
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 3), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ecrscan: error: "), captured.err

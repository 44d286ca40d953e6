"""Every source keeps its identity (issue 12): resources of different files, plans and stacks
never collide, and the resource_id scheme (docs/ci.md, "Identity") is injective."""

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.cli import main
from scanner.iac import display_path
from scanner.iac.records import resource_id

ACCOUNT = "123456789012"


def _template(mutability: str, name: str | None = "team/api", vpc: bool = False) -> str:
    properties = f"      ImageTagMutability: {mutability}\n"
    if name:
        properties += f"      RepositoryName: {name}\n"
    text = f"Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n{properties}"
    if vpc:
        text += "  MainVpc:\n    Type: AWS::EC2::VPC\n    Properties:\n"
        text += "      CidrBlock: 10.0.0.0/16\n"
    return text


def _judge(tmp_path, paths, *flags, controls="ecr-tag-immutability"):
    out = tmp_path / "results.json"
    argv = ["iac", *map(str, paths), "--controls", controls, "--format", f"json={out}", *flags]
    code = main(argv)
    return code, json.loads(out.read_text())["results"]


def test_two_templates_with_one_logical_id_are_both_judged(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(_template("IMMUTABLE", "team/a"))
    b.write_text(_template("MUTABLE", "team/b"))
    for order in ([a, b], [b, a]):
        code, results = _judge(tmp_path, order, "--account-id", ACCOUNT, "--region", "eu-west-1")
        assert code == 1  # b's MUTABLE repository fails whatever the order
        assert {(r["resource_name"], r["status"]) for r in results} == {
            ("team/a", "PASS"),
            ("team/b", "FAIL"),
        }
        assert {r["resource_id"] for r in results} == {
            f"iac:{display_path(str(a))}#repository/Repo",
            f"iac:{display_path(str(b))}#repository/Repo",
        }


def test_the_same_repository_name_in_two_stacks_is_judged_twice(tmp_path):
    """Without a region the two stacks may be anywhere; with one, AWS would refuse the second
    create, and ecrscan still judges what each file says rather than keep one."""
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(_template("IMMUTABLE", vpc=True))
    b.write_text(_template("MUTABLE", vpc=True))
    for flags in ([], ["--account-id", ACCOUNT, "--region", "eu-west-1"]):
        code, results = _judge(
            tmp_path, [a, b], *flags, controls="ecr-tag-immutability,vpc-ecr-endpoints"
        )
        repositories = [r for r in results if r["resource_type"] == "repository"]
        assert sorted(r["status"] for r in repositories) == ["FAIL", "PASS"]
        vpcs = [r for r in results if r["resource_type"] == "vpc"]
        assert len(vpcs) == 2 and len({r["resource_id"] for r in vpcs}) == 2
        assert code == 1  # the VPCs have no private subnet: N/A, region or not


def test_two_plans_with_one_address_are_both_judged(tmp_path):
    def plan(mutability):
        change = {
            "address": "aws_ecr_repository.repo",
            "mode": "managed",
            "type": "aws_ecr_repository",
            "name": "repo",
            "change": {
                "actions": ["create"],
                "after": {"name": "team/api", "image_tag_mutability": mutability},
                "after_unknown": {},
            },
        }
        return json.dumps({"format_version": "1.2", "resource_changes": [change]})

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(plan("IMMUTABLE"))
    b.write_text(plan("MUTABLE"))
    code, results = _judge(tmp_path, [a, b], "--account-id", ACCOUNT, "--region", "eu-west-1")
    assert code == 1
    assert sorted(r["status"] for r in results) == ["FAIL", "PASS"]


def test_a_file_named_twice_is_read_once(tmp_path, monkeypatch):
    a = tmp_path / "a.yaml"
    a.write_text(_template("MUTABLE"))
    monkeypatch.chdir(tmp_path)
    code, results = _judge(tmp_path, ["a.yaml", str(a), "./a.yaml"], "--region", "eu-west-1")
    assert code == 1 and len(results) == 1
    assert results[0]["source"]["file"] == "a.yaml"  # relative to the working directory


def test_suppressions_follow_the_identity(tmp_path):
    suppressed = _template("MUTABLE", "team/a").replace(
        "    Type: AWS::ECR::Repository\n",
        "    Type: AWS::ECR::Repository\n    Metadata:\n      ecrscan:\n        suppress:\n"
        "          - {id: ecr-tag-immutability, reason: pinned by digest}\n",
    )
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(suppressed)
    b.write_text(_template("MUTABLE", "team/a"))  # same name, same logical id, no suppression
    code, results = _judge(tmp_path, [a, b], "--account-id", ACCOUNT, "--region", "eu-west-1")
    assert code == 1  # b's failure is not excused by a's suppression
    by_file = {Path(r["source"]["file"]).name: r["status"] for r in results}
    assert by_file == {"a.yaml": "SUPPRESSED", "b.yaml": "FAIL"}


files = st.text(alphabet="ab#%/.", min_size=1, max_size=6)
names = st.text(alphabet='ab#%/.[]"', min_size=1, max_size=6)
kinds = st.sampled_from(["repository", "vpc", "registry"])


@settings(max_examples=300, deadline=None)
@given(first=st.tuples(files, kinds, names), second=st.tuples(files, kinds, names))
def test_distinct_sources_never_share_a_resource_id(first, second):
    """Any file name and any address, `#` and `%` included: different triples, different ids."""
    assert (resource_id(*first) == resource_id(*second)) == (first == second)


@settings(max_examples=15, deadline=None)
@given(
    stacks=st.lists(
        st.lists(st.sampled_from(["Repo", "Api", "Worker"]), min_size=1, max_size=3, unique=True),
        min_size=1,
        max_size=3,
    )
)
def test_every_declared_repository_gets_its_own_cells(tmp_path_factory, stacks):
    folder = tmp_path_factory.mktemp("stacks")
    paths = []
    for n, logical_ids in enumerate(stacks):
        body = "".join(
            f"  {i}:\n    Type: AWS::ECR::Repository\n    Properties:\n"
            f"      ImageTagMutability: MUTABLE\n"
            for i in logical_ids
        )
        path = folder / f"stack{n}.yaml"
        path.write_text("Resources:\n" + body)
        paths.append(path)
    _, results = _judge(folder, paths, "--region", "eu-west-1")
    assert len(results) == sum(map(len, stacks))
    assert len({r["resource_id"] for r in results}) == len(results)

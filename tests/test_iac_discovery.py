"""Directories, mixed repositories, CDK cloud assemblies and stacks with their own account and
region (issue 13, points 4 and 5), and the pre-commit hook run by pre-commit itself."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.cli import main

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = (
    "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n"
    "      RepositoryName: {name}\n      ImageTagMutability: {mutability}\n"
)
SCANNING = (
    "  Scanning:\n    Type: AWS::ECR::RegistryScanningConfiguration\n    Properties:\n"
    "      ScanType: ENHANCED\n      Rules:\n        - ScanFrequency: SCAN_ON_PUSH\n"
    "          RepositoryFilters: [{Filter: '*', FilterType: WILDCARD}]\n"
)


def _repository(name, mutability="IMMUTABLE", scanning=False):
    return REPOSITORY.format(name=name, mutability=mutability) + (SCANNING if scanning else "")


def _judge(capsys, tmp_path, *argv, controls="ecr-tag-immutability"):
    out = tmp_path / "results.json"
    code = main(["iac", *map(str, argv), "--controls", controls, "--format", f"json={out}"])
    err = capsys.readouterr().err
    results = json.loads(out.read_text())["results"] if out.exists() else []
    return code, {r["resource_name"]: r for r in results}, err


def _mixed_repository(root: Path) -> None:
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "gitlab-ci.yml").write_text("test:\n  script: !reference [.setup, script]\n")
    (root / "notes.md").write_text("# not even a candidate\n")
    (root / "stacks").mkdir()
    (root / "stacks" / "api.yaml").write_text(_repository("team/api"))
    (root / "stacks" / "legacy.yaml").write_text(_repository("legacy/app", "MUTABLE"))
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "t.yaml").write_text(_repository("vendored", "MUTABLE"))


def test_a_directory_is_walked_and_what_is_not_iac_skipped_with_a_note(capsys, tmp_path):
    _mixed_repository(tmp_path / "repo")
    code, cells, err = _judge(capsys, tmp_path, tmp_path / "repo", "--region", "eu-west-1")
    assert code == 1
    assert {n: c["status"] for n, c in cells.items()} == {"team/api": "PASS", "legacy/app": "FAIL"}
    notes = [line for line in err.splitlines() if "skipped" in line]
    assert any("package.json: skipped: neither" in line for line in notes), err
    assert any("gitlab-ci.yml: skipped: not JSON or YAML" in line for line in notes), err
    assert not any(".github" in line for line in notes)  # hidden folders are not walked
    assert not any("node_modules" in line or "notes.md" in line for line in err.splitlines())


def test_named_files_that_are_not_iac_need_skip_unrecognised(capsys, tmp_path):
    _mixed_repository(tmp_path)
    named = [tmp_path / "package.json", tmp_path / "stacks" / "legacy.yaml"]
    code, _, err = _judge(capsys, tmp_path, *named)
    assert code == 2 and "package.json: neither a Terraform plan" in err
    code, cells, err = _judge(capsys, tmp_path, *named, "--skip-unrecognised")
    assert code == 1 and set(cells) == {"legacy/app"}
    assert "package.json: skipped" in err


def test_a_broken_template_is_refused_not_skipped(capsys, tmp_path):
    (tmp_path / "broken.yaml").write_text(_repository("x") + "  Oops: [\n")
    code, _, err = _judge(capsys, tmp_path, tmp_path, "--skip-unrecognised")
    assert code == 2 and "broken.yaml" in err and "not valid YAML" in err


def test_each_stack_keeps_its_own_registry_scanning_without_a_region(capsys, tmp_path):
    """Without --region two templates may be in different regions: each one's repositories are
    judged by its own registry scanning configuration, never by the other's."""
    (tmp_path / "scanned.yaml").write_text(_repository("team/scanned", scanning=True))
    (tmp_path / "plain.yaml").write_text(_repository("team/plain"))
    code, cells, _ = _judge(
        capsys,
        tmp_path,
        tmp_path / "scanned.yaml",
        tmp_path / "plain.yaml",
        controls="ecr-scan-on-push,vpc-ecr-endpoints",
    )
    assert cells["team/scanned"]["status"] == "PASS", cells["team/scanned"]["reason"]
    assert cells["team/plain"]["status"] == "FAIL"  # AWS's default: BASIC, no rules, no push scan
    assert code == 1


def test_stack_env_gives_each_template_its_own_account_and_region(capsys, tmp_path):
    for name in ("eu", "us"):
        (tmp_path / f"{name}.yaml").write_text(_repository(f"team/{name}"))
    code, cells, _ = _judge(
        capsys,
        tmp_path,
        tmp_path,
        "--stack-env",
        "*eu.yaml=aws://111111111111/eu-west-1",
        "--stack-env",
        "*us.yaml=aws://222222222222/us-east-1",
    )
    assert code == 0
    assert (cells["team/eu"]["account_id"], cells["team/eu"]["region"]) == (
        "111111111111",
        "eu-west-1",
    )
    assert (cells["team/us"]["account_id"], cells["team/us"]["region"]) == (
        "222222222222",
        "us-east-1",
    )


@pytest.mark.parametrize(
    "value", ["no-equals", "x=aws://12/eu-west-1", "x=aws://123456789012/Europe", "x=gcp://a/b"]
)
def test_a_malformed_stack_env_is_a_usage_error(capsys, tmp_path, value):
    (tmp_path / "a.yaml").write_text(_repository("a"))
    code, _, err = _judge(capsys, tmp_path, tmp_path / "a.yaml", "--stack-env", value)
    assert code == 2 and "--stack-env" in err


def _assembly(root: Path) -> Path:
    """A CDK cloud assembly as `cdk synth` writes it: two stacks with environments, one
    environment-agnostic, and a stage in a nested assembly."""
    out = root / "cdk.out"
    stage = out / "assembly-Prod"
    stage.mkdir(parents=True)

    def stack(folder: Path, name: str, environment: str, template: str) -> dict:
        (folder / f"{name}.template.json").write_text(json.dumps(yaml.safe_load(template)))
        return {
            "type": "aws:cloudformation:stack",
            "environment": environment,
            "properties": {"templateFile": f"{name}.template.json", "stackName": name},
        }

    artifacts = {
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        "ApiEu": stack(out, "ApiEu", "aws://111111111111/eu-west-1", _repository("api/eu")),
        "Agnostic": stack(
            out, "Agnostic", "aws://unknown-account/unknown-region", _repository("any/where")
        ),
        "Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
    }
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    nested = {"ProdUs": stack(stage, "ProdUs", "aws://222222222222/us-east-1", _repository("p"))}
    (stage / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": nested}))
    return out


def test_a_cdk_assembly_is_judged_per_stack_with_no_flags(capsys, tmp_path):
    out = _assembly(tmp_path)
    code, cells, _ = _judge(capsys, tmp_path, out)
    assert code == 0
    where = {n: (c["account_id"], c["region"], c["source"].get("stack")) for n, c in cells.items()}
    assert where == {
        "api/eu": ("111111111111", "eu-west-1", "ApiEu"),
        "p": ("222222222222", "us-east-1", "ProdUs"),
        "any/where": ("unknown", "unknown", "Agnostic"),
    }
    # The environment-agnostic stack falls back to the flags; the others keep their own.
    _, cells, _ = _judge(capsys, tmp_path, out, "--region", "eu-central-1")
    assert cells["any/where"]["region"] == "eu-central-1"
    assert cells["p"]["region"] == "us-east-1"
    # and --stack-env names a stack by its name
    _, cells, _ = _judge(capsys, tmp_path, out, "--stack-env", "Agnostic=aws://333333333333/")
    assert cells["any/where"]["account_id"] == "333333333333"


def test_the_pre_commit_hook_skips_what_is_not_iac(tmp_path):
    """pre-commit itself runs the hook as .pre-commit-hooks.yaml defines it, on a repository
    holding a workflow, a package.json and two templates. The hook is declared `repo: local`
    with this checkout's ecrscan (language: python would install ecrscan from the network)."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    git = shutil.which("git")
    if not pre_commit or not git:
        pytest.skip("pre-commit or git is not installed")
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    program, *arguments = hook["entry"].split()
    local = {
        **{k: hook[k] for k in ("id", "name", "files", "types", "pass_filenames")},
        "entry": str(Path(sys.executable).parent / program) + " " + " ".join(arguments),
        "language": "system",
        "args": ["--region", "eu-west-1", "--controls", "ecr-tag-immutability"],
    }
    repo = tmp_path / "repo"
    _mixed_repository(repo)
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PRE_COMMIT_HOME": str(tmp_path / "pc")}

    def run(*argv):
        return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    (repo / ".gitignore").write_text("node_modules/\n")
    run(git, "init", "-q")
    run(git, "add", "-A")
    failing = run(pre_commit, "run", "--all-files")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "legacy/app" in failing.stdout and "package.json: skipped" in failing.stdout
    assert "ecr-tag-immutability" in failing.stdout
    (repo / "stacks" / "legacy.yaml").write_text(_repository("legacy/app"))
    passing = run(pre_commit, "run", "--all-files")
    assert passing.returncode == 0, passing.stdout + passing.stderr

"""The METADATA blocks are the control catalogue; these tests guard what the catalogue promises."""

import pytest

from scanner.catalog_docs import END, START, controls_markdown, with_controls_table
from scanner.errors import InputError
from scanner.evaluate.catalog import SEVERITIES, load_policies
from scanner.resources import policy_dir

FIXED_IDS = {
    "ecr-tag-immutability",
    "ecr-scan-on-push",
    "ecr-lifecycle-policy",
    "ecr-repository-policy",
    "vpc-ecr-endpoints",
    # issue 5: the practices of the ECR operations guide
    "ecr-kms-cmk",
    "ecr-lifecycle-effective",
    "ecr-image-vulnerabilities",
    "ecr-image-freshness",
    "ecr-registry-scanning",
    "ecr-tag-hygiene",
    "ecr-replication",
    "ecr-pull-through-cache",
    "vpc-ecr-endpoints-depth",
    "ecr-registry-policy",
    # issue 14: will it pull? (ECS services, Lambda functions and the roles that push)
    "consumer-image-available",
    "consumer-pull-permission",
    "consumer-network-path",
    "consumer-image-pinned",
    "lifecycle-spares-in-use",
    "pusher-push-permission",
}


def test_the_controls_with_their_fixed_ids():
    controls = load_policies(policy_dir()).controls
    assert {c.id for c in controls} == FIXED_IDS


def test_every_control_has_complete_metadata():
    for control in load_policies(policy_dir()).controls:
        assert control.title and control.description, control.id
        assert control.severity in SEVERITIES
        assert set(control.remediation) >= {"cli", "terraform"}, control.id
        assert control.frameworks, control.id
        assert control.related_resources, control.id


def test_framework_mappings():
    frameworks = {c.id: c.frameworks for c in load_policies(policy_dir()).controls}
    assert frameworks["ecr-tag-immutability"]["aws-fsbp"] == ["ECR.2"]
    assert frameworks["ecr-scan-on-push"]["aws-fsbp"] == ["ECR.1"]
    assert frameworks["ecr-lifecycle-policy"]["aws-fsbp"] == ["ECR.3"]
    assert frameworks["vpc-ecr-endpoints"]["aws-fsbp"] == ["EC2.55", "EC2.56"]
    assert frameworks["ecr-kms-cmk"]["aws-fsbp"] == ["ECR.5"]


def test_readme_controls_table_is_current():
    """Run `make docs` when this fails: the README table is generated from the METADATA."""
    readme = (policy_dir().parent / "README.md").read_text(encoding="utf-8")
    table = controls_markdown(load_policies(policy_dir()).controls)
    assert with_controls_table(readme, table) == readme, "README controls table is stale: make docs"


def test_readme_block_markers_are_required():
    with pytest.raises(ValueError, match="controls:start"):
        with_controls_table("# no markers\n", "| x |\n")
    assert (
        with_controls_table(f"a\n{START}\nold\n{END}\nb", "new\n") == f"a\n{START}\nnew\n{END}\nb"
    )


def _write(tmp_path, name, text):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / f"{name}.rego").write_text(text)


CONTROL = """# METADATA
# title: Something is right
# description: Checks something.
# custom:
#   id: {id}
#   severity: LOW
#   resource_type: repository
package ecr.{name}

verdict := {{"status": "PASS", "reason": "ok"}}
"""


def test_duplicate_ids_are_rejected(tmp_path):
    _write(tmp_path, "one", CONTROL.format(id="x-1", name="one"))
    _write(tmp_path, "two", CONTROL.format(id="x-1", name="two"))
    with pytest.raises(InputError, match="control id 'x-1' is already used"):
        load_policies(tmp_path)


def test_control_without_metadata_is_rejected(tmp_path):
    _write(tmp_path, "bare", "package ecr.bare\n\nverdict := {}\n")
    with pytest.raises(InputError, match=r"no package METADATA block with custom\.id"):
        load_policies(tmp_path)


def test_metadata_that_is_not_yaml_names_the_file(tmp_path):
    _write(tmp_path, "broken", "# METADATA\n# title: [unclosed\npackage ecr.broken\n")
    with pytest.raises(InputError, match=r"broken\.rego.*METADATA is not valid YAML"):
        load_policies(tmp_path)


def test_bad_severity_is_rejected(tmp_path):
    _write(tmp_path, "sev", CONTROL.format(id="x-2", name="sev").replace("LOW", "URGENT"))
    with pytest.raises(InputError, match="severity 'URGENT'"):
        load_policies(tmp_path)


def test_deprecated_controls_keep_their_file_but_do_not_run(tmp_path):
    text = CONTROL.format(id="x-3", name="old").replace(
        "#   severity", "#   deprecated: true\n#   severity"
    )
    _write(tmp_path, "old", text)
    _write(tmp_path, "new", CONTROL.format(id="x-4", name="new"))
    assert [c.id for c in load_policies(tmp_path).controls] == ["x-4"]

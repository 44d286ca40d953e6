"""Results metadata has one writer and a JSON Schema, like the snapshot: every section ecrscan
writes fits it, a section it does not know is a bug, and a damaged file is refused on reading."""

import ast
import json
from pathlib import Path

import jsonschema
import pytest

from scanner.cli import main
from scanner.errors import InputError
from scanner.evaluate import metadata
from scanner.evaluate.results import RESULTS_FORMAT, Results, load_results
from tests import snapshot_factory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A results file with every common section: evidence, cost, suppressions, waivers."""
    directory = tmp_path_factory.mktemp("results")
    snapshot = directory / "snapshot.json"
    record = snapshot_factory.repository_record("legacy/app", imageTagMutability="MUTABLE")
    snapshot.write_text(json.dumps(snapshot_factory.snapshot([record])))
    waivers = directory / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - {control: ecr-tag-immutability, repository: legacy/*, reason: r, "
        "approver: a, expires: 2026-12-31}\n"
    )
    out = directory / "results.json"
    argv = ["evaluate", str(snapshot), "--waivers", str(waivers), "--as-of", "2026-06-01"]
    main([*argv, "--format", "json", "--output", str(out)])
    return out


def test_every_section_ecrscan_writes_fits_the_schema(written):
    document = json.loads(written.read_text())
    jsonschema.Draft202012Validator(metadata.schema()).validate(document)
    assert {"evidence", "cost", "suppressions", "waivers", "snapshot_errors"} <= set(
        document["metadata"]
    )


def test_a_section_the_schema_does_not_know_is_a_bug():
    results = Results({"format": RESULTS_FORMAT, "controls": []}, [])
    with pytest.raises(ValueError, match="no section 'notes'"):
        metadata.record(results, "notes", "hello")
    with pytest.raises(ValueError, match=r"metadata.suppressions does not fit"):
        metadata.record(results, "suppressions", {"applied": -1})


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("evidence", "snapshot_digest"), "sha256:nope", r"metadata.evidence/snapshot_digest"),
        (("cost", "total"), [], r"metadata.cost/total"),
        (("controls", 0, "severity"), "SEVERE", r"metadata.controls/0/severity"),
    ],
)
def test_a_damaged_section_is_refused_on_reading(written, tmp_path, path, value, message):
    document = json.loads(written.read_text())
    target = document["metadata"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(InputError, match=message):
        load_results(damaged)


def test_a_section_from_a_later_ecrscan_still_reads(written, tmp_path):
    document = json.loads(written.read_text())
    document["metadata"]["something_new"] = {"any": "shape"}
    later = tmp_path / "later.json"
    later.write_text(json.dumps(document))
    assert load_results(later).metadata["something_new"] == {"any": "shape"}


def test_no_module_writes_a_results_section_itself():
    """`results.metadata[...] = ...` anywhere but the writer would bypass the schema."""
    for path in sorted((ROOT / "scanner").rglob("*.py")):
        if path.name == "metadata.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
                    assert target.value.attr != "metadata", f"{path}:{node.lineno}"

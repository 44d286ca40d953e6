"""Results written piece by piece: the same text as one json.dumps, never half a file."""

import json

import pytest

from bench import synthetic
from scanner.cli import main
from scanner.cli.options import emit_chunks
from scanner.config import Config
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.evaluate.results import Result, Results, load_results
from scanner.fileio import write_json_atomic
from scanner.render import json_format
from scanner.resources import policy_dir
from scanner.text_safety import safe_json_chunk


@pytest.fixture(scope="module")
def results():
    policies = load_policies(policy_dir()).select(["ecr-tag-immutability", "vpc-ecr-endpoints"])
    return evaluate_snapshot(synthetic.snapshot(30), policies, Config(), workers=1)


def test_the_pieces_make_exactly_the_document_json_dumps_makes(results):
    awkward = Result(
        "ecr-x",
        'arn:aws:ecr:eu-west-1:1:repository/a"b',
        "repository",
        "tëam/äpp\u2028😀",
        "1",
        "eu-west-1",
        "FAIL",
        "HIGH",
        'quote " backslash \\ newline \n tab \t nul \x00',
        source={"file": "main.tf", "address": "aws_ecr_repository.x", "line": 12, "tags": []},
        exception={"kind": "waiver", "reason": "accepted", "expires": None, "by": {"id": 7}},
    )
    with_awkward = Results(results.metadata, [*results.results, awkward])
    for case in (results, Results(results.metadata, []), with_awkward):
        # json.dumps's text, with the separator and control characters it leaves raw
        # (U+2028 here) written as \\u escapes: the same document, inert when printed.
        dumped = json.dumps(case.to_document(), indent=2, ensure_ascii=False) + "\n"
        expected = safe_json_chunk(dumped)
        assert "".join(json_format.chunks(case)) == expected
        assert json_format.render(case) == expected
        assert json.loads(expected) == json.loads(dumped)
    assert "\\u2028" in json_format.render(with_awkward)


def test_cli_json_output_is_streamed_and_reads_back(tmp_path):
    snapshot = tmp_path / "snapshot.json"
    write_json_atomic(synthetic.snapshot(20), snapshot)
    out = tmp_path / "results.json"
    argv = ["evaluate", str(snapshot), "--controls", "ecr-tag-immutability", "--workers", "1"]
    assert main([*argv, "--format", "json", "--output", str(out)]) in (0, 1, 3)
    loaded = load_results(out)
    assert len(loaded.results) == 20
    assert out.read_text() == json_format.render(loaded)


def test_a_stream_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")

    def pieces():
        yield '{"metadata": '
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        emit_chunks(pieces(), str(target))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]

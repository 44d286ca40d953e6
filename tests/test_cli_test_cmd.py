"""`ecrscan test`: every control's cases on the chosen engines, one line per failing case, one
per case the engines judge differently, a total, and exit 1 on any of them."""

import pytest
import yaml

import scanner.engines as engines
from scanner.cli import main
from scanner.engines import available_engines

both_engines = pytest.mark.skipif(
    available_engines() != ["regopy", "opa-embedded"], reason="needs regopy and Go OPA in-process"
)
CONTROL = """# METADATA
# title: Repository names are short
# custom:
#   id: demo-short-name
#   severity: LOW
#   resource_type: repository
package ecr.short_name

verdict := {"status": "PASS", "reason": concat("", [input.name, " is short"])} if {
	count(input.name) < 5
} else := {"status": "FAIL", "reason": concat("", [input.name, " is long"])}
"""


def _policy_dir(tmp_path, cases, control=CONTROL):
    folder = tmp_path / "policies" / "ecr" / "short_name"
    folder.mkdir(parents=True)
    (folder / "short_name.rego").write_text(control, encoding="utf-8")
    if cases is not None:
        text = cases if isinstance(cases, str) else yaml.safe_dump(cases)
        (folder / "cases.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "policies"


def _case(name, value, status, **expect):
    return {"name": name, "input": {"name": value}, "expect": {"status": status, **expect}}


def _run(capsys, *argv):
    code = main(["test", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_the_shipped_controls_pass_on_every_engine(capsys):
    code, lines, err = _run(capsys, "--controls", "ecr-tag-immutability,vpc-ecr-endpoints")
    assert code == 0, lines
    assert err == ""
    assert lines == [lines[-1]]
    assert lines[-1].startswith(f"{lines[-1].split()[0]} cases on {', '.join(available_engines())}")
    assert "all passed" in lines[-1]


def test_a_failing_case_is_one_line_per_engine_and_exit_1(tmp_path, capsys):
    cases = [
        _case("pass_short", "ab", "PASS", reason="ab is short"),
        _case("pass_wrongly_expected", "abcdefgh", "PASS"),
        _case("fail_long", "abcdefgh", "FAIL", reason="is long", severity="LOW"),
    ]
    code, lines, _ = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, cases)))
    assert code == 1
    failures = [line for line in lines if line.startswith("FAIL ")]
    assert failures == [
        f"FAIL demo-short-name:pass_wrongly_expected [{name}]: expected PASS, got FAIL: "
        "abcdefgh is long"
        for name in available_engines()
    ]
    assert lines[-1] == f"3 cases on {', '.join(available_engines())}: 1 failed"


@both_engines
def test_a_case_the_engines_judge_differently_is_reported(tmp_path, capsys):
    """rego-cpp counts a string in its escaped spelling: 'a"b"' has 4 characters in OPA, 6 in
    rego-cpp, so the same control passes on one engine and fails on the other."""
    cases = [_case("pass_quotes_count_once", 'a"b"', "PASS")]
    code, lines, _ = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, cases)))
    assert code == 1
    assert lines[0] == (
        "FAIL demo-short-name:pass_quotes_count_once [regopy]: expected PASS, got FAIL: "
        'a"b" is long'
    )
    assert lines[1] == (
        'DIFFER demo-short-name:pass_quotes_count_once: regopy says FAIL (LOW): a"b" is long; '
        'opa-embedded says PASS (LOW): a"b" is short'
    )
    assert lines[-1] == (
        "1 cases on regopy, opa-embedded: 1 failed, 1 judged differently by the engines"
    )


def test_hostile_text_in_a_verdict_stays_on_one_inert_line(tmp_path, capsys):
    hostile = "x\n::error::forged\x1b[31m"
    cases = [_case("pass_hostile", hostile, "PASS")]
    code, lines, _ = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, cases)))
    assert code == 1
    failure = next(line for line in lines if line.startswith("FAIL "))
    assert "x\\n::error::forged\\x1b[31m is long" in failure
    assert not any(line.startswith("::") for line in lines)
    assert "\x1b" not in "\n".join(lines)


def test_a_control_without_cases_fails_the_run(tmp_path, capsys):
    code, lines, _ = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, None)))
    assert code == 1
    assert lines[0].startswith("NO CASES demo-short-name: no cases.yaml beside ")
    assert lines[-1].endswith(": 1 controls without cases.yaml")


@pytest.mark.parametrize(
    ("cases", "says"),
    [
        ("- name: a\n  input: {name: x}\n  expect: {status: PASS, reason: a, b}\n", "case 1"),
        ("- name: a\n  input: {}\n  expect: {status: MAYBE}\n", "expect.status must be one of"),
        ("- name: a\n  input: {}\n  expect: {status: PASS}\n  - x", "not valid YAML"),
        ("- {name: a, name: b, input: {}, expect: {status: PASS}}\n", "duplicate key"),
        ("{name: a}\n", "must be a list of cases"),
        ("- {name: a, input: {}, expect: {status: PASS}, config: {bogus: 1}}\n", "bogus"),
        (
            "- {name: a, input: {}, expect: {status: PASS}}\n- {name: a, input: {}, "
            "expect: {status: PASS}}\n",
            "two cases are named 'a'",
        ),
    ],
)
def test_a_malformed_cases_file_is_one_line_and_exit_2(tmp_path, capsys, cases, says):
    code, lines, err = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, cases)))
    assert code == 2 and lines == []
    assert says in err and "cases.yaml" in err and err.count("\n") == 1


def test_regopy_alone_says_how_to_compare_with_opa(tmp_path, capsys):
    cases = [_case("pass_short", "ab", "PASS")]
    code, lines, _ = _run(
        capsys, "--policy-dir", str(_policy_dir(tmp_path, cases)), "--engine", "regopy"
    )
    assert code == 0
    assert lines == [
        "1 cases on regopy: all passed (compare with Go OPA: pip install "
        "--ignore-requires-python opa-golib-python-bindings==0.4.4)"
    ]


def test_no_engine_is_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(engines, "regopy_problem", lambda: "no regopy")
    monkeypatch.setattr(engines, "go_opa_installed", lambda: False)
    code, lines, err = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path, [])))
    assert code == 2 and lines == []
    assert "no Rego engine can run here" in err


@pytest.mark.skipif("opa-embedded" not in available_engines(), reason="the fake server uses Go OPA")
def test_cases_on_an_opa_server(tmp_path, capsys):
    from tests.opa_fake_server import FakeOpaServer

    cases = [_case("pass_short", "ab", "PASS"), _case("fail_long", "abcdefgh", "FAIL")]
    folder = _policy_dir(tmp_path, cases)
    with FakeOpaServer() as server:
        code, lines, _ = _run(
            capsys, "--policy-dir", str(folder), "--engine", "opa", "--opa-url", server.url
        )
    assert code == 0, lines
    assert lines == ["2 cases on opa: all passed"]


def test_an_alias_bomb_or_deep_nesting_in_a_case_is_refused_quickly(tmp_path, capsys):
    """A pull request can add a cases.yaml: a few hundred bytes of nested aliases must not make
    `ecrscan test` walk billions of values."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "- name: pass_bomb\n  input:\n" + "".join(f"    {line}\n" for line in levels)
    bomb += "  expect: {status: PASS}\n"
    code, lines, err = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path / "bomb", bomb)))
    assert code == 2 and lines == [] and "aliases expand to more than 100,000 nodes" in err
    deep = "- name: pass_deep\n  input: " + "[" * 1000 + "]" * 1000 + "\n  expect: {status: PASS}\n"
    code, lines, err = _run(capsys, "--policy-dir", str(_policy_dir(tmp_path / "deep", deep)))
    assert code == 2 and lines == [] and "nested deeper than" in err and err.count("\n") == 1

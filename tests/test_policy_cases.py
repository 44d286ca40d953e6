"""Every case beside every control, through every engine that can run here.

The cases are the policy tests: the embedded engine cannot run Rego `with input as` tests, so
the input documents and expected verdicts live as data beside each control and this runner feeds
them to regopy and, where its wheel is installed, to Go OPA. A case that passes on one engine and
not the other is a semantic difference the policies must not rely on.
"""

import json
from functools import cache

import pytest
import yaml

from scanner.config import config_from_mapping
from scanner.engines import ENGINES, available_engines
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir

POLICIES = load_policies(policy_dir())


def _cases():
    for control in POLICIES.controls:
        path = control.path.parent / "cases.yaml"
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            yield control, case


CASES = list(_cases())


@cache
def _engine(engine_name: str, config_json: str):
    """One compiled engine per (engine, configuration), shared by the cases that use it."""
    config = config_from_mapping(json.loads(config_json))
    data = {"ecrscan": {"config": config.policy_data()}}
    return ENGINES[engine_name](POLICIES.modules, data, [c.entrypoint for c in POLICIES.controls])


@pytest.mark.parametrize("engine_name", available_engines())
@pytest.mark.parametrize(
    ("control", "case"), CASES, ids=[f"{c.id}:{case['name']}" for c, case in CASES]
)
def test_case(engine_name, control, case):
    engine = _engine(engine_name, json.dumps(case.get("config") or {}, sort_keys=True))
    [answer] = engine.verdicts([control.entrypoint], [case["input"]])
    verdict = answer[control.entrypoint]
    assert isinstance(verdict, dict), f"{engine_name}: {verdict}"
    expect = case["expect"]
    assert verdict["status"] == expect["status"], verdict
    assert expect.get("reason", "") in verdict.get("reason", ""), verdict
    if "severity" in expect:
        assert verdict.get("severity", control.severity) == expect["severity"], verdict


def test_every_control_has_cases_for_each_outcome():
    """pass, fail and missing-data cases beside every control, as the policy guide asks; an
    ERROR case wherever the control reads a collection error."""
    for control in POLICIES.controls:
        names = [case["name"] for c, case in CASES if c is control]
        statuses = {case["expect"]["status"] for c, case in CASES if c is control}
        assert {"PASS", "FAIL"} <= statuses, (control.id, statuses)
        if "input.errors" in POLICIES.modules[str(control.path)]:
            assert "ERROR" in statuses, control.id
        assert any(n.startswith("missing_") for n in names), control.id
        assert len(names) == len(set(names)), f"{control.id}: duplicate case names"


def test_cases_files_sit_beside_their_policy():
    for control in POLICIES.controls:
        assert control.path.name == f"{control.path.parent.name}.rego"
        assert (control.path.parent / "cases.yaml").is_file()
        assert control.package == "ecr." + control.path.parent.name


def test_both_engines_are_exercised_where_installed():
    if "opa-embedded" not in available_engines():
        pytest.skip("opa-golib-python-bindings is not installed: cases ran on regopy only")
    assert available_engines() == ["regopy", "opa-embedded"]

"""Every case beside every control, through every engine that can run here.

The cases are the policy tests: the embedded engine cannot run Rego `with input as` tests, so
the input documents and expected verdicts live as data beside each control and this runner feeds
them to regopy and, where its wheel is installed, to Go OPA. A case that passes on one engine and
not the other is a semantic difference the policies must not rely on.
"""

import json
from functools import cache

import pytest

from scanner.engines import available_engines, engine_factory
from scanner.evaluate.cases import engine_for, load_cases, problem, without_cases
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir

POLICIES = load_policies(policy_dir())
CASES = load_cases(POLICIES)


@cache
def _engine(engine_name: str, entrypoint: str, config_json: str):
    """One compiled engine per (engine, control, configuration), shared by its cases."""
    config = json.loads(config_json)
    return engine_for(engine_factory(engine_name), POLICIES, [entrypoint], config)


@pytest.mark.parametrize("engine_name", available_engines())
@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_case(engine_name, case):
    entrypoint = case.control.entrypoint
    engine = _engine(engine_name, entrypoint, json.dumps(case.config, sort_keys=True))
    [answer] = engine.verdicts([entrypoint], [case.document])
    found = problem(case, answer[entrypoint])
    assert found is None, f"{engine_name}: {found}"


def test_every_control_has_cases_for_each_outcome():
    """pass, fail and missing-data cases beside every control, as the policy guide asks; an
    ERROR case wherever the control reads a collection error."""
    assert without_cases(POLICIES) == []
    for control in POLICIES.controls:
        names = [case.name for case in CASES if case.control is control]
        statuses = {case.expect["status"] for case in CASES if case.control is control}
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

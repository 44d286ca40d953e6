"""Mutated snapshots, configurations and waiver files through the real CLI: whatever they hold,
the exit code is one of the contract's (0, 1, 2, 3), never 4 (a bug) and never a traceback.

The IaC sources (plans, templates) have their own property test beside the IaC tests.
"""

import copy
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import synthetic
from scanner.cli import main
from scanner.config_parameters import CONTROL_PARAMETERS

PROFILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
BASE = synthetic.snapshot(6, vpcs_per_region=1)
CONTRACT = {0, 1, 2, 3}

hostile_text = st.sampled_from(
    ["", "*", "=cmd|' /C calc'!A0", "\x1b[31m", "a\nb", "::error::x", "1e-05", "-1", "é☃", "\x00"]
) | st.text(max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node, path=()):
    if isinstance(node, dict | list):
        yield path, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            yield from _containers(child, (*path, key))


@st.composite
def mutated_snapshots(draw):
    snapshot = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        _, target = draw(st.sampled_from(list(_containers(snapshot))))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = draw(st.sampled_from(["replace", "drop", "add"] if keys else ["add"]))
        if action == "replace":
            target[draw(st.sampled_from(keys))] = draw(json_values)
        elif action == "drop":
            del target[draw(st.sampled_from(keys))]
        elif isinstance(target, dict):
            target[draw(hostile_text)] = draw(json_values)
        else:
            target.append(draw(json_values))
    return snapshot


def _run(capsys, argv) -> int:
    code = main(argv)
    err = capsys.readouterr().err
    assert code in CONTRACT, err
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("ecrscan: error: "), err
    return code


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    good = directory / "good.json"
    good.write_text(json.dumps(BASE))
    return directory, good


@PROFILE
@given(snapshot=mutated_snapshots())
def test_mutated_snapshots_keep_the_exit_contract(files, capsys, snapshot):
    directory, _ = files
    path = directory / "snapshot.json"
    path.write_text(json.dumps(snapshot))
    _run(capsys, ["evaluate", str(path), "--workers", "1", "--format", "csv"])


config_keys = st.sampled_from(
    ["trusted_accounts", "organization_id", "allow_tag_exclusions", "vpc_scope", "account_id"]
    + [p.name for p in CONTROL_PARAMETERS]
)


@PROFILE
@given(config=st.dictionaries(config_keys, json_values, max_size=3))
def test_mutated_configurations_keep_the_exit_contract(files, capsys, config):
    directory, good = files
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    _run(capsys, ["evaluate", str(good), "--workers", "1", "--config", str(path)])


WAIVER_KEYS = "control reason approver expires all account region repository vpc resource other"
waiver_keys = st.sampled_from(WAIVER_KEYS.split())
waiver_values = json_values | st.sampled_from(
    ["ecr-tag-immutability", "2026-12-31", "2026-02-30", "*", "legacy/*", True]
)


@PROFILE
@given(
    entries=st.lists(st.dictionaries(waiver_keys, waiver_values, max_size=7), max_size=3),
    as_of=st.sampled_from(["2026-06-01", "1999-01-01", "9999-12-31"]),
)
def test_mutated_waiver_files_keep_the_exit_contract(files, capsys, entries, as_of):
    directory, good = files
    path = directory / "waivers.yaml"
    path.write_text(yaml.safe_dump({"waivers": entries}))
    argv = ["evaluate", str(good), "--workers", "1", "--waivers", str(path), "--as-of", as_of]
    _run(capsys, argv)

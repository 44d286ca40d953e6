"""The compiled schema check that makes validation fast never accepts what jsonschema rejects.

Random damage to valid snapshots (a value replaced by any JSON value, a key dropped or added,
anywhere in the tree) must get the same accept/reject decision from `validate` as from the
reference validator, whose messages are the ones users see.
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import synthetic
from scanner.errors import InputError
from scanner.snapshot import _compiled_accepts, consistency_errors, validate, validation_errors
from tests import snapshot_factory

PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A small estate with every shape the collector writes: errors, policies, images, VPCs.
ESTATE = synthetic.snapshot(24, accounts=2)
SMALL = snapshot_factory.snapshot([snapshot_factory.repository_record("team/api")])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=14),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node, path=()):
    """Every (path, dict or list) in the tree, the root included."""
    if isinstance(node, dict | list):
        yield path, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            yield from _containers(child, (*path, key))


@st.composite
def damaged(draw):
    snapshot = copy.deepcopy(draw(st.sampled_from([ESTATE, SMALL])))
    containers = list(_containers(snapshot))
    _, target = draw(st.sampled_from(containers))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = draw(st.sampled_from(["replace", "drop", "add"] if keys else ["add"]))
    if action == "replace":
        target[draw(st.sampled_from(keys))] = draw(json_values)
    elif action == "drop":
        del target[draw(st.sampled_from(keys))]
    elif isinstance(target, dict):
        target[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
    else:
        target.append(draw(json_values))
    return snapshot


def _accepted_by_validate(snapshot) -> bool:
    try:
        validate(snapshot)
    except InputError:
        return False
    return True


def test_valid_snapshots_take_the_compiled_path():
    for snapshot in (ESTATE, SMALL, json.loads(json.dumps(ESTATE))):
        assert validation_errors(snapshot) == []
        assert _compiled_accepts(snapshot)
        validate(snapshot)


@PROFILE
@given(damaged())
def test_damage_gets_the_reference_decision(snapshot):
    reference_accepts = validation_errors(snapshot) == []
    if _compiled_accepts(snapshot):
        assert reference_accepts
    consistent = reference_accepts and consistency_errors(snapshot) == []
    assert _accepted_by_validate(snapshot) == consistent


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema_version",), True),  # true == 1 in Python; not in JSON Schema
        (("inventory", 0, "repositories", 0, "derived", "imageSummary"), {"imageCount": 1}),
        (("inventory", 0, "repositories", 0, "tags"), [{"Key": "k"}]),
        (("inventory", 0, "repositories", 0, "repository", "repositoryName"), 7),
        (("inventory", 0, "account_id"), "12345"),
    ],
)
def test_known_damage_is_rejected_with_the_reference_message(path, value):
    snapshot = copy.deepcopy(SMALL)
    target = snapshot
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not _compiled_accepts(snapshot)
    problems = validation_errors(snapshot)
    assert problems
    with pytest.raises(InputError, match="not an ecrscan snapshot") as raised:
        validate(snapshot)
    assert problems[0] in str(raised.value)


@pytest.mark.parametrize(
    "collected_at", ["2026-13-45T99:00:00+00:00", "yesterday, around noon", "2026-11-28T09:00:00.1"]
)
def test_a_collection_time_that_is_no_time_is_refused(collected_at):
    snapshot = copy.deepcopy(SMALL)
    snapshot["collected_at"] = collected_at
    with pytest.raises(InputError, match=r"collected_at: .* is not an ISO 8601 time"):
        validate(snapshot)


def test_an_account_and_region_inventoried_twice_is_refused():
    """Two entries for one (account, region) would judge its resources twice, or differently."""
    snapshot = copy.deepcopy(ESTATE)
    snapshot["inventory"].append(copy.deepcopy(snapshot["inventory"][0]))
    with pytest.raises(InputError, match=r"inventory/\d+: account \d{12} in [a-z0-9-]+ appears"):
        validate(snapshot)

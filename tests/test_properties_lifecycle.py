"""Property tests for lifecycle policies: text as AWS stores it, through parsing, the two
lifecycle controls on every engine, and the cost view's reading of the same rules.

Random lifecycle documents (well-formed rules with random values, and junk in any slot) always
get a well-formed verdict, the same on every engine, and never crash the cost view.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.collect.policy_text import parse_optional_policy_text
from scanner.config import Config
from scanner.cost.view import cost_view
from tests import snapshot_factory
from tests.test_properties import _repository, _verdicts, json_values

PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIFECYCLE_CONTROLS = ("ecr-lifecycle-policy", "ecr-lifecycle-effective")


def _or_junk(strategy):
    """Mostly values AWS could hold; sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, json_values)


selection = st.fixed_dictionaries(
    {},
    optional={
        "tagStatus": _or_junk(st.sampled_from(["tagged", "untagged", "any", "TAGGED"])),
        "tagPrefixList": _or_junk(st.lists(st.sampled_from(["v", "release-", "", "*"]))),
        "tagPatternList": _or_junk(st.lists(st.sampled_from(["v*", "*", "prod-*-x"]))),
        "countType": _or_junk(st.sampled_from(["imageCountMoreThan", "sinceImagePushed"])),
        "countUnit": _or_junk(st.sampled_from(["days", "hours"])),
        "countNumber": _or_junk(st.integers(min_value=-5, max_value=100_000) | st.floats()),
    },
)
rule = st.fixed_dictionaries(
    {},
    optional={
        "rulePriority": _or_junk(st.integers(min_value=-1, max_value=1000)),
        "description": st.text(max_size=10),
        "selection": _or_junk(selection),
        "action": _or_junk(st.fixed_dictionaries({"type": st.sampled_from(["expire", "keep"])})),
    },
)
lifecycle_document = _or_junk(
    st.fixed_dictionaries({"rules": _or_junk(st.lists(_or_junk(rule), max_size=4))})
)
# How GetLifecyclePolicy hands it over: JSON text, or text that is not JSON at all.
lifecycle_text = lifecycle_document.map(json.dumps) | st.text(max_size=40)


@PROFILE
@given(text=lifecycle_text)
def test_random_lifecycle_policies_get_a_well_formed_verdict_on_every_engine(text):
    derived = parse_optional_policy_text(text)
    verdicts = _verdicts(_repository(lifecycle=derived))
    # _verdicts checks each verdict's shape; the engines must also agree.
    by_engine = {
        engine: {c: v for c, v in controls.items() if c in LIFECYCLE_CONTROLS}
        for engine, controls in verdicts.items()
    }
    assert len({json.dumps(v, sort_keys=True) for v in by_engine.values()}) == 1, by_engine
    for controls in by_engine.values():
        assert set(controls) == set(LIFECYCLE_CONTROLS)
        assert controls["ecr-lifecycle-policy"][0] in ("PASS", "FAIL")
    if "parseError" in derived:  # text that is no policy never passes either control
        assert all(status != "PASS" for status, _ in by_engine[next(iter(by_engine))].values())


images = st.lists(
    st.fixed_dictionaries(
        {
            "imagePushedAt": st.sampled_from(["2026-11-27T00:00:00+00:00", "2025-01-01T00:00:00Z"]),
            "imageSizeInBytes": st.integers(min_value=0, max_value=10**10),
        },
        optional={"imageTags": st.lists(st.sampled_from(["v1", "latest", "release-2"]))},
    ),
    max_size=5,
)


@PROFILE
@given(text=lifecycle_text, stored=images)
def test_the_cost_view_reads_any_lifecycle_policy_without_crashing(text, stored):
    record = snapshot_factory.repository_record("team/api")
    record["derived"]["lifecyclePolicy"] = parse_optional_policy_text(text)
    record["derived"]["imageSummary"] = {"images": stored}
    view = cost_view(snapshot_factory.snapshot([record]), Config().policy_data())
    [row] = view["repositories"]
    assert 0 <= row["monthly_saving"] <= row["monthly_cost"] + 0.01

"""Property-based tests: hostile or random input never crashes, and equivalent spellings of the
same IAM policy get the same verdict, on every engine that can run here."""

import json
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.collect.policy_text import parse_policy_text
from scanner.config import Config
from scanner.engines import available_engines, engine_factory
from scanner.errors import InputError
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir
from scanner.snapshot import validate

OWNER = "111122223333"
POLICIES = load_policies(policy_dir())
REPOSITORY_CONTROLS = [c for c in POLICIES.controls if c.resource_type == "repository"]
PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _engine(name: str):
    data = {"ecrscan": {"config": Config(trusted_accounts=("444455556666",)).policy_data()}}
    return engine_factory(name)(POLICIES.modules, data, [c.entrypoint for c in POLICIES.controls])


def _verdicts(document):
    """{engine: {control id: (status, severity)}}, asserting every verdict is well formed."""
    out = {}
    for name in available_engines():
        [answer] = _engine(name).verdicts([c.entrypoint for c in REPOSITORY_CONTROLS], [document])
        out[name] = {}
        for control in REPOSITORY_CONTROLS:
            verdict = answer[control.entrypoint]
            assert isinstance(verdict, dict), (name, control.id, verdict)
            assert verdict["status"] in ("PASS", "FAIL", "ERROR", "N/A"), verdict
            assert isinstance(verdict["reason"], str) and verdict["reason"], verdict
            out[name][control.id] = (verdict["status"], verdict.get("severity", control.severity))
    return out


def _repository(policy=None, lifecycle=None, **repository):
    return {
        "account_id": OWNER,
        "region": "eu-west-1",
        "repository": {
            "repositoryArn": f"arn:aws:ecr:eu-west-1:{OWNER}:repository/team/api",
            "registryId": OWNER,
            "repositoryName": "team/api",
            **repository,
        },
        "scanningConfiguration": None,
        "registry": {"scanningConfiguration": {"scanType": "BASIC", "rules": []}, "errors": {}},
        "derived": {"lifecyclePolicy": lifecycle, "repositoryPolicy": policy},
        "errors": {},
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
iam_words = st.sampled_from(
    [
        "*",
        "Allow",
        "Deny",
        "ecr:*",
        "ecr:PutImage",
        "ecr:BatchGetImage",
        "AWS",
        "Service",
        "arn:aws:iam::*:root",
        "999988887777",
        "aws:PrincipalOrgID",
        "StringEquals",
        "o-abc123def4",
    ]
)
policy_like = st.recursive(
    iam_words | json_values,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Statement",
                    "Effect",
                    "Principal",
                    "Action",
                    "NotAction",
                    "NotPrincipal",
                    "Condition",
                    "Sid",
                    "AWS",
                    "Service",
                    "StringEquals",
                    "aws:SourceAccount",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@PROFILE
@given(document=policy_like)
def test_random_policy_documents_always_get_a_verdict(document):
    verdicts = _verdicts(_repository(policy={"document": document}))
    assert len({json.dumps(v, sort_keys=True) for v in verdicts.values()}) == 1, verdicts


@PROFILE
@given(
    repository=st.dictionaries(
        st.sampled_from(
            [
                "imageTagMutability",
                "imageTagMutabilityExclusionFilters",
                "imageScanningConfiguration",
                "encryptionConfiguration",
            ]
        ),
        json_values,
    ),
    lifecycle=st.none() | st.builds(lambda d: {"document": d}, json_values),
)
def test_random_repository_fields_never_crash_a_control(repository, lifecycle):
    verdicts = _verdicts(_repository(lifecycle=lifecycle, **repository))
    assert len({json.dumps(v, sort_keys=True) for v in verdicts.values()}) == 1, verdicts


# Equivalent spellings of one grant.
ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage", "ecr:Put*", "ecr:*"]
PRINCIPALS = {
    "everyone": ["*", {"AWS": "*"}, {"AWS": ["*"]}],
    "external": [{"AWS": "999988887777"}, {"AWS": ["arn:aws:iam::999988887777:root"]}],
    "trusted": [{"AWS": "444455556666"}, {"AWS": "arn:aws:iam::444455556666:root"}],
    "owner": [{"AWS": OWNER}, {"AWS": [f"arn:aws:iam::{OWNER}:root"]}],
}
CONDITION_KEYS = ["aws:PrincipalOrgID", "aws:SourceVpce", "aws:PrincipalAccount"]
CONDITION_VALUES = {
    "aws:PrincipalOrgID": "o-a1b2c3d4e5",
    "aws:SourceVpce": "vpce-0a1b2c3d",
    "aws:PrincipalAccount": OWNER,
}


def _case_variant(text: str, pattern: list[bool]) -> str:
    return "".join(
        c.upper() if up else c.lower() for c, up in zip(text, pattern * len(text), strict=False)
    )


@PROFILE
@given(
    actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3, unique=True),
    principal_kind=st.sampled_from(sorted(PRINCIPALS)),
    condition=st.none() | st.sampled_from(CONDITION_KEYS),
    operator=st.sampled_from(["StringEquals", "StringLike", "ForAnyValue:StringEquals"]),
    spelling=st.tuples(
        st.integers(0, 2),
        st.integers(0, 1),
        st.booleans(),
        st.booleans(),
        st.lists(st.booleans(), min_size=1, max_size=5),
    ),
)
def test_equivalent_spellings_get_the_same_verdict(
    actions, principal_kind, condition, operator, spelling
):
    principal_choice, action_choice, statement_as_object, value_as_list, key_case = spelling

    def statement(principal, action, key, value):
        st_ = {"Sid": "Grant", "Effect": "Allow", "Principal": principal, "Action": action}
        if condition:
            st_["Condition"] = {operator: {key: value}}
        return st_

    value = CONDITION_VALUES.get(condition, "")
    canonical = statement(PRINCIPALS[principal_kind][0], actions, condition, value)
    variants = PRINCIPALS[principal_kind]
    spelled = statement(
        variants[principal_choice % len(variants)],
        actions[0] if len(actions) == 1 and action_choice else actions,
        _case_variant(condition, key_case) if condition else None,
        [value] if value_as_list else value,
    )
    doc = lambda s, as_object: {"Version": "2012-10-17", "Statement": s if as_object else [s]}  # noqa: E731
    expected = _verdicts(_repository(policy={"document": doc(canonical, False)}))
    actual = _verdicts(_repository(policy={"document": doc(spelled, statement_as_object)}))
    assert actual == expected, (canonical, spelled)


@PROFILE
@given(text=st.text(max_size=200) | json_values.map(json.dumps))
def test_policy_text_parsing_never_raises(text):
    parsed = parse_policy_text(text)
    assert set(parsed) in ({"document"}, {"parseError"})


@PROFILE
@given(document=json_values)
def test_snapshot_loading_rejects_garbage_with_one_clear_error(document):
    try:
        validate(document)
    except InputError as exc:
        assert str(exc).count("\n") == 0

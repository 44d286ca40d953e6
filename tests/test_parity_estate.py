"""A generated 1,000-repository estate gets identical verdicts on regopy and on real OPA.

The policy cases pin each control's behaviour on hand-written documents; this estate mixes every
setting the generator knows (tag mutability values, exclusion filters, scan settings, lifecycle
and repository policies from owner-only to public, unparsable texts, collection errors, VPCs with
and without endpoints, services and functions with every kind of image, role and route, pushers)
across accounts and regions, so a difference between the engines that no
case foresaw still shows. regopy runs as it does for users (each document cut down to what each
control reads, each distinct input evaluated once), Go OPA gets every whole document, one query
per cell: equal verdicts also prove the projection and memoisation sound.
"""

from collections import Counter

import pytest

from bench import synthetic
from scanner.config import config_from_mapping
from scanner.engines import opa_embedded
from scanner.engines.opa_embedded import OpaEmbeddedEngine
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.resources import policy_dir

POLICIES = load_policies(policy_dir())
ACCOUNT = synthetic.account_ids(1)[0]
CONFIG = config_from_mapping(
    {
        "trusted_accounts": [synthetic.TRUSTED],
        "organization_id": "o-a1b2c3d4e5",
        "production_consumers": {"name_patterns": ["c0/*", "fn-*"], "tags": {"env": "prod"}},
        "pushers": [
            {"role": f"arn:aws:iam::{ACCOUNT}:role/exec-managed", "repositories": ["payments/*"]},
            {
                "role": f"arn:aws:iam::{ACCOUNT}:role/exec-logs",
                "repositories": ["data/*", "none/*"],
            },
            {"role": "arn:aws:iam::555566667777:role/ci", "repositories": ["web/*"]},
        ],
    }
)


@pytest.fixture(scope="module")
def estate():
    return synthetic.snapshot(1000, accounts=4, vpcs_per_region=4, seed=1000, consumers=True)


@pytest.fixture(scope="module")
def regopy(estate):
    return evaluate_snapshot(estate, POLICIES, CONFIG)


def _cells(results):
    return {
        (r.control_id, r.resource_id): (r.status, r.severity, r.reason) for r in results.results
    }


def test_the_estate_exercises_every_outcome(regopy):
    statuses = Counter(r.status for r in regopy.results)
    assert set(statuses) >= {"PASS", "FAIL", "ERROR", "N/A"}, statuses
    judged = {r.control_id for r in regopy.results}
    assert judged == {c.id for c in POLICIES.controls}
    engine_errors = [r for r in regopy.results if r.reason.startswith("policy ")]
    assert not engine_errors, f"an engine error, not a verdict: {engine_errors[0]}"


@pytest.mark.skipif(
    not opa_embedded.available(),
    reason="opa-golib-python-bindings is not installed: no real OPA to compare with",
)
def test_regopy_and_real_opa_agree_on_every_cell(estate, regopy):
    opa = evaluate_snapshot(
        estate, POLICIES, CONFIG, engine_factory=OpaEmbeddedEngine, memoise=False
    )
    expected, actual = _cells(regopy), _cells(opa)
    assert expected.keys() == actual.keys()
    differences = {
        key: (expected[key], actual[key]) for key in expected if expected[key] != actual[key]
    }
    assert not differences, (
        f"{len(differences)} cells differ, such as {next(iter(differences.items()))}"
    )

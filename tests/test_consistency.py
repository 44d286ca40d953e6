"""A snapshot that contradicts itself is never judged compliant: the field it spoils is ERROR
for every control that reads it, and a resource filed under the wrong account is ERROR for all."""

import json

import pytest

from scanner.config import Config
from scanner.evaluate.catalog import load_policies
from scanner.evaluate.evaluator import evaluate_snapshot
from scanner.resources import policy_dir
from tests import snapshot_factory
from tests.snapshot_factory import ACCOUNT

POLICIES = load_policies(policy_dir())
OPEN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}]}


def _cells(record, *, mutate=None):
    snapshot = snapshot_factory.snapshot([record])
    if mutate:
        mutate(snapshot)
    results = evaluate_snapshot(snapshot, POLICIES, Config(), workers=1).results
    return {r.control_id: r for r in results if r.resource_type == "repository"}


def _with_policy(text, derived):
    record = snapshot_factory.repository_record("team/api")
    record["repositoryPolicy"] = None if text is None else {"policyText": text}
    record["derived"]["repositoryPolicy"] = derived
    return record


@pytest.mark.parametrize(
    ("text", "derived", "reason"),
    [
        (json.dumps(OPEN), None, "derived.repositoryPolicy does not match"),
        (None, {"document": {"Statement": []}}, "derived.repositoryPolicy does not match"),
        ('"just a string"', {"document": "just a string"}, "document is a JSON string"),
        ("[1, 2]", {"document": [1, 2]}, "document is a JSON array"),
        (
            '{"Statement": "none"}',
            {"document": {"Statement": "none"}},
            "Statement is a JSON string",
        ),
    ],
)
def test_a_repository_policy_that_contradicts_itself_is_error(text, derived, reason):
    cell = _cells(_with_policy(text, derived))["ecr-repository-policy"]
    assert cell.status == "ERROR"
    assert "InconsistentSnapshot" in cell.reason and reason in cell.reason


def test_a_consistent_open_policy_still_fails():
    text = json.dumps(OPEN)
    cell = _cells(_with_policy(text, {"document": OPEN}))["ecr-repository-policy"]
    assert cell.status == "FAIL"


def test_an_image_pushed_after_collection_spoils_every_image_control():
    record = snapshot_factory.repository_record("team/api")
    record["derived"]["imageSummary"] = {
        "imageCount": 1,
        "untaggedImageCount": 0,
        "totalSizeInBytes": 10,
        "newestImage": {"imageDigest": "sha256:aa", "imagePushedAt": "2099-01-01T00:00:00+00:00"},
    }
    cells = _cells(record)
    assert cells["ecr-image-freshness"].status == "ERROR"
    assert "after the snapshot was collected" in cells["ecr-image-freshness"].reason
    assert cells["ecr-tag-immutability"].status == "PASS"  # fields it does not read are fine


def test_a_repository_filed_under_another_account_is_error_for_every_control():
    record = snapshot_factory.repository_record("team/api")
    record["repository"]["repositoryArn"] = "arn:aws:ecr:eu-west-1:999988887777:repository/team/api"
    cells = _cells(record)
    assert {c.status for c in cells.values()} == {"ERROR"}
    assert all("names account 999988887777" in c.reason for c in cells.values())


def test_a_registry_filed_under_another_account_is_error():
    def elsewhere(snapshot):
        snapshot["inventory"][0]["registry"]["registryId"] = "999988887777"

    snapshot = snapshot_factory.snapshot([snapshot_factory.repository_record("team/api")])
    elsewhere(snapshot)
    results = evaluate_snapshot(snapshot, POLICIES, Config(), workers=1).results
    registry = [r for r in results if r.resource_type == "registry"]
    assert registry and {r.status for r in registry} == {"ERROR"}
    assert ACCOUNT in registry[0].reason


def test_an_inventory_account_the_snapshot_did_not_scan_is_error_everywhere():
    def foreign(snapshot):
        snapshot["accounts"] = ["444455556666"]  # the collector's list of accounts it entered

    cells = _cells(snapshot_factory.repository_record("team/api"), mutate=foreign)
    assert {c.status for c in cells.values()} == {"ERROR"}
    assert all("not among the accounts it says it scanned" in c.reason for c in cells.values())

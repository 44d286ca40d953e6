"""Loading shares repeated values between repositories without changing what anyone reads."""

import copy
import json

from hypothesis import given

from bench import synthetic
from scanner import snapshot as snapshots
from scanner.snapshot.compact import share_repeats
from tests import snapshot_factory
from tests.test_snapshot_validation import PROFILE, damaged

LIFECYCLE = {"rules": [{"rulePriority": 1, "action": {"type": "expire"}}]}


def _records(snapshot):
    return [r for scope in snapshot["inventory"] for r in scope["repositories"] or ()]


def _two_alike(**derived_extra):
    records = [snapshot_factory.repository_record(name) for name in ("a/one", "b/two")]
    for record in records:
        record["tags"] = [{"Key": "team", "Value": "core"}]
        record["derived"]["lifecyclePolicy"] = {"document": copy.deepcopy(LIFECYCLE)}
        record["derived"]["imageSummary"] = {
            "imageCount": 1,
            "untaggedImageCount": 0,
            "totalSizeInBytes": 5,
            "newestImage": {
                "imageDigest": f"sha256:{record['repository']['repositoryName']}",
                "imagePushedAt": "2026-11-01T00:00:00+00:00",
                "imageTags": ["v1"],
            },
            "images": [{"imagePushedAt": "2026-11-01T00:00:00+00:00", "imageTags": ["v1"]}],
        }
        record["errors"] = {"kmsKey": {"operation": "DescribeKey", "code": "X", "message": "m"}}
    return snapshot_factory.snapshot(records)


def test_equal_values_become_one_object():
    snapshot = _two_alike()
    share_repeats(snapshot)
    one, two = _records(snapshot)
    for path in (
        ("tags",),
        ("derived", "lifecyclePolicy"),
        ("errors", "kmsKey"),
        ("repository", "encryptionConfiguration"),
        ("derived", "imageSummary", "newestImage", "imageTags"),
        ("derived", "imageSummary", "images", 0, "imagePushedAt"),
    ):
        a, b = one, two
        for key in path:
            a, b = a[key], b[key]
        assert a is b, path
    # The scanning configuration names the repository with the repository's own string.
    assert one["scanningConfiguration"]["repositoryArn"] is one["repository"]["repositoryArn"]
    # What differs stays apart.
    assert one["derived"]["imageSummary"]["newestImage"]["imageDigest"] == "sha256:a/one"


def test_values_equal_in_python_but_not_in_json_stay_apart():
    snapshot = _two_alike()
    one, two = _records(snapshot)
    one["derived"]["lifecyclePolicy"]["document"]["rules"][0]["rulePriority"] = True
    two["derived"]["lifecyclePolicy"]["document"]["rules"][0]["rulePriority"] = 1.0
    share_repeats(snapshot)
    assert one["derived"]["lifecyclePolicy"] is not two["derived"]["lifecyclePolicy"]
    assert one["derived"]["lifecyclePolicy"]["document"]["rules"][0]["rulePriority"] is True
    assert two["derived"]["lifecyclePolicy"]["document"]["rules"][0]["rulePriority"] == 1.0


def test_the_synthetic_estate_reads_the_same_after_sharing():
    snapshot = synthetic.snapshot(300, accounts=2)
    before = json.dumps(snapshot)
    share_repeats(snapshot)
    assert json.dumps(snapshot) == before
    records = _records(snapshot)
    distinct = {id(r["derived"]["lifecyclePolicy"]) for r in records}
    assert len(distinct) < len(records) / 10


@PROFILE
@given(damaged())
def test_damaged_snapshots_are_neither_changed_nor_a_crash(snapshot):
    before = json.dumps(snapshot)
    share_repeats(snapshot)
    assert json.dumps(snapshot) == before


def test_load_shares_and_validates(tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(_two_alike()), encoding="utf-8")
    one, two = _records(snapshots.load(path))
    assert one["tags"] is two["tags"]
    assert one["derived"]["lifecyclePolicy"] == {"document": LIFECYCLE}

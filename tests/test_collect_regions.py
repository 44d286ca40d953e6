"""Which regions the collector visits, and where its account-wide calls go."""

from datetime import UTC, datetime

import boto3
from moto import mock_aws

from scanner.collect import collect_snapshot, collector
from scanner.collect.jsonable import to_json
from scanner.snapshot import validate

NOW = datetime(2025, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)


def test_all_regions_lists_the_enabled_regions(moto_session, monkeypatch):
    calls = []
    moto_session.events.register(
        "before-call.ec2.DescribeRegions", lambda params, **_: calls.append(params["body"])
    )
    real_collect_region = collector.collect_region
    # Collect one region for real; moto answers ~30, and each costs a default VPC to build.
    monkeypatch.setattr(
        collector,
        "collect_region",
        lambda clients, account_id, region, *rest: (
            real_collect_region(clients, account_id, "us-east-1", *rest) | {"region": region}
        ),
    )
    snapshot = collect_snapshot(moto_session, ["all"], clock=lambda: NOW, max_workers=2)
    validate(snapshot)
    assert calls and calls[0]["AllRegions"] == "false"
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(snapshot["regions"])
    assert snapshot["regions"] == sorted(snapshot["regions"])
    assert [entry["region"] for entry in snapshot["inventory"]] == snapshot["regions"]


def test_regions_named_twice_are_collected_once(moto_session):
    snapshot = collect_snapshot(moto_session, ["us-east-1", "us-east-1"], clock=lambda: NOW)
    assert snapshot["regions"] == ["us-east-1"]


def test_to_json_turns_datetimes_into_utc_text():
    moment = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    assert to_json({"a": [moment], "b": 1}) == {"a": ["2025-01-31T12:00:00Z"], "b": 1}


def test_account_wide_calls_use_the_first_named_region_without_a_session_region(
    aws_env, monkeypatch
):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with mock_aws():
        session = boto3.Session()
        regions_called = []
        session.events.register(
            "before-call.sts.GetCallerIdentity",
            lambda context, **_: regions_called.append(context["client_region"]),
        )
        collect_snapshot(session, ["eu-west-1"], clock=lambda: NOW)
    assert regions_called == ["eu-west-1"]

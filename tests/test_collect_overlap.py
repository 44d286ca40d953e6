"""Slow account-wide calls do not hold the regions back: a large account's IAM authorization
details are many slow pages, and the server would sit idle while they are read."""

import threading

import boto3
from moto import mock_aws

from scanner.collect import collect_snapshot

REGION = "us-east-1"


def test_iam_is_read_beside_the_regions(aws_env):
    listing_started = threading.Event()
    overlapped = []

    def wait_for_the_listing(**_):
        # Under a sequential collection the regions start only after IAM: this wait times out.
        overlapped.append(listing_started.wait(timeout=10))

    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("ecr", region_name=REGION).create_repository(repositoryName="app")
        session.events.register(
            "before-call.iam.GetAccountAuthorizationDetails", wait_for_the_listing
        )
        session.events.register(
            "before-call.ecr.DescribeRepositories", lambda **_: listing_started.set()
        )
        snapshot = collect_snapshot(session, [REGION])
    assert overlapped == [True]
    account_iam = snapshot["iam"][snapshot["account_id"]]
    assert account_iam["errors"] == {} and account_iam["roles"] is not None
    assert [
        r["repository"]["repositoryName"] for r in snapshot["inventory"][0]["repositories"]
    ] == ["app"]

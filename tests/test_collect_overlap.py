"""Slow account-wide calls do not hold the regions back: a large account's IAM authorization
details are many slow pages, and the server would sit idle while they are read."""

import threading
import time

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


def test_the_listing_is_on_the_wire_before_the_other_clients_are_built(aws_env):
    """A client build holds the GIL (EC2's model is 60 ms of parsing): done while the server
    answers the listing, it costs the collection nothing; done before, it delays every
    per-repository call. IAM's client waits for the regions' first client, too."""
    order = []

    def slow_to_send(**_):
        time.sleep(1)  # long enough for any other part to build its clients meanwhile

    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("ecr", region_name=REGION).create_repository(repositoryName="app")
        session.events.register(
            "creating-client-class", lambda event_name, **_: order.append(event_name.split(".")[1])
        )
        session.events.register("before-parameter-build.ecr.DescribeRepositories", slow_to_send)
        session.events.register(
            "before-send.ecr.DescribeRepositories", lambda **_: order.append("listing sent")
        )
        snapshot = collect_snapshot(session, [REGION])
    assert snapshot["inventory"][0]["repositories"] is not None
    assert order.index("ecr") < order.index("iam")
    later = ("ec2", "ecs", "lambda")
    assert all(order.index("listing sent") < order.index(service) for service in later), order

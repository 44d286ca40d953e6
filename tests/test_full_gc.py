"""Full garbage collections wait while a collection runs, and only while it runs."""

import gc
import threading

import boto3
import pytest
from moto import mock_aws

from scanner.collect import collect_snapshot
from scanner.collect.full_gc import HELD_BACK, full_collections_held_back
from scanner.errors import InputError

REGION = "us-east-1"


def test_a_collection_holds_back_full_collections_and_restores_the_thresholds(aws_env):
    before = gc.get_threshold()
    during = []
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("ecr", region_name=REGION).create_repository(repositoryName="app")
        session.events.register(
            "before-call.ecr.DescribeImages", lambda **_: during.append(gc.get_threshold())
        )
        collect_snapshot(session, [REGION])
    # Young collections run as before; full ones wait for the end.
    assert during == [(before[0], before[1], HELD_BACK)]
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_a_collection_fails(aws_env, monkeypatch):
    before = gc.get_threshold()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with pytest.raises(InputError, match="No usable AWS credentials"):
        collect_snapshot(boto3.Session(region_name=REGION), [REGION])
    assert gc.get_threshold() == before


def test_overlapping_collections_restore_the_thresholds_after_the_last():
    before = gc.get_threshold()
    first_entered, second_entered, first_left = (threading.Event() for _ in range(3))
    seen = {}

    def first():
        with full_collections_held_back():
            first_entered.set()
            second_entered.wait(5)
        first_left.set()

    def second():
        first_entered.wait(5)
        with full_collections_held_back():
            second_entered.set()
            first_left.wait(5)
            seen["after the first left"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen["after the first left"][2] == HELD_BACK
    assert gc.get_threshold() == before

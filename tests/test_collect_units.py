"""Pure pieces of the collector: policy parsing, timestamps, image summaries, the client seam."""

from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest

from scanner.collect.concurrency import map_concurrently
from scanner.collect.images import image_summary
from scanner.collect.jsonable import iso_timestamp, response_body
from scanner.collect.policy_text import parse_optional_policy_text, parse_policy_text
from scanner.collect.session import (
    MAX_ATTEMPTS,
    SPARE_CONNECTIONS,
    ClientFactory,
    open_session,
)
from scanner.errors import InputError


def test_parse_policy_text_keeps_the_document():
    assert parse_policy_text('{"Version": "2012-10-17", "Statement": []}') == {
        "document": {"Version": "2012-10-17", "Statement": []}
    }


@pytest.mark.parametrize("text", ["", "{not json", '{"a": 1'])
def test_parse_policy_text_reports_what_is_not_json(text):
    result = parse_policy_text(text)
    assert set(result) == {"parseError"}
    assert result["parseError"].startswith("not valid JSON")


def test_parse_policy_text_rejects_non_text():
    assert set(parse_policy_text(b"{}")) == {"parseError"}


def test_no_policy_stays_none():
    assert parse_optional_policy_text(None) is None


def test_timestamps_are_utc_spelled_z():
    eastern = timezone(timedelta(hours=-5))
    assert iso_timestamp(datetime(2025, 1, 1, 7, tzinfo=eastern)) == "2025-01-01T12:00:00Z"
    assert iso_timestamp(datetime(2025, 1, 1, 12)) == "2025-01-01T12:00:00Z"


def test_response_body_drops_response_metadata():
    body = response_body(
        {"ResponseMetadata": {"RequestId": "x"}, "at": datetime(2025, 1, 1, tzinfo=UTC)}
    )
    assert body == {"at": "2025-01-01T00:00:00Z"}


def test_image_summary_keeps_only_present_fields_of_the_newest_image():
    images = [
        {
            "imageDigest": "sha256:old",
            "imageTags": ["v1"],
            "imageSizeInBytes": 3,
            "imagePushedAt": datetime(2024, 1, 1, tzinfo=UTC),
            "imageManifestMediaType": "x",
        },
        {
            "imageDigest": "sha256:new",
            "imageSizeInBytes": 4,
            "imagePushedAt": datetime(2024, 2, 1, tzinfo=UTC),
            "registryId": "123456789012",
            "imageScanStatus": {"status": "COMPLETE"},
            "imageScanFindingsSummary": {
                "findingSeverityCounts": {"HIGH": 2},
                "imageScanCompletedAt": datetime(2024, 2, 2, tzinfo=UTC),
            },
        },
    ]
    assert image_summary(images) == {
        "imageCount": 2,
        "untaggedImageCount": 1,
        "totalSizeInBytes": 7,
        "newestImage": {
            "imageDigest": "sha256:new",
            "imageSizeInBytes": 4,
            "imagePushedAt": "2024-02-01T00:00:00Z",
            "imageScanStatus": {"status": "COMPLETE"},
            "imageScanFindingsSummary": {
                "findingSeverityCounts": {"HIGH": 2},
                "imageScanCompletedAt": "2024-02-02T00:00:00Z",
            },
        },
        # Every image, newest first, compact: no digest, no tags key when untagged.
        "images": [
            {"imagePushedAt": "2024-02-01T00:00:00Z", "imageSizeInBytes": 4},
            {
                "imagePushedAt": "2024-01-01T00:00:00Z",
                "imageSizeInBytes": 3,
                "imageTags": ["v1"],
            },
        ],
    }


def test_client_factory_configures_retries_timeouts_pool_and_endpoint(aws_env):
    factory = ClientFactory(boto3.Session(), endpoint_url="http://localhost:5000", max_workers=16)
    ecr = factory.client("ecr", "eu-west-1")
    assert factory.client("ecr", "eu-west-1") is ecr
    assert ecr.meta.region_name == "eu-west-1"
    assert ecr.meta.endpoint_url == "http://localhost:5000"
    config = ecr.meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS}
    assert config.connect_timeout and config.read_timeout
    assert config.max_pool_connections == 16 + SPARE_CONNECTIONS


def test_client_factory_hands_out_prebuilt_clients(aws_env):
    prebuilt = boto3.Session(region_name="us-east-1").client("ecr")
    factory = ClientFactory(boto3.Session(), prebuilt={("ecr", "us-east-1"): prebuilt})
    assert factory.client("ecr", "us-east-1") is prebuilt
    assert factory.client("ecr", "us-west-2") is not prebuilt


def test_map_concurrently_keeps_order():
    assert map_concurrently(lambda n: n * n, range(10), 4, name="t") == [n * n for n in range(10)]


def test_map_concurrently_stops_queued_work_after_an_exception():
    started = []

    def work(n):
        started.append(n)
        if n == 0:
            raise TypeError("a bug")
        return n

    with pytest.raises(TypeError):
        map_concurrently(work, range(50), 1, name="t")
    assert len(started) < 50


def test_open_session_names_a_missing_profile(aws_env):
    with pytest.raises(InputError, match="'nope' is not in your AWS config"):
        open_session("nope")


def test_open_session_without_profile_uses_the_credential_chain(aws_env):
    credentials = open_session(None).get_credentials()
    assert credentials.access_key == "testing"

"""Image references parse the way Docker and ECR read them, and nonsense is named, not guessed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.collect.consumers.image_uri import parse_image_uri, repository_arn

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2",
            ("ecr", "123456789012", "eu-west-1", "team/api", "1.4.2", None, False),
        ),
        (
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/app@{DIGEST}",
            ("ecr", "123456789012", "us-east-1", "app", None, DIGEST, False),
        ),
        (
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:7@{DIGEST}",
            ("ecr", "123456789012", "us-east-1", "app", "7", DIGEST, False),
        ),
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app",
            ("ecr", "123456789012", "cn-north-1", "app", "latest", None, True),
        ),
        (
            "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1",
            ("ecr", "123456789012", "us-gov-west-1", "app", "1", None, False),
        ),
        (
            "123456789012.dkr-ecr.eu-west-1.on.aws/app:1",
            ("ecr", "123456789012", "eu-west-1", "app", "1", None, False),
        ),
        ("nginx", ("docker-hub", None, None, "library/nginx", "latest", None, True)),
        ("nginx:1.27", ("docker-hub", None, None, "library/nginx", "1.27", None, False)),
        ("bitnami/redis:7", ("docker-hub", None, None, "bitnami/redis", "7", None, False)),
        (
            "docker.io/library/nginx",
            ("docker-hub", None, None, "library/nginx", "latest", None, True),
        ),
        (
            "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
            (
                "ecr-public",
                None,
                None,
                "aws-observability/aws-otel-collector",
                "v0.40.0",
                None,
                False,
            ),
        ),
        (
            "registry.example.com:5000/team/app:2",
            ("other", None, None, "team/app", "2", None, False),
        ),
        ("localhost/app", ("other", None, None, "app", "latest", None, True)),
    ],
)
def test_references(uri, expected):
    parsed = parse_image_uri(uri)
    fields = ("registry", "registryId", "region", "repositoryName", "tag", "digest", "implicitTag")
    assert tuple(parsed[f] for f in fields) == expected
    assert parsed["uri"] == uri


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "   ",
        None,
        42,
        "app:tag with space",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:short",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:-bad",
        "app:\x1b[31mred",
        "team//api:1",
    ],
)
def test_nonsense_is_invalid_with_a_reason(uri):
    parsed = parse_image_uri(uri)
    assert parsed["registry"] == "invalid"
    assert parsed["problem"]
    assert isinstance(parsed["uri"], str)


def test_a_lookalike_host_is_not_ecr():
    """Only an exact ECR host is a private ECR registry: no account can be read off a lookalike."""
    for host in (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example",
        "evil.123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "12345678901.dkr.ecr.eu-west-1.amazonaws.com",
    ):
        assert parse_image_uri(f"{host}/app:1")["registry"] == "other", host


def test_repository_arn():
    parsed = parse_image_uri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:1")
    assert repository_arn("aws", parsed) == "arn:aws:ecr:eu-west-1:123456789012:repository/team/api"
    assert repository_arn("aws", parse_image_uri("nginx")) is None


@given(st.text(max_size=80))
def test_any_text_parses_to_a_known_registry(text):
    parsed = parse_image_uri(text)
    assert parsed["registry"] in {"ecr", "ecr-public", "docker-hub", "other", "invalid"}
    if parsed["registry"] != "invalid":
        assert parsed["repositoryName"] and (parsed["tag"] or parsed["digest"])

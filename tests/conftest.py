"""Shared fixtures: fake AWS credentials and an in-process moto account."""

import boto3
import pytest
from moto import mock_aws


def _use_fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, directory) -> None:
    """Fake credentials and no user config, so nothing can reach (or bill) a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(directory / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(directory / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _emulate_what_moto_lacks():
    """moto has no pull-through cache rules or creation templates; answer them (empty)."""
    from scanner.demo import emulator

    emulator.install()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    _use_fake_aws_credentials(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def module_aws_env(tmp_path_factory):
    """aws_env for module-scoped fixtures (an estate seeded and collected once per module)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use_fake_aws_credentials(monkeypatch, tmp_path_factory.mktemp("aws"))
        yield


@pytest.fixture
def moto_session(aws_env):
    """A boto3 Session whose every call is answered by moto, in this process."""
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")

"""The one seam through which the collector gets AWS clients.

Clients come from a `boto3.Session` the caller passes in (never one made at import time), so
tests can hand in a session with fake credentials, an emulator endpoint, event hooks, or
pre-built (for example Stubber-wrapped) clients.
"""

import threading
from collections.abc import Mapping

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ConfigParseError, ProfileNotFound

from scanner.errors import InputError

# Attempts per call, the first one included (botocore's `total_max_attempts`; its `max_attempts`
# key counts retries only). "adaptive" mode adds client-side rate limiting to exponential backoff,
# which matters because ECR throttles DescribeImages and friends at a few requests per second per
# account; ten attempts ride out a throttling burst of about a minute (backoff is capped at 20 s)
# before the call is recorded as failed.
MAX_ATTEMPTS = 10
# Seconds. An unreachable endpoint should fail fast; a slow answer is still an answer.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
# Headroom over the worker count: when urllib3's pool is full it opens and then throws away
# extra connections (with a warning) instead of reusing them.
SPARE_CONNECTIONS = 4

ClientKey = tuple[str, str]  # (service, region)


def open_session(profile: str | None = None) -> boto3.Session:
    """A session from the usual credential chain, or from a named profile of the AWS config."""
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as exc:
        raise InputError(f"AWS profile {profile!r} is not in your AWS config files.") from exc
    except ConfigParseError as exc:
        raise InputError(f"Your AWS config file cannot be read: {exc}") from exc


def client_config(max_workers: int) -> Config:
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=max_workers + SPARE_CONNECTIONS,
        user_agent_extra="ecrscan",
    )


class ClientFactory:
    """Makes (and caches) one client per (service, region); safe to use from worker threads."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        max_workers: int = 8,
        prebuilt: Mapping[ClientKey, BaseClient] | None = None,
    ):
        self.session = session
        self.endpoint_url = endpoint_url
        self.config = client_config(max_workers)
        self._clients: dict[ClientKey, BaseClient] = dict(prebuilt or {})
        # boto3 clients are thread-safe once built, but Session.client() itself is not.
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> BaseClient:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self.config,
                )
            return self._clients[key]

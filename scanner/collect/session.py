"""The one seam through which the collector gets AWS clients.

Clients come from a `boto3.Session` the caller passes in (never one made at import time), so
tests can hand in a session with fake credentials, an emulator endpoint, event hooks, or
pre-built (for example Stubber-wrapped) clients.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ConfigParseError, ProfileNotFound
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from scanner.collect.answers import refuse_unparseable_answers
from scanner.collect.calls import Deadline
from scanner.collect.retries import MAX_BACKOFF, install_per_call_retries

# The retry budget's defaults live apart from boto3, so --help shows them without loading it.
from scanner.collect.retry_defaults import (
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
    RETRY_MODE,
)
from scanner.collect.safe_text import one_line
from scanner.errors import InputError

# Headroom over the worker count: when urllib3's pool is full it opens and then throws away
# extra connections (with a warning) instead of reusing them.
SPARE_CONNECTIONS = 4

ClientKey = tuple[str, str]  # (service, region)


@dataclass(frozen=True)
class RetryBudget:
    """How hard each call tries (`--max-attempts`, `--connect-timeout`, `--read-timeout`).

    Worst case for one call: max_attempts x (connect or read timeout) plus the backoff between
    attempts (exponential with jitter, at most 20 s each). Tests use small values so an
    unreachable endpoint costs a second, not minutes.
    """

    max_attempts: int = MAX_ATTEMPTS
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    # "adaptive" (above) or "standard": backoff alone, no client-side rate limiting. Adaptive
    # slows every later call of a throttled client, which suits AWS's rate-based throttling
    # but not an emulator that throttles a fixed share of requests whatever the rate.
    mode: str = RETRY_MODE
    # The longest wait between two attempts, in seconds (botocore's 20); tests shorten it.
    max_backoff: float = MAX_BACKOFF


def open_session(profile: str | None = None) -> boto3.Session:
    """A session from the usual credential chain, or from a named profile of the AWS config."""
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as exc:
        raise InputError(f"AWS profile {profile!r} is not in your AWS config files.") from exc
    except ConfigParseError as exc:
        raise InputError(f"Your AWS config file cannot be read: {exc}") from exc


def check_endpoint_url(url: str | None) -> None:
    """Refuse an --endpoint-url botocore would reject (with a traceback) at the first call."""
    if url is None:
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
    except ValueError:
        parts = None
    usable = parts is not None and parts.scheme in ("http", "https") and not parts.fragment
    if not usable or not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        raise InputError(
            f"--endpoint-url {one_line(repr(url), 80)} is not an http(s) URL with a host name, "
            "such as http://127.0.0.1:5000"
        )


def client_config(max_workers: int, budget: RetryBudget = RetryBudget()) -> Config:
    return Config(
        retries={"mode": budget.mode, "total_max_attempts": budget.max_attempts},
        connect_timeout=budget.connect_timeout,
        read_timeout=budget.read_timeout,
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
        budget: RetryBudget = RetryBudget(),
        deadline: Deadline | None = None,
    ):
        check_endpoint_url(endpoint_url)
        self.session = session
        self.endpoint_url = endpoint_url
        self.max_workers = max_workers
        self.budget = budget
        self.config = client_config(max_workers, budget)
        self.deadline = deadline
        self._clients: dict[ClientKey, BaseClient] = dict(prebuilt or {})
        # boto3 clients are thread-safe once built, but Session.client() itself is not.
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> BaseClient:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                client = self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self.config,
                )
                install_per_call_retries(client, self.budget.max_attempts, self.budget.max_backoff)
                refuse_unparseable_answers(client)
                if self.deadline is not None:
                    self.deadline.install(client)
                self._clients[key] = client
            return self._clients[key]

    def for_session(self, session: boto3.Session) -> "ClientFactory":
        """Clients of another session (an assumed role) under the same endpoint, retry budget
        and deadline."""
        return ClientFactory(
            session,
            endpoint_url=self.endpoint_url,
            max_workers=self.max_workers,
            budget=self.budget,
            deadline=self.deadline,
        )

"""Retries whose budget is each call's own: `--max-attempts` per call, never a scan-wide quota.

botocore's "standard" and "adaptive" modes give each client a retry quota (500 units; a
throttled retry costs 5, a 5xx, reset or timeout 14, a success gives back 1). A scan sends
thousands of calls through one client per service and region, so an hour of 5xx answers empties
the quota, and from then on every failure is final at its first attempt: a share of the cells
ends as ERROR although each call had attempts left. Here botocore's own retry handler is
installed again without the quota: which answers are retried, and the backoff between attempts,
stay botocore's; each call stops after `max_attempts`, and the `--deadline` (scanner.collect.
calls) still bounds the whole collection. Adaptive mode's client-side rate limiter is untouched:
it still slows a client that AWS throttles.
"""

from typing import Any

from botocore.client import BaseClient
from botocore.retries import standard

# botocore's cap on one backoff, in seconds.
MAX_BACKOFF = 20.0


class _EveryCall:
    """A retry quota that never runs out (botocore's RetryQuotaChecker interface)."""

    def acquire_retry_quota(self, context: Any) -> bool:
        return True

    def release_retry_quota(self, *args: Any, **kwargs: Any) -> None:
        return None


def install_per_call_retries(
    client: BaseClient, max_attempts: int, max_backoff: float = MAX_BACKOFF
) -> None:
    """Replace the client's retry handler by one with no shared quota.

    Only for the standard and adaptive modes (the modes whose handler has a quota); the
    replaced handler is found by the unique id botocore registers it under.
    """
    if client.meta.config.retries.get("mode") not in ("standard", "adaptive"):
        return
    service = client.meta.service_model.service_id.hyphenize()
    adapter = standard.RetryEventAdapter()
    handler = standard.RetryHandler(
        standard.RetryPolicy(
            standard.StandardRetryConditions(max_attempts=max_attempts),
            _backoff(service, standard.ThrottlingErrorDetector(adapter), max_backoff),
        ),
        adapter,
        _EveryCall(),
    )
    unique_id = f"retry-config-{service}"
    client.meta.events.unregister(f"needs-retry.{service}", unique_id=unique_id)
    client.meta.events.register(f"needs-retry.{service}", handler.needs_retry, unique_id=unique_id)


def _backoff(service: str, detector: Any, max_backoff: float) -> standard.ExponentialBackoff:
    """botocore's backoff: recent versions wait longer after throttling (1 s scale) than after
    a 5xx (50 ms); older ones have one scale for both and take fewer arguments."""
    try:
        return standard.ExponentialBackoff(
            max_backoff=max_backoff, service_name=service, throttling_detector=detector
        )
    except TypeError:
        return standard.ExponentialBackoff(max_backoff=max_backoff)

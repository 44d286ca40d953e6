"""Collect one account's ECR estate into a snapshot dict (see scanner/snapshot/schema.json)."""

from datetime import UTC, datetime
from typing import Any

import boto3

from scanner import __version__
from scanner.collect.calls import ErrorRecord, OperationFailed, call
from scanner.collect.concurrency import map_concurrently
from scanner.collect.inspector_findings import attach_inspector_findings
from scanner.collect.jsonable import iso_timestamp
from scanner.collect.kms_keys import attach_kms_keys
from scanner.collect.network import collect_network
from scanner.collect.regions import check_region_names, enabled_regions, wants_all_regions
from scanner.collect.registry import collect_registry
from scanner.collect.repositories import collect_repositories
from scanner.collect.session import ClientFactory
from scanner.errors import CollectionError

__all__ = ["collect_region", "collect_snapshot"]

SCHEMA_VERSION = 1
# Regions collected at once. Each region already runs `max_workers` repository workers, and
# ECR's rate limits are per account and region, so a few regions in flight is plenty.
MAX_CONCURRENT_REGIONS = 4
# Where account-wide calls (STS, DescribeRegions) go when the session names no region.
FALLBACK_REGION = "us-east-1"


def collect_snapshot(
    session: boto3.Session,
    regions: list[str],
    *,
    endpoint_url: str | None = None,
    max_workers: int = 8,
    now: datetime | None = None,
    clients: ClientFactory | None = None,
) -> dict[str, Any]:
    """Collect the account behind `session` in `regions` (["all"] = every enabled region).

    Failed calls are recorded in the snapshot's `errors` objects; only a failure to identify
    the account at all raises CollectionError. `clients` lets tests inject pre-built clients.
    """
    check_region_names(regions)
    clients = clients or ClientFactory(session, endpoint_url=endpoint_url, max_workers=max_workers)
    home_region = _home_region(session, regions)
    identity = _caller_identity(clients, home_region)
    errors: list[ErrorRecord] = []
    region_names = _resolve_regions(clients, home_region, regions, errors)
    account_id = identity["Account"]
    inventory = map_concurrently(
        lambda region: collect_region(clients, account_id, region, max_workers),
        region_names,
        max_workers=max(1, min(MAX_CONCURRENT_REGIONS, len(region_names))),
        name="ecrscan-region",
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ecrscan", "version": __version__},
        "collected_at": _utc_text(now or datetime.now(UTC)),
        "account_id": account_id,
        "partition": identity["Arn"].split(":")[1],
        "caller_arn": identity["Arn"],
        "regions": region_names,
        "errors": errors,
        "inventory": inventory,
    }


def collect_region(
    clients: ClientFactory, account_id: str, region: str, max_workers: int
) -> dict[str, Any]:
    ecr = clients.client("ecr", region)
    errors: dict[str, ErrorRecord] = {}
    registry = collect_registry(ecr)
    repositories = collect_repositories(ecr, errors, max_workers)
    if repositories is not None:
        attach_kms_keys(clients.client("kms", region), repositories)
        if _enhanced(registry):
            inspector = clients.client("inspector2", region)
            attach_inspector_findings(inspector, repositories, max_workers)
    return {
        "account_id": account_id,
        "region": region,
        "registry": registry,
        "repositories": repositories,
        "network": collect_network(clients.client("ec2", region)),
        "errors": errors,
    }


def _enhanced(registry: dict[str, Any]) -> bool:
    """Under ENHANCED scanning the findings live in Amazon Inspector, not in DescribeImages."""
    return (registry["scanningConfiguration"] or {}).get("scanType") == "ENHANCED"


def _home_region(session: boto3.Session, regions: list[str]) -> str:
    """Where account-wide calls go: the session's region, else the first region named.

    A named region keeps those calls inside the right partition (aws-cn, aws-us-gov).
    """
    if session.region_name:
        return session.region_name
    return FALLBACK_REGION if wants_all_regions(regions) else regions[0]


def _caller_identity(clients: ClientFactory, region: str) -> dict[str, Any]:
    try:
        return call(clients.client("sts", region), "GetCallerIdentity")
    except OperationFailed as failure:
        raise CollectionError(
            f"Cannot identify the AWS account (sts:GetCallerIdentity failed with "
            f"{failure.code}: {failure.message}); check your AWS credentials and profile."
        ) from failure


def _resolve_regions(
    clients: ClientFactory, home_region: str, regions: list[str], errors: list[ErrorRecord]
) -> list[str]:
    if not wants_all_regions(regions):
        return list(dict.fromkeys(regions))  # de-duplicated, order kept
    try:
        return enabled_regions(clients.client("ec2", home_region))
    except OperationFailed as failure:
        errors.append(failure.record)
        return []


def _utc_text(moment: datetime) -> str:
    """collected_at: second precision, 'Z' suffix, e.g. 2025-01-31T12:00:00Z."""
    return iso_timestamp(moment.replace(microsecond=0)).replace("+00:00", "Z")

"""Collect the ECR estate of one account, or of several, into a snapshot dict.

The snapshot's schema is scanner/snapshot/schema.json. Its top-level `account_id` and
`caller_arn` always name the caller; each inventory entry names the account it describes.
"""

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from scanner import __version__
from scanner.clock import utc_text
from scanner.collect.accounts import (
    AccountPlan,
    assumed_role_session,
    organization_accounts,
    role_arn,
)
from scanner.collect.calls import ErrorRecord, OperationFailed
from scanner.collect.concurrency import map_concurrently
from scanner.collect.consumers import iam_authorization
from scanner.collect.consumers.referenced_images import attach_referenced_images
from scanner.collect.credentials import identify_caller
from scanner.collect.full_gc import full_collections_held_back
from scanner.collect.kms_keys import KeyDescriptions
from scanner.collect.progress import Progress
from scanner.collect.region import collect_region, inventory_errors, unreachable_region
from scanner.collect.regions import check_region_names, enabled_regions, wants_all_regions
from scanner.collect.session import ClientFactory
from scanner.collect.targeted import Selection

__all__ = ["collect_region", "collect_snapshot", "inventory_errors"]

SCHEMA_VERSION = 1
# Regions collected at once, per account. Each region already runs `max_workers` repository
# workers, and ECR's rate limits are per account and region, so a few regions in flight is plenty.
MAX_CONCURRENT_REGIONS = 4
# Accounts collected at once. Rate limits are per account, so accounts scale out freely; the bound
# keeps threads and connections in check: at most 4 accounts x 4 regions x max_workers calls.
MAX_CONCURRENT_ACCOUNTS = 4
# Where account-wide calls (STS, DescribeRegions) go when the session names no region.
FALLBACK_REGION = "us-east-1"
# The region of an inventory entry for an account that could not be reached under `--region all`:
# which regions it has enabled is unknown, so the entry stands for all of them.
EVERY_REGION = "*"


@dataclass(frozen=True)
class _Scope:
    """What every account of one collection shares."""

    session: boto3.Session
    caller: ClientFactory
    caller_account: str
    partition: str
    home_region: str
    regions: list[str]
    endpoint_url: str | None
    max_workers: int
    plan: AccountPlan | None
    progress: Progress
    keys: KeyDescriptions = field(default_factory=KeyDescriptions)  # each described once
    selection: Selection | None = None
    # Repositories a targeted scan asked for and did not find: {account_id, region, name}.
    absent: list[dict[str, str]] | None = None


def collect_snapshot(
    session: boto3.Session,
    regions: list[str],
    *,
    endpoint_url: str | None = None,
    max_workers: int = 8,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    clients: ClientFactory | None = None,
    accounts: AccountPlan | None = None,
    progress: Progress | None = None,
    selection: Selection | None = None,
) -> dict[str, Any]:
    """Collect the account behind `session`, or the accounts `accounts` plans, in `regions`
    (["all"] = every region each account has enabled); with `selection`, only the repositories
    (and network) it names, beside the registry settings (scanner.collect.targeted).

    Failed calls are recorded in the snapshot's `errors` objects. A failure that leaves a whole
    account or region unseen (the organisation's accounts, an account's enabled regions, a role
    that cannot be assumed) is also a top-level error naming the account and region, so the
    snapshot says it is incomplete; an account that cannot be entered becomes inventory entries
    whose every listing failed. Only a failure to identify the caller raises: InputError for
    missing or refused credentials, CollectionError otherwise. `clients` lets tests inject
    pre-built clients for the caller's account.

    `collection` records when collection started (before the first call) and finished (after
    the last answer); `collected_at`, the moment the snapshot stands for (ages are counted to
    it), is the finish.
    """
    check_region_names(regions)
    progress = progress or Progress.off()
    started = clock()
    progress.start()  # in a CI log, plain lines from the first call on
    # Closing the progress line ends it, so that an error message starts on its own; full
    # garbage collections wait (scanner.collect.full_gc says why).
    with contextlib.closing(progress), full_collections_held_back():
        clients = clients or ClientFactory(
            session, endpoint_url=endpoint_url, max_workers=max_workers
        )
        home_region = _home_region(session, regions)
        identity = identify_caller(clients, home_region)
        scope = _Scope(
            session=session,
            caller=clients,
            caller_account=identity["Account"],
            partition=identity["Arn"].split(":")[1],
            home_region=home_region,
            regions=regions,
            endpoint_url=endpoint_url,
            max_workers=max_workers,
            plan=accounts,
            progress=progress,
            selection=selection,
            absent=[],
        )
        errors: list[ErrorRecord] = []
        targets = _target_accounts(scope, errors)
        progress.add_accounts(len(targets))
        accounts: dict[str, _Account] = {}
        collected = map_concurrently(
            lambda account_id: _collect_account(scope, account_id, errors, accounts),
            targets,
            max_workers=max(1, min(MAX_CONCURRENT_ACCOUNTS, len(targets))),
            name="ecrscan-account",
        )
        region_names, inventory = _covered_regions(scope, collected), []
        for account_inventory in collected:
            inventory.extend(account_inventory)
        # Consumers name images in any scanned account: looked up once every account is listed.
        attach_referenced_images(inventory, _ecr_of(accounts), scope.max_workers)
    finished = clock()
    snapshot = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "ecrscan", "version": __version__},
        "collected_at": utc_text(finished),
        "collection": {"started_at": utc_text(started), "finished_at": utc_text(finished)},
        "account_id": scope.caller_account,
        "partition": scope.partition,
        "caller_arn": identity["Arn"],
        "accounts": targets,
        "regions": region_names,
        "errors": sorted(errors, key=_error_order),
        "inventory": inventory,
    }
    if selection is None:  # a targeted scan judges no consumer, so it reads no IAM
        snapshot["iam"] = {account_id: accounts[account_id].iam for account_id in targets}
    else:
        snapshot["selection"] = _chosen(selection, scope.absent)
    return snapshot


@dataclass
class _Account:
    """What one account's collection leaves for the steps that span accounts."""

    iam: dict[str, Any]
    clients: ClientFactory | None = None


def _ecr_of(accounts: dict[str, "_Account"]):
    def ecr(account_id: str, region: str):
        found = accounts.get(account_id)
        if found is None or found.clients is None:
            return None
        return found.clients.client("ecr", region)

    return ecr


def _target_accounts(scope: _Scope, errors: list[ErrorRecord]) -> list[str]:
    """The accounts to scan; none when the organisation cannot be listed (a top-level error:
    an audit of the accounts that happen to be known would read as the whole organisation)."""
    plan = scope.plan
    if plan is None:
        return [scope.caller_account]
    if plan.organization:
        organizations = scope.caller.client("organizations", scope.home_region)
        try:
            return organization_accounts(organizations)
        except OperationFailed as failure:
            errors.append(_scoped(failure.record, scope.caller_account, scope.home_region))
            return []
    return list(plan.account_ids)


def _scoped(record: ErrorRecord, account_id: str, region: str | None = None) -> ErrorRecord:
    """A top-level error record: the failed call, and the account (and region) it left unseen."""
    return {**record, "account_id": account_id} | ({"region": region} if region else {})


def _error_order(record: ErrorRecord) -> tuple[str, ...]:
    # Accounts are collected concurrently; the snapshot lists their errors in a stable order.
    return tuple(record.get(key, "") for key in ("account_id", "region", "operation", "code"))


def _covered_regions(scope: _Scope, collected: list[list[dict[str, Any]]]) -> list[str]:
    """The regions named (in order, once each), or under `all` every region some account has."""
    if not wants_all_regions(scope.regions):
        return list(dict.fromkeys(scope.regions))
    found = {entry["region"] for entries in collected for entry in entries}
    return sorted(found - {EVERY_REGION})


def _collect_account(
    scope: _Scope, account_id: str, errors: list[ErrorRecord], accounts: dict[str, _Account]
) -> list[dict[str, Any]]:
    """The inventory entries of one account; never raises for an account it cannot enter."""
    try:
        clients = _account_clients(scope, account_id)
    except OperationFailed as failure:
        errors.append(_scoped(failure.record, account_id))
        accounts[account_id] = _Account(iam_authorization.unreachable(failure.record))
        return _unreachable(scope, account_id, _named_regions(scope), failure.record)
    region_errors: list[ErrorRecord] = []
    region_names = _resolve_regions(clients, scope.home_region, scope.regions, region_errors)
    errors.extend(_scoped(error, account_id, scope.home_region) for error in region_errors)
    # The first thing each region asks for, built before IAM's client takes the client
    # factory's lock: the repository listings are the collection's critical path.
    for region in region_names[:MAX_CONCURRENT_REGIONS]:
        clients.client("ecr", region)
    # IAM is global: the roles and policies that pull and push are read once per account,
    # beside the regions (a large account's authorization details are many slow pages).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecrscan-iam") as beside:
        iam = (
            beside.submit(
                # The client is built there too: the regions need not wait for it.
                lambda: iam_authorization.collect_authorization(
                    clients.client("iam", scope.home_region)
                )
            )
            if scope.selection is None
            else None
        )
        try:
            if region_errors:
                # The account must still show up in the matrix, as ERROR, not as "none found".
                return _unreachable(scope, account_id, [EVERY_REGION], region_errors[0])
            return _collect_regions(scope, clients, account_id, region_names)
        finally:
            accounts[account_id] = _Account(iam.result() if iam else {}, clients)


def _collect_regions(
    scope: _Scope, clients: ClientFactory, account_id: str, region_names: list[str]
) -> list[dict[str, Any]]:
    """The inventory entries of an account's regions, collected beside each other."""
    scope.progress.add_regions(len(region_names))
    entries = map_concurrently(
        lambda region: _collect_watched_region(scope, clients, account_id, region),
        region_names,
        max_workers=max(1, min(MAX_CONCURRENT_REGIONS, len(region_names))),
        name="ecrscan-region",
    )
    scope.progress.account_done()
    return entries


def _account_clients(scope: _Scope, account_id: str) -> ClientFactory:
    """The caller's clients for the caller's own account; assumed-role clients for the others."""
    if account_id == scope.caller_account or scope.plan is None:
        return scope.caller
    member = assumed_role_session(
        scope.session,
        scope.caller.client("sts", scope.home_region),
        role_arn(scope.partition, account_id, scope.plan.role_name),
        scope.plan.external_id,
        scope.session.region_name,
    )
    return scope.caller.for_session(member)  # same endpoint, retry budget and deadline


def _named_regions(scope: _Scope) -> list[str]:
    if wants_all_regions(scope.regions):
        return [EVERY_REGION]
    return list(dict.fromkeys(scope.regions))


def _collect_watched_region(
    scope: _Scope, clients: ClientFactory, account_id: str, region: str
) -> dict[str, Any]:
    scope.progress.watch_listing(clients.client("ecr", region))
    entry = collect_region(
        clients, account_id, region, scope.max_workers, scope.keys, scope.selection, scope.absent
    )
    scope.progress.region_done(len(entry["repositories"] or ()), inventory_errors(entry))
    return entry


def _unreachable(
    scope: _Scope, account_id: str, regions: list[str], error: ErrorRecord
) -> list[dict[str, Any]]:
    """Entries for an account that could not be entered: nothing listed, every field undecided,
    so each of its cells is ERROR (naming the failed call) rather than absent from the matrix."""
    entries = [unreachable_region(account_id, region, error) for region in regions]
    scope.progress.add_regions(len(entries))
    for entry in entries:
        scope.progress.region_done(0, inventory_errors(entry))
    scope.progress.account_done()
    return entries


def _chosen(selection: Selection, absent: list[dict[str, str]] | None) -> dict[str, Any]:
    return selection.describe() | {"absent": sorted(absent or (), key=lambda a: tuple(a.values()))}


def _home_region(session: boto3.Session, regions: list[str]) -> str:
    """Where account-wide calls go: the session's region, else the first region named.

    A named region keeps those calls inside the right partition (aws-cn, aws-us-gov).
    """
    if session.region_name:
        return session.region_name
    return FALLBACK_REGION if wants_all_regions(regions) else regions[0]


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

"""One account's region: its inventory entry, collected part beside part, or the entry of a
region that could not be entered (every listing failed, so every cell is ERROR)."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord
from scanner.collect.consumers.region import add_nat_gateways, collect_consumers, consumer_errors
from scanner.collect.follow_up import FollowUp
from scanner.collect.kms_keys import KeyDescriptions
from scanner.collect.network import collect_network
from scanner.collect.registry import collect_registry
from scanner.collect.repositories import collect_repositories, list_repositories
from scanner.collect.session import ClientFactory
from scanner.collect.targeted import Selection, collect_selected

# Sent means on the wire: the server is busy with the listing from then on.
LISTING_SENT = "before-send.ecr.DescribeRepositories"
# Registry fields an unreachable account leaves undecided (see the schema's registry.errors).
_REGISTRY_FIELDS = (
    "scanningConfiguration",
    "replicationConfiguration",
    "registryPolicy",
    "pullThroughCacheRules",
    "repositoryCreationTemplates",
)


def collect_region(
    clients: ClientFactory,
    account_id: str,
    region: str,
    max_workers: int,
    keys: KeyDescriptions | None = None,
    selection: Selection | None = None,
    absent: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """One inventory entry. The registry and the network are collected beside the
    repositories, and each repository's KMS key and Inspector findings are asked for as soon
    as the repository is collected: a call made after the others leaves the server idle. A
    selection's names that were not found are appended to `absent` ({account_id, region,
    name})."""
    ecr = clients.client("ecr", region)
    errors: dict[str, ErrorRecord] = {}
    listing_sent = _Sent(ecr, LISTING_SENT)
    with listing_sent, ThreadPoolExecutor(4, thread_name_prefix="ecrscan-region-part") as beside:
        # The listing first: every per-repository call waits for it. The other parts' clients
        # are built once its request is on the wire, so that EC2's model (60 ms of parsing
        # that holds the GIL) is read while the server answers it, not after.
        listing = None
        if selection is None:
            listing = beside.submit(listing_sent.signalling_end, list_repositories, ecr)
        tagging = clients.client("resourcegroupstaggingapi", region)
        registry_job = beside.submit(collect_registry, ecr)
        if listing is not None:
            listing_sent.wait()
        network_job = beside.submit(_network, clients, region, selection)
        # A targeted scan (one repository) judges no consumer: it does not list them.
        consumers_job = (
            beside.submit(collect_consumers, clients, region, errors, max_workers)
            if selection is None
            else None
        )
        follow = FollowUp(clients, account_id, region, keys or KeyDescriptions(), registry_job)
        try:
            if selection is None:
                repositories = collect_repositories(
                    ecr, errors, max_workers, tagging, follow, listing=listing
                )
                missing = []
            else:
                repositories, missing = _targeted(
                    ecr, selection, errors, max_workers, tagging, follow
                )
        finally:
            follow.finish()
        registry, network = registry_job.result(), network_job.result()
        consumers = consumers_job.result() if consumers_job is not None else []
    if absent is not None:  # list.extend is atomic: regions run in threads
        absent.extend({"account_id": account_id, "region": region, "name": n} for n in missing)
    return {
        "account_id": account_id,
        "region": region,
        "registry": registry,
        "repositories": repositories,
        "network": network,
        "consumers": consumers,
        "errors": errors,
    }


class _Sent:
    """Set once a client has sent a request for `event` (a botocore before-send event), or the
    work that would send one has ended (it failed before sending, say): nobody waits for ever.
    Registered before the region's threads use the client, unregistered after them."""

    def __init__(self, client: BaseClient, event: str) -> None:
        self._client, self._event, self._sent = client, event, threading.Event()

    def __enter__(self) -> "_Sent":
        self._client.meta.events.register(self._event, self._on_send)
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.meta.events.unregister(self._event, self._on_send)

    def _on_send(self, **_) -> None:  # None: botocore goes on and sends the request
        self._sent.set()

    def signalling_end(self, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return function(*args)
        finally:
            self._sent.set()

    def wait(self) -> None:
        self._sent.wait()


def _targeted(ecr, selection, errors, max_workers, tagging, follow):
    """A targeted scan's records, each followed up like a full scan's; and the names absent."""
    repositories, missing = collect_selected(ecr, selection, errors, max_workers, tagging)
    for record in repositories or ():
        follow(record)
    return repositories, missing


def _network(clients: ClientFactory, region: str, selection: Selection | None) -> dict[str, Any]:
    if selection is None or selection.network:
        network = collect_network(clients.client("ec2", region))
        add_nat_gateways(clients, region, network)
        return network
    # Not asked for: the snapshot's `selection` says so, and VPC controls are not run on it.
    return {"vpcs": [], "errors": {}}


def unreachable_region(account_id: str, region: str, error: ErrorRecord) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "region": region,
        "registry": {
            "registryId": None,
            **dict.fromkeys(_REGISTRY_FIELDS),
            "derived": {"registryPolicy": None},
            "errors": {field: dict(error) for field in _REGISTRY_FIELDS},
        },
        "repositories": None,
        "network": {"vpcs": None, "natGateways": None, "errors": {"vpcs": dict(error)}},
        "consumers": None,
        "errors": {
            "repositories": dict(error),
            "ecsServices": dict(error),
            "lambdaFunctions": dict(error),
        },
    }


def inventory_errors(entry: dict[str, Any]) -> int:
    """How many error records one inventory entry holds, at every level."""
    count = (
        len(entry["errors"]) + len(entry["registry"]["errors"]) + len(entry["network"]["errors"])
    )
    count += consumer_errors(entry)
    return count + sum(len(r["errors"]) for r in entry["repositories"] or ())

"""One input document per consumer (ECS service, Lambda function), joined across the snapshot.

A consumer's verdicts depend on things that live elsewhere: the repository each image is in
(its mutability, policies, lifecycle rules and images, maybe in another account or region),
the role that pulls (in the IAM section of its account) and the route tables, endpoints and NAT
gateways of the subnets the pulls leave from. The document carries each of them beside the
reference that needs it, so every control judges one self-contained document; docs/policies.md
describes the shape.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from scanner.collect.consumers.image_uri import repository_arn
from scanner.evaluate import identities
from scanner.evaluate.snapshot_index import RegionNetwork, SnapshotIndex

_REPOSITORY_FIELDS = (
    "repositoryArn",
    "registryId",
    "repositoryName",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
)
_IMAGE_FIELDS = (
    "uri",
    "registry",
    "registryId",
    "region",
    "repositoryName",
    "tag",
    "digest",
    "resolvedDigest",
    "implicitTag",
    "container",
    "problem",
    "privateRegistryCredentials",
)
_ENDPOINT_FIELDS = (
    "VpcEndpointId",
    "VpcEndpointType",
    "ServiceName",
    "State",
    "PrivateDnsEnabled",
    "RouteTableIds",
)
_NETWORK_ERRORS = ("vpcs", "subnets", "routeTables", "vpcEndpoints", "natGateways")
# The consumer's own errors that leave its pulls' way out undecided.
_CONSUMER_NETWORK_ERRORS = ("containerInstances", "networkConfiguration")


def consumer_documents(
    index: SnapshotIndex, scope: dict[str, Any], collected_at: str, origin: str
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(consumer record, document) for each consumer of one inventory entry."""
    for consumer in scope.get("consumers") or ():
        yield consumer, _document(index, scope, consumer, collected_at, origin)


def _document(
    index: SnapshotIndex, scope: dict[str, Any], consumer: dict[str, Any], now: str, origin: str
) -> dict[str, Any]:
    account, region = scope["account_id"], scope["region"]
    derived = consumer["derived"]
    return {
        "account_id": account,
        "region": region,
        "origin": origin,
        "collected_at": now,
        "consumer": {
            "kind": consumer["kind"],
            "arn": consumer["arn"],
            "name": consumer["name"],
            "tags": _tags(consumer),
        },
        "images": [image_document(index, image) for image in derived["images"]],
        "identities": [identities.resolve(index, i, account) for i in derived["identities"]],
        "network": _network(index, (account, region), consumer, origin),
        "errors": consumer["errors"],
    }


def _tags(consumer: dict[str, Any]) -> list[dict[str, str]]:
    """Resource tags as [{Key, Value}], whichever spelling the service uses; anything else in
    a hand-made snapshot is no tag."""
    if consumer["kind"] == "lambda-function":
        tags = (consumer.get("function") or {}).get("Tags")
        return (
            [{"Key": k, "Value": str(v)} for k, v in sorted((tags or {}).items())]
            if isinstance(tags, dict)
            else []
        )
    listed = (consumer.get("service") or {}).get("tags")
    return [
        {"Key": t.get("key"), "Value": t.get("value")}
        for t in (listed if isinstance(listed, list) else [])
        if isinstance(t, dict) and isinstance(t.get("key"), str) and isinstance(t.get("value"), str)
    ]


# ---------------------------------------------------------------------------------------------
# Images and their repositories


def image_document(index: SnapshotIndex, image: dict[str, Any]) -> dict[str, Any]:
    """One image reference with its repository, as scanned, joined."""
    document = {f: image.get(f) for f in _IMAGE_FIELDS}
    document |= {
        "lookup": image.get("lookup", "not-scanned"),
        "imageDetail": image.get("imageDetail"),
        "repositoryArn": None,
        "repository": None,
        "newerImages": None,
        "pullThroughCache": None,
        "errors": image.get("errors") or {},
    }
    if image.get("registry") != "ecr" or not _names_a_repository(image):
        return document
    document["repositoryArn"] = repository_arn(index.partition, image)
    where = (image["registryId"], image["region"])
    document["pullThroughCache"] = _cache_rule(index, where, image["repositoryName"])
    record = index.repositories.get((*where, image["repositoryName"]))
    if record is not None:
        document["repository"] = _repository(record)
        document["newerImages"] = _newer_images(record, image.get("imageDetail"))
    return document


def _names_a_repository(image: dict[str, Any]) -> bool:
    return all(isinstance(image.get(f), str) for f in ("registryId", "region", "repositoryName"))


def _repository(record: dict[str, Any]) -> dict[str, Any]:
    repository = record["repository"]
    return {f: repository[f] for f in _REPOSITORY_FIELDS if f in repository} | {
        "lifecyclePolicy": record["derived"]["lifecyclePolicy"],
        "repositoryPolicy": record["derived"]["repositoryPolicy"],
        "errors": {
            k: v
            for k, v in record["errors"].items()
            if k in ("lifecyclePolicy", "repositoryPolicy", "images")
        },
    }


def _newer_images(record: dict[str, Any], detail: dict[str, Any] | None) -> list | None:
    """The repository's images pushed after the referenced one (push time and tags): the only
    ones that rank before it in an image-count lifecycle rule. None when unknown."""
    summary = record["derived"].get("imageSummary")
    listed = None if summary is None else summary.get("images")
    pushed = _moment((detail or {}).get("imagePushedAt"))
    if listed is None or pushed is None:
        return None
    return [
        {"imagePushedAt": i["imagePushedAt"], "imageTags": i.get("imageTags", [])}
        for i in listed
        if (_moment(i.get("imagePushedAt")) or pushed) > pushed
    ]


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _cache_rule(index: SnapshotIndex, where: tuple[str, str], name: str) -> dict[str, Any] | None:
    """The pull-through cache rule whose prefix holds the repository, if any: a pull through it
    creates the repository and fetches the image from the upstream registry on first use."""
    entry = index.entries.get(where)
    rules = ((entry or {}).get("registry") or {}).get("pullThroughCacheRules") or ()
    for rule in rules:
        prefix = rule.get("ecrRepositoryPrefix")
        if isinstance(prefix, str) and (prefix == "ROOT" or name.startswith(prefix + "/")):
            return {k: rule.get(k) for k in ("ecrRepositoryPrefix", "upstreamRegistryUrl")}
    return None


# ---------------------------------------------------------------------------------------------
# Where the pulls leave from


def _network(
    index: SnapshotIndex, where: tuple[str, str], consumer: dict[str, Any], origin: str
) -> dict:
    declared = consumer["derived"]["network"]
    file = (consumer.get("source") or {}).get("file")  # a planned consumer's own source
    network = index.network(where, file) or RegionNetwork(listed=False)
    errors = {k: v for k, v in network.errors.items() if k in _NETWORK_ERRORS}
    for key in _CONSUMER_NETWORK_ERRORS:
        if key in consumer["errors"]:
            errors[key] = consumer["errors"][key]
    locations = [_location(network, place, origin) for place in _places(consumer)]
    for location in locations:  # planned VPCs: what only apply tells about their routes
        for key, error in network.vpc_errors.get(str(location["VpcId"]), {}).items():
            if key in _NETWORK_ERRORS:
                errors.setdefault(key, error)
    return {
        "pullsFrom": declared.get("pullsFrom"),
        "launchType": declared.get("launchType"),
        "assignPublicIp": declared.get("assignPublicIp"),
        "locations": locations,
        "errors": errors,
    }


def _places(consumer: dict[str, Any]) -> list[dict[str, Any]]:
    """Each subnet a pull may leave from, with whether it has a public address."""
    declared = consumer["derived"]["network"]
    if declared.get("pullsFrom") == "task":
        public = declared.get("assignPublicIp") == "ENABLED"
        return [
            {"SubnetId": s, "publicIp": public, "InstanceId": None} for s in declared["subnets"]
        ]
    if declared.get("pullsFrom") == "container-instance":
        return [
            {
                "SubnetId": i.get("SubnetId"),
                "publicIp": bool(i.get("PublicIpAddress")),
                "InstanceId": i.get("InstanceId"),
            }
            for i in consumer.get("containerInstances") or ()
        ]
    return []


def _location(network: RegionNetwork, place: dict[str, Any], origin: str) -> dict[str, Any]:
    subnet = network.subnets.get(str(place["SubnetId"]))
    if subnet is None:
        return place | {"found": False, "VpcId": None, "routeTable": None, "vpcEndpoints": []}
    table = network.table_of(subnet)
    return place | {
        "found": True,
        "VpcId": subnet.get("VpcId"),
        "routeTable": None if table is None else _table(network, table, origin),
        "vpcEndpoints": [
            {f: e[f] for f in _ENDPOINT_FIELDS if f in e}
            for e in network.endpoints.get(subnet.get("VpcId", ""), [])
        ],
    }


def _table(network: RegionNetwork, table: dict[str, Any], origin: str) -> dict[str, Any]:
    """A route table's id and routes, each NAT gateway route with the gateway it names."""
    routes = []
    for route in table.get("Routes") or ():
        routes.append(route | _nat(network, route.get("NatGatewayId"), origin))
    return {"RouteTableId": table.get("RouteTableId"), "Routes": routes}


def _nat(network: RegionNetwork, gateway_id: Any, origin: str) -> dict[str, Any]:
    """{"natGateway": the gateway, with the routes of its own subnet's table}, for a NAT route:
    a NAT gateway reaches the internet only from a subnet that routes to an internet gateway.
    A gateway planned infrastructure does not declare may exist: unknown, never missing."""
    if not gateway_id:
        return {}
    if network.nat_gateways is None:
        return {"natGateway": None}
    gateway = network.nat_gateways.get(gateway_id)
    if gateway is None and origin == "iac":
        return {"natGateway": None}
    if gateway is None:
        return {"natGateway": {"NatGatewayId": gateway_id, "State": "missing"}}
    subnet = network.subnets.get(str(gateway.get("SubnetId")))
    table = None if subnet is None else network.table_of(subnet)
    return {
        "natGateway": {k: v for k, v in gateway.items() if k != "source"}
        | {"subnetRoutes": None if table is None else table.get("Routes") or []}
    }

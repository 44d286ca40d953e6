"""The consumers of one account and region, and the region's NAT gateways: the hooks the
collector calls beside its repository, registry and network collection."""

from typing import Any

from scanner.collect.calls import ErrorRecord
from scanner.collect.consumers.ecs_services import collect_ecs_services
from scanner.collect.consumers.lambda_functions import collect_lambda_functions
from scanner.collect.consumers.nat_gateways import collect_nat_gateways
from scanner.collect.session import ClientFactory

# The region errors keys of the consumer listings; each marks a kind of consumer whose rows
# could not all be listed (scanner.evaluate.documents turns it into an ERROR row "*").
LISTING_ERRORS = {"ecsServices": "ecs-service", "lambdaFunctions": "lambda-function"}


def collect_consumers(
    clients: ClientFactory, region: str, errors: dict[str, ErrorRecord], max_workers: int
) -> list[dict[str, Any]] | None:
    """ECS services and image Lambda functions; None when neither could be listed."""
    services = collect_ecs_services(
        clients.client("ecs", region), clients.client("ec2", region), errors, max_workers
    )
    functions = collect_lambda_functions(clients.client("lambda", region), errors, max_workers)
    if services is None and functions is None:
        return None
    return (services or []) + (functions or [])


def add_nat_gateways(clients: ClientFactory, region: str, network: dict[str, Any]) -> None:
    network["natGateways"] = collect_nat_gateways(clients.client("ec2", region), network["errors"])


def consumer_errors(entry: dict[str, Any]) -> int:
    """How many error records the consumers of one inventory entry hold."""
    total = 0
    for consumer in entry.get("consumers") or ():
        total += len(consumer["errors"])
        total += sum(len(image["errors"]) for image in consumer["derived"]["images"])
    return total

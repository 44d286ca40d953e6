"""What the consumer collection costs in requests: per ECS service, per Lambda function, and the
once-per-account or once-per-region calls, from the counts of a collection with consumers."""

from typing import Any

from bench.moto_consumers import consumer_counts

# The operations the consumer collection adds, by what they scale with.
PER_SERVICE = ("ecs:ListServices", "ecs:DescribeServices", "ecs:DescribeTaskDefinition")
PER_CLUSTER = (
    "ecs:ListClusters",
    "ecs:ListContainerInstances",
    "ecs:DescribeContainerInstances",
    "ec2:DescribeInstances",
)
PER_FUNCTION = ("lambda:ListFunctions", "lambda:GetFunction")
ONCE = ("iam:GetAccountAuthorizationDetails", "ec2:DescribeNatGateways")
IMAGES = ("ecr:DescribeImages(imageIds)",)


def consumer_requests(repositories: int, counts: dict[str, int], figures: dict) -> dict[str, Any]:
    services, functions = consumer_counts(repositories)

    def total(operations: tuple[str, ...]) -> int:
        return sum(counts.get(op, 0) for op in operations)

    ecs = total(PER_SERVICE) + total(PER_CLUSTER)
    lam = total(PER_FUNCTION)
    return {
        "services": services,
        "functions": functions,
        "services_collected": figures.get("services_collected"),
        "functions_collected": figures.get("functions_collected"),
        "ecs_requests": ecs,
        "ecs_requests_per_service": round(ecs / services, 2),
        "lambda_requests": lam,
        "lambda_requests_per_function": round(lam / functions, 2),
        "image_lookups": total(IMAGES),
        "image_lookups_per_consumer": round(total(IMAGES) / (services + functions), 2),
        "once_per_account_or_region": total(ONCE),
        "added_requests": ecs + lam + total(IMAGES) + total(ONCE),
        "by_operation": {
            op: counts.get(op, 0) for op in PER_SERVICE + PER_CLUSTER + PER_FUNCTION + ONCE + IMAGES
        },
    }

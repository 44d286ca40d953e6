"""The container instances of an ECS cluster: where EC2-hosted tasks pull their images from.

Images of EC2-launched tasks are pulled by the container agent on the instance, through the
instance's subnet, with the task definition's execution role or else the instance profile's
role. Requests per cluster: ListContainerInstances pages, one DescribeContainerInstances per 100
instances, one DescribeInstances per 100. The profile's role is read from the account's
authorization details (scanner.collect.consumers.iam_authorization), not asked again.
"""

from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, call, paginate
from scanner.collect.jsonable import to_json

BATCH = 100  # DescribeContainerInstances' limit; DescribeInstances is asked as many at a time
INSTANCE_FIELDS = (
    "InstanceId",
    "SubnetId",
    "VpcId",
    "PublicIpAddress",
    "IamInstanceProfile",
    "State",
)


@dataclass(frozen=True)
class ClusterInstances:
    """The cluster's instances (EC2 fields of each), or None with the error that stopped it."""

    instances: list[dict[str, Any]] | None
    error: ErrorRecord | None = None

    def profile_arns(self) -> list[str]:
        return sorted(
            {
                i["IamInstanceProfile"]["Arn"]
                for i in self.instances or ()
                if (i.get("IamInstanceProfile") or {}).get("Arn")
            }
        )


def cluster_instances(ecs: BaseClient, ec2: BaseClient, cluster: str) -> ClusterInstances:
    try:
        return ClusterInstances(_instances(ecs, ec2, cluster))
    except OperationFailed as failure:
        return ClusterInstances(None, failure.record)


def _instances(ecs: BaseClient, ec2: BaseClient, cluster: str) -> list[dict[str, Any]]:
    arns = paginate(ecs, "ListContainerInstances", "containerInstanceArns", cluster=cluster)
    ids: list[str] = []
    for start in range(0, len(arns), BATCH):
        answer = call(
            ecs,
            "DescribeContainerInstances",
            cluster=cluster,
            containerInstances=arns[start : start + BATCH],
        )
        ids += [
            c["ec2InstanceId"]
            for c in answer.get("containerInstances", [])
            if c.get("ec2InstanceId")
        ]
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH):
        reservations = paginate(
            ec2, "DescribeInstances", "Reservations", InstanceIds=ids[start : start + BATCH]
        )
        found += [
            {f: i[f] for f in INSTANCE_FIELDS if f in i}
            for r in reservations
            for i in r.get("Instances", [])
        ]
    return to_json(sorted(found, key=lambda i: i["InstanceId"]))

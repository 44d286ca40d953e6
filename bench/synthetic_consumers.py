"""Consumers for a synthetic estate: ECS services and Lambda functions with every shape the
consumer controls judge, and the IAM sections their roles live in.

Images found, missing, in a repository that does not exist, in another region or account, in
Docker Hub, or not an image at all; roles allowed by an AWS managed policy, by nothing, denied,
fenced by a boundary, guarded by a condition on aws:SourceVpce, trusting the wrong service, or in
an account whose IAM could not be read; subnets with endpoints, NAT routes (to available, private
and deleted gateways), internet routes, transit gateways; lifecycle rules that keep or expire.
Deterministic for a seed, like bench.synthetic.
"""

import random
from typing import Any

from bench.synthetic import _LIFECYCLE

EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
PULL_ACTIONS = ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
KEEP_FEW = {
    "rules": [
        _LIFECYCLE["rules"][0],  # untagged images for 14 days
        {
            "rulePriority": 2,
            "description": "keep three",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3},
            "action": {"type": "expire"},
        },
    ]
}


def _statement(effect: str, actions, resource="*", **extra) -> dict[str, Any]:
    return {"Effect": effect, "Action": actions, "Resource": resource, **extra}


def _trust(service: str) -> dict[str, Any]:
    return {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ]
    }


# name -> (inline statements, attach the managed policy, boundary statements, trusted service)
ROLES = {
    "exec-managed": ([], True, None, "ecs-tasks.amazonaws.com"),
    "exec-logs": ([_statement("Allow", ["logs:*"])], False, None, "ecs-tasks.amazonaws.com"),
    "exec-denied": (
        [
            {
                "Sid": "Fence",
                "Effect": "Deny",
                "Action": "ecr:*",
                "NotResource": "arn:aws:ecr:*:*:repository/base/*",
            }
        ],
        True,
        None,
        "ecs-tasks.amazonaws.com",
    ),
    "exec-boundary": (
        [],
        True,
        [_statement("Allow", ["logs:*", "ecr:GetAuthorizationToken"])],
        "ecs-tasks.amazonaws.com",
    ),
    "exec-vpce": (
        [_statement("Allow", "ecr:*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}})],
        False,
        None,
        "ecs-tasks.amazonaws.com",
    ),
    "exec-wrong-trust": ([], True, None, "ec2.amazonaws.com"),
    "instance": ([_statement("Allow", PULL_ACTIONS)], False, None, "ec2.amazonaws.com"),
}


def add_consumers(snapshot: dict[str, Any], seed: int) -> None:
    """Give every inventory entry consumers, its network NAT gateways, and the snapshot IAM."""
    rng = random.Random(seed)
    accounts = sorted({entry["account_id"] for entry in snapshot["inventory"]})
    snapshot["iam"] = {account: _iam(rng, account) for account in accounts}
    everywhere = [
        (entry, record) for entry in snapshot["inventory"] for record in entry["repositories"] or ()
    ]
    for entry in snapshot["inventory"]:
        _nat_gateways(rng, entry)
        repositories = entry["repositories"] or []
        count = max(1, len(repositories) // 10)
        entry["consumers"] = [
            _consumer(rng, entry, n, repositories, everywhere) for n in range(count)
        ]
        if rng.random() < 0.05:
            entry["errors"]["lambdaFunctions"] = {
                "operation": "ListFunctions",
                "code": "AccessDeniedException",
                "message": "denied",
            }


def _iam(rng: random.Random, account: str) -> dict[str, Any]:
    if rng.random() < 0.1:
        error = {
            "operation": "GetAccountAuthorizationDetails",
            "code": "AccessDenied",
            "message": "no",
        }
        return {"roles": None, "policies": None, "errors": {"authorizationDetails": error}}
    roles = []
    for name, (inline, managed, boundary, trusted) in ROLES.items():
        role = {
            "Arn": f"arn:aws:iam::{account}:role/{name}",
            "RoleName": name,
            "Path": "/",
            "AssumeRolePolicyDocument": _trust(trusted),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": {"Statement": inline}}]
            if inline
            else [],
            "AttachedManagedPolicies": [
                {"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": EXECUTION}
            ]
            if managed
            else [],
            "InstanceProfileList": [
                {
                    "Arn": f"arn:aws:iam::{account}:instance-profile/{name}",
                    "InstanceProfileName": name,
                }
            ],
        }
        if boundary:
            role["PermissionsBoundary"] = {
                "PermissionsBoundaryArn": f"arn:aws:iam::{account}:policy/boundary"
            }
        roles.append(role)
    policies = [
        {
            "Arn": EXECUTION,
            "PolicyName": "AmazonECSTaskExecutionRolePolicy",
            "Document": {"Statement": [_statement("Allow", PULL_ACTIONS)]},
        },
        {
            "Arn": f"arn:aws:iam::{account}:policy/boundary",
            "PolicyName": "boundary",
            "Document": {"Statement": ROLES["exec-boundary"][2]},
        },
    ]
    return {"roles": roles, "policies": policies, "errors": {}}


def _nat_gateways(rng: random.Random, entry: dict[str, Any]) -> None:
    """Route some VPCs' main tables to a NAT gateway (available, private or deleted) or a
    transit gateway, and list the gateways."""
    gateways = []
    for vpc in entry["network"]["vpcs"] or ():
        table = vpc["routeTables"][0]
        if (
            any(r.get("GatewayId", "").startswith("igw-") for r in table["Routes"])
            or rng.random() < 0.4
        ):
            continue
        if rng.random() < 0.15:
            table["Routes"].append(
                {
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "TransitGatewayId": "tgw-1",
                    "State": "active",
                }
            )
            continue
        nat = f"nat-{vpc['vpc']['VpcId'][4:]}"
        table["Routes"].append(
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"}
        )
        state, connectivity = rng.choice(
            [("available", "public")] * 4 + [("available", "private"), ("deleted", "public")]
        )
        gateways.append(
            {
                "NatGatewayId": nat,
                "VpcId": vpc["vpc"]["VpcId"],
                "SubnetId": vpc["subnets"][0]["SubnetId"],
                "State": state,
                "ConnectivityType": connectivity,
            }
        )
    entry["network"]["natGateways"] = gateways


def _consumer(rng, entry, number, repositories, everywhere) -> dict[str, Any]:
    account, region = entry["account_id"], entry["region"]
    lambda_kind = rng.random() < 0.2
    images = [_reference(rng, entry, repositories, everywhere) for _ in range(rng.randint(1, 3))]
    errors = {}
    if rng.random() < 0.03:
        errors["taskDefinitions"] = {
            "operation": "DescribeTaskDefinition",
            "code": "ThrottlingException",
            "message": "slow",
        }
        images = []
    if lambda_kind:
        arn = f"arn:aws:lambda:{region}:{account}:function:fn-{number}"
        return {
            "kind": "lambda-function",
            "arn": arn,
            "name": f"fn-{number}",
            "function": {
                "Configuration": {"FunctionArn": arn},
                "Code": {},
                "Tags": {"env": rng.choice(["prod", "dev"])},
            },
            "derived": {
                "images": images,
                "identities": [{"kind": "lambda-service", "functionArn": arn}],
                "network": {"pullsFrom": "lambda-service", "subnets": []},
            },
            "errors": {},
        }
    return _service(rng, entry, number, images, errors)


def _service(rng, entry, number, images, errors) -> dict[str, Any]:
    account, region = entry["account_id"], entry["region"]
    subnets = [s["SubnetId"] for v in entry["network"]["vpcs"] or () for s in v["subnets"]] or [
        "subnet-gone"
    ]
    on_ec2 = rng.random() < 0.2
    instances = None
    if on_ec2:
        role = rng.choice(["instance", "exec-wrong-trust"])
        identities = [
            {
                "kind": "container-instance-role",
                "instanceProfileArn": f"arn:aws:iam::{account}:instance-profile/{role}",
            }
        ]
        instances = [
            {
                "InstanceId": f"i-{number}",
                "SubnetId": rng.choice(subnets),
                **({"PublicIpAddress": "1.2.3.4"} if rng.random() < 0.5 else {}),
            }
        ]
        network = {
            "pullsFrom": "container-instance",
            "launchType": "EC2",
            "subnets": [],
            "assignPublicIp": None,
        }
    else:
        identity = rng.choice([*list(ROLES)[:-1], "none", "other-account"])
        identities = [_identity(identity, account)]
        network = {
            "pullsFrom": "task",
            "launchType": "FARGATE",
            "subnets": rng.sample([*subnets, "subnet-gone"], 1),
            "assignPublicIp": rng.choice(["ENABLED", "DISABLED", None]),
        }
    return {
        "kind": "ecs-service",
        "arn": f"arn:aws:ecs:{region}:{account}:service/c{number % 3}/svc-{number}",
        "name": f"c{number % 3}/svc-{number}",
        "service": {"tags": [{"key": "env", "value": rng.choice(["prod", "dev"])}]},
        "taskDefinitions": [],
        "containerInstances": instances,
        "derived": {"images": images, "identities": identities, "network": network},
        "errors": errors,
    }


def _identity(name: str, account: str) -> dict[str, Any]:
    if name == "none":
        return {"kind": "none", "launchType": "FARGATE"}
    if name == "other-account":
        return {"kind": "execution-role", "arn": "arn:aws:iam::555566667777:role/shared"}
    return {"kind": "execution-role", "arn": f"arn:aws:iam::{account}:role/{name}"}


def _reference(rng, entry, repositories, everywhere) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.1:
        return _parsed("nginx:1.27", "docker-hub", None, None, "library/nginx", "1.27", "not-ecr")
    if roll < 0.12:
        return _parsed("Not An Image", "invalid", None, None, None, None, "not-ecr")
    if roll < 0.2 or not repositories:
        return _parsed(
            "x", "ecr", entry["account_id"], entry["region"], "gone/app", "1", "no-repository"
        )
    if roll < 0.3:
        other_entry, record = rng.choice(everywhere)
        return _found(rng, other_entry["account_id"], other_entry["region"], record)
    if roll < 0.35:
        return _parsed(
            "x", "ecr", "555566667777", entry["region"], "shared/base", "2", "not-scanned"
        )
    return _found(rng, entry["account_id"], entry["region"], rng.choice(repositories))


def _found(rng, account, region, record) -> dict[str, Any]:
    name = record["repository"]["repositoryName"]
    summary = record["derived"]["imageSummary"]
    if summary is None or not summary["imageCount"] or rng.random() < 0.15:
        return _parsed("x", "ecr", account, region, name, "missing", "missing")
    images = summary.setdefault("images", _compact(rng, summary["imageCount"]))
    if rng.random() < 0.2 and record["derived"]["lifecyclePolicy"] is not None:
        record["derived"]["lifecyclePolicy"] = {"document": KEEP_FEW}
    picked = rng.choice(images)
    tags = picked.get("imageTags", [])
    reference = _parsed("x", "ecr", account, region, name, tags[0] if tags else None, "found")
    if not tags:
        reference["digest"] = "sha256:" + "ab" * 32
    reference["imageDetail"] = {
        "imageDigest": "sha256:" + "cd" * 32,
        "imageTags": tags,
        "imagePushedAt": picked["imagePushedAt"],
    }
    return reference


def _compact(rng, count: int) -> list[dict[str, Any]]:
    days = sorted(rng.sample(range(1, 400), min(count, 60)))
    return [
        {
            "imagePushedAt": f"2026-{1 + day // 31 % 11:02d}-{1 + day % 28:02d}T08:00:00+00:00",
            **({"imageTags": [f"v{n}"]} if rng.random() < 0.8 else {}),
        }
        for n, day in enumerate(days)
    ]


def _parsed(uri, registry, account, region, name, tag, lookup) -> dict[str, Any]:
    return {
        "uri": uri,
        "registry": registry,
        "host": None,
        "registryId": account,
        "region": region,
        "repositoryName": name,
        "tag": tag,
        "digest": None,
        "resolvedDigest": None,
        "implicitTag": False,
        "container": "app",
        "taskDefinitionArn": None,
        "privateRegistryCredentials": False,
        "lookup": lookup,
        "imageDetail": None,
        "errors": {},
    }

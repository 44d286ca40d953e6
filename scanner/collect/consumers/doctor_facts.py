"""What `ecrscan doctor` needs to tell whether one image would pull (or push), and nothing more.

The answer is a small snapshot of the same shape a collection writes, so the same documents and
controls judge it: the image's repository (DescribeRepositories by name, its policy, the image by
tag or digest), the identity (one role read with GetRole and its policies, not the whole
account), and for a service or function its record and the network of its subnets' VPCs.
"""

from typing import Any

from botocore.client import BaseClient

from scanner.collect.calls import ErrorRecord, OperationFailed, attempt, call, paginate
from scanner.collect.consumers.ecs_services import service_records
from scanner.collect.consumers.iam_authorization import policy_document
from scanner.collect.consumers.lambda_functions import function_record
from scanner.collect.consumers.referenced_images import look_up
from scanner.collect.credentials import identify_caller
from scanner.collect.jsonable import response_body, to_json
from scanner.collect.policy_text import parse_optional_policy_text
from scanner.collect.session import ClientFactory

REPOSITORY_ABSENT = "RepositoryNotFoundException"


def repository_entry(
    clients: ClientFactory, image: dict[str, Any], references: list[dict[str, Any]]
) -> dict[str, Any]:
    """The inventory entry of the image's registry: its repository (or none) and, looked up on
    each reference, the image."""
    account, region, name = image["registryId"], image["region"], image["repositoryName"]
    ecr = clients.client("ecr", region)
    errors: dict[str, ErrorRecord] = {}
    listed = attempt(
        errors,
        "repositories",
        lambda: paginate(
            ecr, "DescribeRepositories", "repositories", registryId=account, repositoryNames=[name]
        ),
        absent_codes=(REPOSITORY_ABSENT,),
    )
    repositories = (
        None if "repositories" in errors else [_repository(ecr, r) for r in to_json(listed or [])]
    )
    if repositories:
        look_up(ecr, (account, region, name), references)
    else:
        state = "failed" if repositories is None else "no-repository"
        for reference in references:
            reference.update(lookup=state, imageDetail=None)
            if repositories is None:
                reference["errors"]["imageDetail"] = errors["repositories"]
    return _entry(account, region, repositories=repositories, errors=errors)


def _repository(ecr: BaseClient, repository: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, ErrorRecord] = {}
    policy = attempt(
        errors,
        "repositoryPolicy",
        lambda: response_body(
            call(
                ecr,
                "GetRepositoryPolicy",
                registryId=repository["registryId"],
                repositoryName=repository["repositoryName"],
            )
        ),
        absent_codes=("RepositoryPolicyNotFoundException",),
    )
    return {
        "repository": repository,
        "tags": [],
        "lifecyclePolicy": None,
        "repositoryPolicy": policy,
        "scanningConfiguration": None,
        "derived": {
            "lifecyclePolicy": None,
            "repositoryPolicy": parse_optional_policy_text((policy or {}).get("policyText")),
            "imageSummary": None,
        },
        "errors": errors,
    }


def _entry(account: str, region: str, **fields: Any) -> dict[str, Any]:
    entry = {
        "account_id": account,
        "region": region,
        "registry": {
            "registryId": account,
            "scanningConfiguration": None,
            "replicationConfiguration": None,
            "registryPolicy": None,
            "derived": {"registryPolicy": None},
            "errors": {},
        },
        "repositories": [],
        "network": {"vpcs": [], "natGateways": [], "errors": {}},
        "consumers": [],
        "errors": {},
    }
    return entry | fields


# ---------------------------------------------------------------------------------------------
# A service or a function, and the network its pulls leave through


def consumer_entry(
    clients: ClientFactory, account: str, region: str, *, service: str | None, function: str | None
) -> dict[str, Any]:
    """The entry holding the one service (CLUSTER/SERVICE) or function, with its network. A
    consumer that does not exist raises LookupError; one that could not be read, OperationFailed."""
    if service is not None:
        cluster, _, name = service.partition("/")
        ecs, ec2 = clients.client("ecs", region), clients.client("ec2", region)
        try:
            answer = call(
                ecs, "DescribeServices", cluster=cluster, services=[name], include=["TAGS"]
            )
        except OperationFailed as failure:
            if failure.code == "ClusterNotFoundException":
                raise LookupError(f"no cluster {cluster!r} in {region}") from None
            raise
        found = [s for s in to_json(answer.get("services", [])) if s.get("status") != "INACTIVE"]
        if not found:
            raise LookupError(f"no service {name!r} in cluster {cluster!r} ({region})")
        [record] = service_records(ecs, ec2, found, max_workers=4)
    else:
        lam = clients.client("lambda", region)
        try:
            arn = call(lam, "GetFunction", FunctionName=function)["Configuration"]["FunctionArn"]
        except OperationFailed as failure:
            if failure.code == "ResourceNotFoundException":
                raise LookupError(f"no function {function!r} in {region}") from None
            raise
        record = function_record(lam, {"FunctionArn": arn, "FunctionName": function})
    network = vpc_network(clients.client("ec2", region), _subnets_of(record))
    return _entry(account, region, consumers=[record], network=network)


def _subnets_of(record: dict[str, Any]) -> list[str]:
    if record["derived"]["network"].get("pullsFrom") == "container-instance":
        return sorted(
            {i["SubnetId"] for i in record.get("containerInstances") or () if i.get("SubnetId")}
        )
    if record["derived"]["network"].get("pullsFrom") == "task":
        return list(record["derived"]["network"]["subnets"])
    return []


def vpc_network(ec2: BaseClient, subnet_ids: list[str]) -> dict[str, Any]:
    """The VPCs of these subnets with every subnet, route table, endpoint and NAT gateway they
    hold (a NAT gateway's own subnet decides whether it reaches the internet)."""
    errors: dict[str, ErrorRecord] = {}
    if not subnet_ids:
        return {"vpcs": [], "natGateways": [], "errors": errors}
    named = attempt(
        errors,
        "subnets",
        lambda: _list(
            ec2, "DescribeSubnets", "Subnets", Filters=[_filter("subnet-id", subnet_ids)]
        ),
    )
    vpc_ids = sorted({s["VpcId"] for s in named or ()})
    if not vpc_ids:
        return {"vpcs": None if named is None else [], "natGateways": [], "errors": errors}
    where = [_filter("vpc-id", vpc_ids)]
    parts = {
        key: attempt(
            errors, key, lambda op=op, result=result: _list(ec2, op, result, Filters=where)
        )
        or []
        for key, op, result in (
            ("subnets", "DescribeSubnets", "Subnets"),
            ("routeTables", "DescribeRouteTables", "RouteTables"),
            ("vpcEndpoints", "DescribeVpcEndpoints", "VpcEndpoints"),
        )
    }
    gateways = attempt(
        errors,
        "natGateways",
        lambda: _list(ec2, "DescribeNatGateways", "NatGateways", Filter=where),
    )
    vpcs = [
        {
            "vpc": {"VpcId": vpc_id},
            **{
                key: [item for item in items if item.get("VpcId") == vpc_id]
                for key, items in parts.items()
            },
            "derived": {"vpcEndpointPolicies": {}},
        }
        for vpc_id in vpc_ids
    ]
    return {"vpcs": vpcs, "natGateways": gateways, "errors": errors}


def _filter(name: str, values: list[str]) -> dict[str, Any]:
    return {"Name": name, "Values": values}


def _list(ec2: BaseClient, operation: str, result: str, **params: Any) -> list[dict[str, Any]]:
    return to_json(paginate(ec2, operation, result, **params))


# ---------------------------------------------------------------------------------------------
# One role, read alone


def role_section(iam: BaseClient, name: str) -> dict[str, Any]:
    """The account's IAM section holding just this role (by name or ARN): [] when it does not
    exist, None with errors when it could not be read."""
    errors: dict[str, ErrorRecord] = {}
    try:
        role = _role(iam, name.rsplit("/", 1)[-1])
    except OperationFailed as failure:
        if failure.code == "NoSuchEntity":
            return {"roles": [], "policies": [], "errors": {}}
        errors["authorizationDetails"] = failure.record
        return {"roles": None, "policies": None, "errors": errors}
    return role


def instance_profile_role(iam: BaseClient, profile_arn: str) -> str | None:
    """The role name behind an instance profile (GetInstanceProfile), None if it has none."""
    profile = call(iam, "GetInstanceProfile", InstanceProfileName=profile_arn.rsplit("/", 1)[-1])
    roles = profile["InstanceProfile"].get("Roles") or []
    return roles[0]["RoleName"] if roles else None


def _role(iam: BaseClient, name: str) -> dict[str, Any]:
    role = to_json(call(iam, "GetRole", RoleName=name)["Role"])
    inline = [
        {
            "PolicyName": policy,
            "PolicyDocument": policy_document(
                call(iam, "GetRolePolicy", RoleName=name, PolicyName=policy)["PolicyDocument"]
            ),
        }
        for policy in paginate(iam, "ListRolePolicies", "PolicyNames", RoleName=name)
    ]
    attached = to_json(paginate(iam, "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    managed = [p["PolicyArn"] for p in attached] + ([boundary] if boundary else [])
    return {
        "roles": [
            {
                "Arn": role["Arn"],
                "RoleName": role["RoleName"],
                "Path": role.get("Path"),
                "AssumeRolePolicyDocument": policy_document(role.get("AssumeRolePolicyDocument")),
                "RolePolicyList": inline,
                "AttachedManagedPolicies": attached,
                "PermissionsBoundary": role.get("PermissionsBoundary"),
                "InstanceProfileList": [],
            }
        ],
        "policies": [_managed(iam, arn) for arn in dict.fromkeys(managed)],
        "errors": {},
    }


def _managed(iam: BaseClient, arn: str) -> dict[str, Any]:
    policy = call(iam, "GetPolicy", PolicyArn=arn)["Policy"]
    version = call(iam, "GetPolicyVersion", PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    return to_json(
        {
            "Arn": arn,
            "PolicyName": policy.get("PolicyName"),
            "DefaultVersionId": policy["DefaultVersionId"],
            "Document": policy_document(version["PolicyVersion"].get("Document")),
        }
    )


# ---------------------------------------------------------------------------------------------
# The whole small snapshot


def doctor_snapshot(
    clients: ClientFactory,
    image: dict[str, Any],
    *,
    region: str,
    role: str | None = None,
    service: str | None = None,
    function: str | None = None,
    now: str,
) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """A snapshot of what pulling (or pushing) `image` involves, the image's reference in it
    (looked up), and the role judged: `role`, else (without a service or function) the
    caller's own, None when the caller is no role. Raises LookupError for a service or function
    that does not exist; identify_caller's errors when the caller cannot be identified."""
    identity = identify_caller(clients, region)
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    if role is None and service is None and function is None:
        role = caller_role(identity["Arn"])
    reference = dict(image, errors={}, resolvedDigest=None, container=None, taskDefinitionArn=None)
    entries = [repository_entry(clients, image, [reference])]
    if service is not None or function is not None:
        entries.append(consumer_entry(clients, account, region, service=service, function=function))
    snapshot = {
        "schema_version": 1,
        "tool": {"name": "ecrscan", "version": "doctor"},
        "collected_at": now,
        "account_id": account,
        "partition": partition,
        "caller_arn": identity["Arn"],
        "regions": [region],
        "errors": [],
        "inventory": entries,
        "iam": {account: _roles_of(clients.client("iam", region), account, entries, role)},
    }
    return snapshot, reference, role


def caller_role(arn: str) -> str | None:
    """The role behind assumed-role credentials (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION);
    IAM drops a role's path from that ARN, so the role is read back by name."""
    parts = arn.split(":")
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        return arn
    return None


def _roles_of(
    iam: BaseClient, account: str, entries: list[dict[str, Any]], role: str | None
) -> dict[str, Any]:
    """The IAM section of the caller's account holding the roles involved: the named one, or
    each role the consumer pulls with (an instance profile's through GetInstanceProfile). Roles
    of another account cannot be read with the caller's credentials and stay out: the
    documents then say that account's IAM is not in the snapshot."""
    wanted: dict[str, list[str]] = {role: []} if role else {}
    identities = [
        identity
        for entry in entries
        for consumer in entry["consumers"] or ()
        for identity in consumer["derived"]["identities"]
    ]
    failed: dict[str, ErrorRecord] = {}
    for identity in identities:
        if identity.get("kind") == "execution-role":
            wanted.setdefault(identity["arn"], [])
        elif identity.get("kind") == "container-instance-role":
            profile = identity["instanceProfileArn"]
            name = attempt(
                failed, "authorizationDetails", lambda p=profile: instance_profile_role(iam, p)
            )
            if name:
                wanted.setdefault(name, []).append(profile)
    if failed:  # a profile whose role is unknown: its pulls cannot be judged
        return {"roles": None, "policies": None, "errors": failed}
    section: dict[str, Any] = {"roles": [], "policies": [], "errors": {}}
    for name, profiles in wanted.items():
        if name.startswith("arn:") and name.split(":")[4] != account:
            continue
        found = role_section(iam, name)
        if found["roles"] is None:
            return found
        for role_detail in found["roles"]:
            role_detail["InstanceProfileList"] = [
                {"Arn": p, "InstanceProfileName": p.rsplit("/", 1)[-1]} for p in profiles
            ]
        section["roles"] += found["roles"]
        section["policies"] += found["policies"]
    return section

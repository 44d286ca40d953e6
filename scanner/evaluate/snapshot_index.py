"""Look-ups across a snapshot that consumer and pusher documents join on.

A consumer in one account and region names repositories, roles and subnets that live elsewhere
in the snapshot: the repository in another account or region, the role in the account's IAM
section, the subnet in the region's network. The index is built once per evaluation, and only
when the snapshot holds consumers or the configuration names pushers.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Where = tuple[str, str]  # (account, region)


@dataclass
class RegionNetwork:
    """One region's subnets, route tables, endpoints and NAT gateways, by id."""

    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    explicit_tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # subnet -> table
    main_tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # vpc -> table
    endpoints: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # vpc -> endpoints
    nat_gateways: dict[str, dict[str, Any]] | None = None
    errors: dict[str, Any] = field(default_factory=dict)
    # Planned infrastructure: what each VPC's judgement needs but only apply tells (by VpcId).
    vpc_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: bool = True  # False when the VPCs could not be listed

    def table_of(self, subnet: dict[str, Any]) -> dict[str, Any] | None:
        """The route table serving a subnet: its explicit association, else the VPC's main."""
        return self.explicit_tables.get(subnet["SubnetId"]) or self.main_tables.get(
            subnet.get("VpcId", "")
        )


class SnapshotIndex:
    def __init__(self, snapshot: dict[str, Any]):
        self.partition = snapshot["partition"]
        self.origin = snapshot.get("origin", "aws")  # "iac": planned infrastructure
        self.iam: dict[str, dict[str, Any]] = snapshot.get("iam") or {}
        self.entries: dict[Where, dict[str, Any]] = {}
        self.repositories: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.networks: dict[tuple[str, str, str | None], RegionNetwork | None] = {}
        for entry in snapshot["inventory"]:
            where = (entry["account_id"], entry["region"])
            self.entries[where] = entry
            for record in entry["repositories"] or ():
                name = record["repository"]["repositoryName"]
                self.repositories[(*where, name)] = record
        self._roles: dict[str, dict[str, dict[str, Any]]] = {}
        self._policies: dict[str, dict[str, dict[str, Any]]] = {}

    # -- network --------------------------------------------------------------------------

    def network(self, where: Where, file: str | None = None) -> RegionNetwork | None:
        """The region's network, or None when the region is not in the snapshot.

        With `file` (a consumer an IaC source declares), only what that source declares: ids of
        planned resources are Terraform addresses or logical ids, unique within one source only.
        """
        key = (*where, file)
        if key not in self.networks:
            entry = self.entries.get(where)
            self.networks[key] = None if entry is None else _region_network(entry["network"], file)
        return self.networks[key]

    # -- IAM --------------------------------------------------------------------------------

    def roles(self, account: str) -> dict[str, dict[str, Any]] | None:
        """{role ARN, role name, instance profile ARN or name: role} of an account; None when
        the account's IAM was not read (see iam_errors)."""
        section = self.iam.get(account)
        if section is None or section.get("roles") is None:
            return None
        if account not in self._roles:
            index: dict[str, dict[str, Any]] = {}
            for role in section["roles"]:
                index[role["Arn"]] = index["name:" + role["RoleName"]] = role
                for profile in role.get("InstanceProfileList") or ():
                    if not isinstance(profile, dict):
                        continue
                    index.setdefault("profile:" + str(profile.get("Arn")), role)
                    index.setdefault(
                        "profile-name:" + str(profile.get("InstanceProfileName")), role
                    )
            self._roles[account] = index
        return self._roles[account]

    def policy(self, account: str, arn: str) -> dict[str, Any] | None:
        if account not in self._policies:
            listed = (self.iam.get(account) or {}).get("policies") or ()
            self._policies[account] = {p["Arn"]: p for p in listed}
        return self._policies[account].get(arn)

    def iam_errors(self, account: str) -> dict[str, Any]:
        section = self.iam.get(account)
        if section is None:
            return {}
        return section.get("errors") or {}


def _region_network(network: dict[str, Any], file: str | None) -> RegionNetwork:
    found = RegionNetwork(
        errors=dict(network.get("errors") or {}), listed=network["vpcs"] is not None
    )
    gateways = network.get("natGateways")
    found.nat_gateways = (
        None
        if gateways is None
        else {g["NatGatewayId"]: g for g in gateways if _declared_in(g, file)}
    )
    endpoints: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vpc in network["vpcs"] or ():
        if not _declared_in(vpc, file):
            continue
        found.vpc_errors[vpc["vpc"]["VpcId"]] = vpc.get("errors") or {}
        for subnet in vpc["subnets"]:
            found.subnets[subnet["SubnetId"]] = subnet
        for table in vpc["routeTables"]:
            for association in table.get("Associations") or ():
                if association.get("Main") is True:
                    found.main_tables[table.get("VpcId") or vpc["vpc"]["VpcId"]] = table
                elif association.get("SubnetId"):
                    found.explicit_tables[association["SubnetId"]] = table
        endpoints[vpc["vpc"]["VpcId"]] += vpc["vpcEndpoints"]
    found.endpoints = dict(endpoints)
    return found


def _declared_in(record: dict[str, Any], file: str | None) -> bool:
    """Live records, and planned ones of the source `file` (every one when file is None)."""
    source = record.get("source")
    return file is None or not isinstance(source, dict) or source.get("file") == file

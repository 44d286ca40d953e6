"""What every Terraform resource family reads: where an instance lives, what it links to.

One Context serves one plan. The family modules (ecr, registry, security_groups, network,
endpoints, iam, consumers) take it with each instance; it answers the region and account of an
instance, the id a resource will have, the ids an argument points at (through the
configuration's references, as ids of planned resources are unknown until apply), and keeps what
the families share: the repositories, VPCs, route tables, endpoints, security groups and IAM
roles built so far.
"""

import re
from typing import Any

from scanner.iac import records, suppressions
from scanner.iac.records import TERRAFORM, UNKNOWN, Estate, Scope, Unknown
from scanner.iac.settings import Settings
from scanner.iac.terraform.plan import Instance, Plan, Target

_ACCOUNT = re.compile(r"^\d{12}$")


class Context:
    def __init__(self, plan: Plan, where: str, estate: Estate, settings: Settings):
        self.plan, self.where, self.estate, self.settings = plan, where, estate, settings
        self.account = settings.account_id or plan_account(plan) or UNKNOWN
        self.repositories: dict[str, tuple[Scope, dict]] = {}  # by address
        self.vpcs: dict[str, tuple[Scope, dict]] = {}  # by VpcId
        self.tables: dict[str, tuple[dict, dict]] = {}  # RouteTableId -> (vpc, table)
        self.endpoints: dict[str, tuple[dict, dict]] = {}  # VpcEndpointId -> (vpc, endpoint)
        self.groups: dict[str, dict] = {}  # GroupId -> security group
        self.group_errors: dict[str, dict] = {}  # GroupId -> what apply alone can tell
        # RouteTableId -> why a route's gateway_id is known only after apply (network.finish)
        self.unknown_gateways: dict[str, dict] = {}
        self.roles: dict[str, dict] = {}  # address -> IAM role record (scanner.iac.iam_records)

    # -- where things are ----------------------------------------------------------------------

    def scope(self, instance: Instance) -> Scope:
        return self.estate.scope(self.account, self.region(instance), self.where)

    def region(self, instance: Instance) -> str:
        key = self.plan.provider_key(instance)
        region = self.plan.provider_setting(key, "region")
        if isinstance(region, str) and region:
            return region
        for (path, base), values in self.plan.data.items():
            if not path and base.startswith("aws_region.") and values.get("name"):
                return str(values["name"])
        return self.settings.region or UNKNOWN

    def source(self, instance: Instance) -> dict[str, Any]:
        return {"file": self.where, "address": instance.address}

    def error(self, value: Unknown) -> dict[str, str]:
        return TERRAFORM.error(value.message)

    def tags(self, instance: Instance) -> dict[str, str]:
        tags = instance.value("tags")
        if not isinstance(tags, dict):
            return {}
        return {str(k): str(v) for k, v in tags.items() if isinstance(v, str)}

    def suppress(self, record: dict, instance: Instance, tags: dict[str, str]) -> None:
        found = suppressions.from_tags(tags, f"{self.where}: {instance.address}")
        if found:
            record["suppressions"] = found

    # -- links -----------------------------------------------------------------------------

    def id_of(self, instance: Instance, attribute: str | None = None) -> str:
        """The id a resource will have: known for existing ones, its address for planned ones."""
        if instance.type == "aws_vpc" and attribute in (
            "main_route_table_id",
            "default_route_table_id",
        ):
            known = instance.value(attribute)
            return (
                known
                if isinstance(known, str) and known
                else records.main_route_table_id(self.id_of(instance))
            )
        known = instance.value("id")
        if isinstance(known, str) and known:
            return known
        # Controls recognise an internet gateway by its id's prefix, as AWS spells it.
        return (
            f"igw-{instance.address}"
            if instance.type == "aws_internet_gateway"
            else instance.address
        )

    def ids(self, targets: list[Target]) -> list[str]:
        return [self.id_of(t.instance, t.attribute) for t in targets if t.instance is not None]

    def configured(self, instance: Instance, name: str) -> Any:
        """An argument's planned value; None for one that AWS sets on creation.

        An unknown value the configuration never set (an endpoint's route_table_ids when
        associations are separate resources) is AWS's to fill, not configuration to judge.
        """
        value = instance.value(name)
        if isinstance(value, Unknown) and instance.created and instance.expression(name) is None:
            return None
        return value

    def link(self, instance: Instance, name: str) -> list[str] | Unknown:
        """The ids argument `name` points at: through references first, else its known value."""
        ids = self.ids(self.plan.targets(instance, name))
        if ids:
            return ids
        value = self.configured(instance, name)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str):
            return [value] if value else []
        return [v for v in value or [] if isinstance(v, str)]

    def expression_ids(self, instance: Instance, expression: Any) -> list[str] | Unknown | None:
        """Ids an inline block's argument names, None when it names none."""
        if not isinstance(expression, dict):
            return None
        ids = self.ids(self.plan.targets_of(instance, expression))
        if ids:
            return ids
        value = self.plan.evaluate(instance.path, expression)
        if isinstance(value, str):
            return [value] if value else None
        return Unknown(f"{instance.address}: a route target is known only after apply")

    def block_ids(self, instance: Instance, block: str, name: str) -> list[str] | Unknown:
        """The ids an argument of a nested block names (network_configuration.subnets): its
        planned value when known, else what its expression references."""
        value = instance.value(block, 0, name)
        if not isinstance(value, Unknown):
            return [v for v in blocks_of(value) if isinstance(v, str)]
        blocks = instance.expression(block)
        first = blocks[0] if isinstance(blocks, list) and blocks else None
        expression = first.get(name) if isinstance(first, dict) else None
        return self.ids(self.plan.targets_of(instance, expression)) or value

    def vpc_for(self, instance: Instance, part: str) -> dict | None:
        ids = self.link(instance, "vpc_id")
        if isinstance(ids, Unknown):
            self.scope(instance).network_errors[part] = self.error(ids)
            return None
        return next((self.vpcs[i][1] for i in ids if i in self.vpcs), None)


def plan_account(plan: Plan) -> str | None:
    """The owning account, where the plan tells it: caller identity, allowed_account_ids,
    or an existing repository's registry id."""
    for (_, base), values in sorted(plan.data.items()):
        account = values.get("account_id")
        if base.startswith("aws_caller_identity.") and _ACCOUNT.match(str(account or "")):
            return str(account)
    allowed = set()
    for key in plan.providers:
        ids = plan.provider_setting(key, "allowed_account_ids")
        if isinstance(ids, list) and len(ids) == 1:
            allowed.add(str(ids[0]))
    if len(allowed) == 1 and _ACCOUNT.match(next(iter(allowed))):
        return allowed.pop()
    for instance in plan.of_type("aws_ecr_repository"):
        registry = instance.value("registry_id")
        if isinstance(registry, str) and _ACCOUNT.match(registry):
            return registry
    return None


def filters(blocks: Any) -> list[dict[str, Any]]:
    return [
        {"filter": b.get("filter"), "filterType": b.get("filter_type")}
        for b in blocks_of(blocks)
        if isinstance(b, dict)
    ]


def blocks_of(value: Any) -> list[Any]:
    """A plan's nested blocks; in a damaged plan, something that is not a list holds none."""
    return value if isinstance(value, list) else []

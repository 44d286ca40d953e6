"""Terraform plan JSON in, snapshot records out (the same records the live collector writes).

Resources are judged as they will be after apply: deletions are skipped, a resource planned for
creation takes the values AWS sets on creation (an endpoint becomes available; ids are the
resource's address, so links stay readable), and a configuration value that only apply can tell
becomes an `errors` entry (code UnknownUntilApply) that the controls report as ERROR.
"""

import re
from typing import Any

from scanner.iac import records, suppressions
from scanner.iac.records import TERRAFORM, UNKNOWN, Estate, Scope, Unknown
from scanner.iac.settings import Settings
from scanner.iac.terraform_plan import Instance, Plan, Target

_ACCOUNT = re.compile(r"^\d{12}$")
_ROUTE_FIELDS = {
    "cidr_block": "DestinationCidrBlock",
    "destination_cidr_block": "DestinationCidrBlock",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock",
}
_ROUTE_TARGETS = {
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "vpc_endpoint_id": "VpcEndpointId",
    "transit_gateway_id": "TransitGatewayId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
}


def load(document: Any, where: str, estate: Estate, settings: Settings) -> None:
    _Adapter(Plan(document, where), where, estate, settings).run()


class _Adapter:
    def __init__(self, plan: Plan, where: str, estate: Estate, settings: Settings):
        self.plan, self.where, self.estate, self.settings = plan, where, estate, settings
        self.account = settings.account_id or _plan_account(plan) or UNKNOWN
        self.repositories: dict[str, tuple[Scope, dict]] = {}  # by address
        self.vpcs: dict[str, tuple[Scope, dict]] = {}  # by VpcId
        self.tables: dict[str, tuple[dict, dict]] = {}  # RouteTableId -> (vpc, table)
        self.endpoints: dict[str, tuple[dict, dict]] = {}  # VpcEndpointId -> (vpc, endpoint)
        self.groups: dict[str, dict] = {}  # GroupId -> security group
        self.group_errors: dict[str, dict] = {}  # GroupId -> what apply alone can tell

    def run(self) -> None:
        steps = [
            ("aws_ecr_repository", self._repository),
            ("aws_ecr_lifecycle_policy", self._repository_policy),
            ("aws_ecr_repository_policy", self._repository_policy),
            ("aws_ecr_registry_scanning_configuration", self._registry_scanning),
            ("aws_ecr_replication_configuration", self._replication),
            ("aws_ecr_registry_policy", self._registry_policy),
            ("aws_ecr_pull_through_cache_rule", self._pull_through_cache_rule),
            ("aws_ecr_repository_creation_template", self._creation_template),
            ("aws_security_group", self._security_group),
            ("aws_security_group_rule", self._security_group_rule),
            ("aws_vpc_security_group_ingress_rule", self._ingress_rule),
            ("aws_vpc", self._vpc),
            ("aws_subnet", self._subnet),
            ("aws_route_table", self._route_table),
            ("aws_route", self._route),
            ("aws_route_table_association", self._association),
            ("aws_vpc_endpoint", self._endpoint),
            ("aws_vpc_endpoint_route_table_association", self._endpoint_association),
        ]
        for resource_type, step in steps:
            for instance in self.plan.of_type(resource_type):
                step(instance)

    # -- where things are ----------------------------------------------------------------------

    def _scope(self, instance: Instance) -> Scope:
        return self.estate.scope(self.account, self._region(instance))

    def _region(self, instance: Instance) -> str:
        key = self.plan.provider_key(instance)
        region = self.plan.provider_setting(key, "region")
        if isinstance(region, str) and region:
            return region
        for (path, base), values in self.plan.data.items():
            if not path and base.startswith("aws_region.") and values.get("name"):
                return str(values["name"])
        return self.settings.region or UNKNOWN

    def _source(self, instance: Instance) -> dict[str, Any]:
        return {"file": self.where, "address": instance.address}

    def _error(self, value: Unknown) -> dict[str, str]:
        return TERRAFORM.error(value.message)

    def _tags(self, instance: Instance) -> dict[str, str]:
        tags = instance.value("tags")
        if not isinstance(tags, dict):
            return {}
        return {str(k): str(v) for k, v in tags.items() if isinstance(v, str)}

    def _suppress(self, record: dict, instance: Instance, tags: dict[str, str]) -> None:
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

    def _ids(self, targets: list[Target]) -> list[str]:
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
        ids = self._ids(self.plan.targets(instance, name))
        if ids:
            return ids
        value = self.configured(instance, name)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, str):
            return [value] if value else []
        return [v for v in value or [] if isinstance(v, str)]

    def _expression_ids(self, instance: Instance, expression: Any) -> list[str] | Unknown | None:
        """Ids an inline block's argument names, None when it names none."""
        if not isinstance(expression, dict):
            return None
        ids = self._ids(self.plan.targets_of(instance, expression))
        if ids:
            return ids
        value = self.plan.evaluate(instance.path, expression)
        if isinstance(value, str):
            return [value] if value else None
        return Unknown(f"{instance.address}: a route target is known only after apply")

    def _vpc_for(self, instance: Instance, part: str) -> dict | None:
        ids = self.link(instance, "vpc_id")
        if isinstance(ids, Unknown):
            self._scope(instance).network_errors[part] = self._error(ids)
            return None
        return next((self.vpcs[i][1] for i in ids if i in self.vpcs), None)

    # -- ECR -------------------------------------------------------------------------------

    def _repository(self, instance: Instance) -> None:
        scope = self._scope(instance)
        settings, errors = _repository_settings(instance)
        name = instance.value("name")
        if not isinstance(name, str) or not name:
            if isinstance(name, Unknown):
                errors["repositoryName"] = self._error(name)
            name = instance.address
        tags = self._tags(instance)
        record = records.repository_record(scope, name, settings, tags, self._source(instance))
        record["errors"].update(errors)
        if self.account == UNKNOWN:
            record["errors"]["registryId"] = records.account_hint(TERRAFORM, instance.address)
        self._kms_key(instance, record)
        self._suppress(record, instance, tags)
        scope.repositories[instance.address] = record
        self.repositories[instance.address] = (scope, record)

    def _kms_key(self, instance: Instance, record: dict) -> None:
        """kmsKey as DescribeKey will describe it: see records.AWS_MANAGED_KEY."""
        encryption = record["repository"].get("encryptionConfiguration") or {}
        if not str(encryption.get("encryptionType", "")).startswith("KMS"):
            return
        blocks = instance.expression("encryption_configuration")
        first = blocks[0] if isinstance(blocks, list) and blocks else None
        expression = first.get("kms_key") if isinstance(first, dict) else None
        keys = [
            t.instance
            for t in self.plan.targets_of(instance, expression)
            if t.instance is not None and t.instance.type == "aws_kms_key"
        ]
        value = instance.value("encryption_configuration", 0, "kms_key")
        value = value if isinstance(value, str) else None
        known = [k for k in self.plan.of_type("aws_kms_key") if value and value in _key_ids(k)]
        if keys or known:
            key = (keys or known)[0]
            record["kmsKey"] = records.customer_key(self.id_of(key), key.value("arn"))
        elif isinstance(value, Unknown) and expression is not None:
            record["errors"]["kmsKey"] = self._error(value)
        elif isinstance(value, Unknown) or not value or records.is_aws_managed_alias(value):
            # Unset, AWS fills kms_key in on creation with the aws/ecr key's ARN.
            record["kmsKey"] = dict(records.AWS_MANAGED_KEY)
        else:
            record["errors"]["kmsKey"] = records.undeclared_key(TERRAFORM, value)

    def _linked_repositories(self, instance: Instance) -> list[dict] | Unknown:
        linked = [
            self.repositories[t.instance.address][1]
            for t in self.plan.targets(instance, "repository")
            if t.instance is not None and t.instance.address in self.repositories
        ]
        if linked:
            return linked
        name = instance.value("repository")
        if isinstance(name, Unknown):
            return name
        scope = self._scope(instance)
        return [r for r in scope.repositories.values() if r["repository"]["repositoryName"] == name]

    def _repository_policy(self, instance: Instance) -> None:
        field = (
            "lifecyclePolicy" if instance.type == "aws_ecr_lifecycle_policy" else "repositoryPolicy"
        )
        linked = self._linked_repositories(instance)
        if isinstance(linked, Unknown):
            # Which repository it governs is unknown: none of the region's can be judged on it.
            message = f"{instance.address} applies to a repository known only after apply"
            for record in self._scope(instance).repositories.values():
                record["errors"][field] = TERRAFORM.error(message)
            return
        text = instance.value("policy")
        for record in linked:
            if isinstance(text, Unknown):
                record["errors"][field] = self._error(text)
            elif isinstance(text, str):
                setter = (
                    records.set_lifecycle_policy
                    if field == "lifecyclePolicy"
                    else records.set_repository_policy
                )
                setter(record, text)

    def _registry_scanning(self, instance: Instance) -> None:
        registry = self._scope(instance).registry
        records.declare(registry, "scanningConfiguration")
        scan_type, rules = instance.value("scan_type"), instance.value("rule")
        unknown = next((v for v in (scan_type, rules) if isinstance(v, Unknown)), None)
        if unknown:
            registry["errors"]["scanningConfiguration"] = self._error(unknown)
            return
        registry["scanningConfiguration"] = {
            "scanType": scan_type or "BASIC",
            "rules": [
                {
                    "scanFrequency": rule.get("scan_frequency"),
                    "repositoryFilters": _filters(rule.get("repository_filter")),
                }
                for rule in _blocks(rules)
                if isinstance(rule, dict)
            ],
        }

    def _replication(self, instance: Instance) -> None:
        registry = self._scope(instance).registry
        records.declare(registry, "replicationConfiguration")
        value = instance.value("replication_configuration")
        if isinstance(value, Unknown):
            registry["errors"]["replicationConfiguration"] = self._error(value)
            return
        blocks = [b for b in _blocks(value) if isinstance(b, dict)]
        rules = [r for b in blocks for r in _blocks(b.get("rule")) if isinstance(r, dict)]
        registry["replicationConfiguration"] = {
            "rules": [
                {
                    "destinations": [
                        {"region": d.get("region"), "registryId": d.get("registry_id")}
                        for d in _blocks(rule.get("destination"))
                        if isinstance(d, dict)
                    ],
                    "repositoryFilters": _filters(rule.get("repository_filter")),
                }
                for rule in rules
            ]
        }

    def _registry_policy(self, instance: Instance) -> None:
        registry = self._scope(instance).registry
        records.declare(registry, "registryPolicy")
        text = instance.value("policy")
        if isinstance(text, Unknown):
            registry["errors"]["registryPolicy"] = self._error(text)
        elif isinstance(text, str):
            records.set_registry_policy(registry, text)

    def _pull_through_cache_rule(self, instance: Instance) -> None:
        registry = self._scope(instance).registry
        records.declare(registry, "pullThroughCacheRules")
        prefix = instance.value("ecr_repository_prefix")
        if isinstance(prefix, Unknown):
            registry["errors"]["pullThroughCacheRules"] = self._error(prefix)
        elif isinstance(prefix, str):
            rule = records.pull_through_cache_rule(prefix, instance.value("upstream_registry_url"))
            registry["pullThroughCacheRules"].append(rule)

    def _creation_template(self, instance: Instance) -> None:
        registry = self._scope(instance).registry
        records.declare(registry, "repositoryCreationTemplates")
        names = ("prefix", "applied_for", "image_tag_mutability", "lifecycle_policy")
        values = [instance.value(name) for name in names]
        unknown = next((v for v in values if isinstance(v, Unknown)), None)
        if unknown or not isinstance(values[0], str):
            message = unknown or Unknown(f"{instance.address}.prefix is known only after apply")
            registry["errors"]["repositoryCreationTemplates"] = self._error(message)
            return
        registry["repositoryCreationTemplates"].append(records.creation_template(*values))

    # -- security groups (what vpc-ecr-endpoints-depth reads of an endpoint) ---------------

    def _security_group(self, instance: Instance) -> None:
        group = records.security_group(self.id_of(instance))
        self.groups[group["GroupId"]] = group
        rules = instance.value("ingress")
        if isinstance(rules, Unknown):
            self.group_errors[group["GroupId"]] = self._error(rules)
            return
        for rule in rules if isinstance(rules, list) else []:
            if not isinstance(rule, dict):
                continue  # a damaged plan; the group is judged on the rules it does hold
            group["IpPermissions"].append(
                records.ingress_permission(
                    rule.get("protocol"),
                    rule.get("from_port"),
                    rule.get("to_port"),
                    rule.get("cidr_blocks") or [],
                )
            )

    def _rule_group(self, instance: Instance) -> dict | None:
        ids = self.link(instance, "security_group_id")
        if isinstance(ids, Unknown):
            return None
        return next((self.groups[i] for i in ids if i in self.groups), None)

    def _add_rule(self, instance: Instance, protocol_name: str, cidrs: Any) -> None:
        group = self._rule_group(instance)
        if group is None:
            return  # a group this source does not declare: its endpoints say so
        values = [instance.value(name) for name in (protocol_name, "from_port", "to_port")]
        unknown = next((v for v in (*values, cidrs) if isinstance(v, Unknown)), None)
        if unknown:
            self.group_errors[group["GroupId"]] = self._error(unknown)
            return
        group["IpPermissions"].append(records.ingress_permission(*values, cidrs or []))

    def _security_group_rule(self, instance: Instance) -> None:
        if instance.value("type") == "ingress":
            self._add_rule(instance, "protocol", instance.value("cidr_blocks"))

    def _ingress_rule(self, instance: Instance) -> None:
        cidr = instance.value("cidr_ipv4")
        self._add_rule(instance, "ip_protocol", [cidr] if isinstance(cidr, str) else cidr)

    def _endpoint_groups(self, instance: Instance, vpc: dict, endpoint: dict) -> None:
        ids = self.link(instance, "security_group_ids")
        if isinstance(ids, Unknown):
            vpc["errors"]["securityGroups"] = self._error(ids)
            ids = []
        undeclared = records.attach_groups(vpc, endpoint, ids, self.groups)
        for group_id in ids:
            if group_id in self.group_errors:
                vpc["errors"]["securityGroups"] = self.group_errors[group_id]
        if undeclared:
            vpc["errors"]["securityGroups"] = TERRAFORM.error(
                f"{instance.address}: security group(s) {', '.join(undeclared)} are not "
                "declared in this plan, so their ingress rules are unknown"
            )

    # -- network ---------------------------------------------------------------------------

    def _vpc(self, instance: Instance) -> None:
        scope = self._scope(instance)
        vpc_id = self.id_of(instance)
        tags = self._tags(instance)
        record = records.vpc_record(
            vpc_id,
            instance.value("cidr_block"),
            tags,
            self._source(instance),
            main=self.id_of(instance, "main_route_table_id"),
        )
        if scope.region == UNKNOWN:
            record["errors"]["region"] = records.region_hint(TERRAFORM, instance.address)
        self._suppress(record, instance, tags)
        scope.vpcs[vpc_id] = record
        self.vpcs[vpc_id] = (scope, record)
        main = record["routeTables"][0]
        self.tables[main["RouteTableId"]] = (record, main)

    def _subnet(self, instance: Instance) -> None:
        vpc = self._vpc_for(instance, "subnets")
        if vpc is None:
            return
        subnet = {"SubnetId": self.id_of(instance), "VpcId": vpc["vpc"]["VpcId"]}
        for field, name in (("cidr_block", "CidrBlock"), ("availability_zone", "AvailabilityZone")):
            value = instance.value(field)
            if isinstance(value, str):
                subnet[name] = value
        subnet["MapPublicIpOnLaunch"] = instance.value("map_public_ip_on_launch") is True
        zone = instance.value("availability_zone")
        if isinstance(zone, Unknown):
            # AWS picks the zone on creation: which zones endpoints must span is unknown.
            vpc["errors"]["availabilityZones"] = self._error(zone)
        vpc["subnets"].append(subnet)

    def _route_table(self, instance: Instance) -> None:
        vpc = self._vpc_for(instance, "routeTables")
        if vpc is None:
            return
        table_id = self.id_of(instance)
        routes = self._inline_routes(instance)
        if isinstance(routes, Unknown):
            vpc["errors"]["routeTables"] = self._error(routes)
            routes = []
        local = records.vpc_record("", vpc["vpc"].get("CidrBlock"), {}, {})["routeTables"][0][
            "Routes"
        ]
        table = {
            "RouteTableId": table_id,
            "VpcId": vpc["vpc"]["VpcId"],
            "Associations": [],
            "Routes": local + routes,
        }
        vpc["routeTables"].append(table)
        self.tables[table_id] = (vpc, table)

    def _inline_routes(self, instance: Instance) -> list[dict] | Unknown:
        value = instance.value("route")
        if not isinstance(value, Unknown):
            return [_known_route(r) for r in _blocks(value) if isinstance(r, dict)]
        blocks = instance.expression("route")
        if not isinstance(blocks, list):
            return value
        routes = []
        for block in blocks:
            route = self._configured_route(instance, block)
            if isinstance(route, Unknown):
                return route
            routes.append(route)
        return routes

    def _configured_route(self, instance: Instance, block: Any) -> dict | Unknown:
        route: dict[str, Any] = {"State": "active"}
        for field, name in _ROUTE_FIELDS.items():
            value = self.plan.evaluate(instance.path, (block or {}).get(field))
            if isinstance(value, str) and value:
                route[name] = value
        for field, name in _ROUTE_TARGETS.items():
            ids = self._expression_ids(instance, (block or {}).get(field))
            if isinstance(ids, Unknown):
                return ids
            if ids:
                route[name] = ids[0]
        return route

    def _route(self, instance: Instance) -> None:
        tables = self.link(instance, "route_table_id")
        if isinstance(tables, Unknown):
            self._scope(instance).network_errors["routeTables"] = self._error(tables)
            return
        found = next((self.tables[t] for t in tables if t in self.tables), None)
        if found is None:
            return  # a route table this source does not manage
        vpc, table = found
        route: dict[str, Any] = {"State": "active"}
        for field, name in _ROUTE_FIELDS.items():
            value = instance.value(field)
            if isinstance(value, str) and value:
                route[name] = value
        for field, name in _ROUTE_TARGETS.items():
            ids = self.link(instance, field)
            if isinstance(ids, Unknown):
                vpc["errors"]["routeTables"] = self._error(ids)
                return
            if ids:
                route[name] = ids[0]
        table["Routes"].append(route)

    def _association(self, instance: Instance) -> None:
        tables, subnets = self.link(instance, "route_table_id"), self.link(instance, "subnet_id")
        unknown = next((v for v in (tables, subnets) if isinstance(v, Unknown)), None)
        if unknown:
            self._scope(instance).network_errors["routeTables"] = self._error(unknown)
            return
        found = next((self.tables[t] for t in tables if t in self.tables), None)
        if found is None or not subnets:
            return  # not a table of this source, or a gateway (edge) association
        _, table = found
        table["Associations"].append(
            {
                "Main": False,
                "SubnetId": subnets[0],
                "RouteTableId": table["RouteTableId"],
                "RouteTableAssociationId": self.id_of(instance),
            }
        )

    def _endpoint(self, instance: Instance) -> None:
        vpc = self._vpc_for(instance, "vpcEndpoints")
        if vpc is None:
            return
        values = {
            name: self.configured(instance, name)
            for name in ("service_name", "vpc_endpoint_type", "private_dns_enabled")
        }
        # AWS sets the state: a planned endpoint is judged as it will be, available.
        values["state"] = "available" if instance.created else instance.value("state")
        route_tables = self.link(instance, "route_table_ids")
        subnets = self.link(instance, "subnet_ids")
        unknown = next(
            (v for v in (*values.values(), route_tables) if isinstance(v, Unknown)), None
        )
        if unknown:
            vpc["errors"]["vpcEndpoints"] = self._error(unknown)
        endpoint = {
            "VpcEndpointId": self.id_of(instance),
            "VpcEndpointType": values["vpc_endpoint_type"] or "Gateway",
            "VpcId": vpc["vpc"]["VpcId"],
            "ServiceName": values["service_name"]
            if isinstance(values["service_name"], str)
            else "",
            "State": values["state"] if isinstance(values["state"], str) else None,
            "PrivateDnsEnabled": values["private_dns_enabled"] is True,
            "SubnetIds": [] if isinstance(subnets, Unknown) else subnets,
            "RouteTableIds": [] if isinstance(route_tables, Unknown) else route_tables,
        }
        if not isinstance(endpoint["VpcEndpointType"], str):
            endpoint["VpcEndpointType"] = None
        policy = instance.value("policy")
        if isinstance(policy, str) and policy:
            endpoint["PolicyDocument"] = policy
        if endpoint["VpcEndpointType"] == "Interface":
            self._endpoint_groups(instance, vpc, endpoint)
        vpc["vpcEndpoints"].append(endpoint)
        self.endpoints[endpoint["VpcEndpointId"]] = (vpc, endpoint)

    def _endpoint_association(self, instance: Instance) -> None:
        endpoints, tables = (
            self.link(instance, "vpc_endpoint_id"),
            self.link(instance, "route_table_id"),
        )
        unknown = next((v for v in (endpoints, tables) if isinstance(v, Unknown)), None)
        if unknown:
            self._scope(instance).network_errors["vpcEndpoints"] = self._error(unknown)
            return
        found = next((self.endpoints[e] for e in endpoints if e in self.endpoints), None)
        if found is not None:
            found[1]["RouteTableIds"] = sorted({*found[1]["RouteTableIds"], *tables})


def _repository_settings(instance: Instance) -> tuple[dict[str, Any], dict[str, dict]]:
    """DescribeRepositories' fields from the resource's arguments (AWS defaults where unset)."""
    settings: dict[str, Any] = {}
    errors: dict[str, dict] = {}

    def take(field: str, value: Any, convert) -> None:
        if isinstance(value, Unknown):
            errors[field] = TERRAFORM.error(value.message)
        else:
            settings[field] = convert(value)

    take("imageTagMutability", instance.value("image_tag_mutability"), lambda v: v or "MUTABLE")
    filters = instance.value("image_tag_mutability_exclusion_filter")
    if filters:
        take("imageTagMutabilityExclusionFilters", filters, _filters)
    elif isinstance(filters, Unknown):
        errors["imageTagMutabilityExclusionFilters"] = TERRAFORM.error(filters.message)
    take(
        "imageScanningConfiguration",
        instance.value("image_scanning_configuration"),
        lambda v: {"scanOnPush": _scan_on_push(v)},
    )
    encryption = instance.value("encryption_configuration", 0, "encryption_type")
    take("encryptionConfiguration", encryption, lambda v: {"encryptionType": v or "AES256"})
    kms_key = instance.value("encryption_configuration", 0, "kms_key")
    if isinstance(kms_key, str) and kms_key and "encryptionConfiguration" in settings:
        settings["encryptionConfiguration"]["kmsKey"] = kms_key
    return settings, errors


def _scan_on_push(blocks: Any) -> bool:
    first = blocks[0] if isinstance(blocks, list) and blocks else None
    return isinstance(first, dict) and first.get("scan_on_push") is True


def _key_ids(key: Instance) -> set[str]:
    """What a repository's kms_key may say of an existing key: its id or ARN."""
    values = (key.value("key_id"), key.value("arn"), key.value("id"))
    return {v for v in values if isinstance(v, str)}


def _filters(blocks: Any) -> list[dict[str, Any]]:
    return [
        {"filter": b.get("filter"), "filterType": b.get("filter_type")}
        for b in _blocks(blocks)
        if isinstance(b, dict)
    ]


def _blocks(value: Any) -> list[Any]:
    """A plan's nested blocks; in a damaged plan, something that is not a list holds none."""
    return value if isinstance(value, list) else []


def _known_route(route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"State": "active"}
    for field, name in {**_ROUTE_FIELDS, **_ROUTE_TARGETS}.items():
        value = route.get(field)
        if isinstance(value, str) and value:
            out[name] = value
    return out


def _plan_account(plan: Plan) -> str | None:
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

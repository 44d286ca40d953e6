"""What every CloudFormation resource family reads: the resolved resource, its source, its stack.

One Context serves one template (one stack: one account and region, which the template itself
never names). Network resources get their logical id as id (the real one exists only after
deploy); the family modules take the Context with each resource.
"""

import json
from typing import Any

from scanner.errors import InputError
from scanner.iac import records, suppressions
from scanner.iac.cloudformation.intrinsics import Intrinsics, first_unknown, physical_id
from scanner.iac.records import CLOUDFORMATION, Scope, Unknown
from scanner.iac.settings import Settings


class Resource:
    def __init__(self, context: "Context", logical_id: str, body: dict[str, Any]):
        self.logical_id = logical_id
        self.type = body.get("Type")
        self.body = body
        self.properties = context.intrinsics.resolve(body.get("Properties") or {})
        if not isinstance(self.properties, dict):
            raise InputError(f"{context.where}: {logical_id}: Properties must be a mapping")

    def get(self, name: str, default: Any = None) -> Any:
        return self.properties.get(name, default)

    @property
    def id(self) -> str:
        return physical_id(self.logical_id, str(self.type))


class Context:
    def __init__(self, template: dict[str, Any], where: str, settings: Settings, scope: Scope):
        self.where = where
        self.intrinsics = Intrinsics(template, where, settings)
        self.lines = getattr(template["Resources"], "lines", {})
        self.scope = scope
        self.settings = settings
        self.template = template
        self.vpcs: dict[str, dict] = {}  # VpcId (logical id) -> this template's VPC record
        self.groups: dict[str, dict] = {}  # GroupId (logical id) -> security group
        self.group_errors: dict[str, dict] = {}  # GroupId -> what the deploy alone can tell
        # RouteTableId -> why a route's GatewayId is known only at deploy (network.finish)
        self.unknown_gateways: dict[str, dict] = {}

    def resources(self):
        for logical_id, body in self.template["Resources"].items():
            if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
                raise InputError(f"{self.where}: resource {logical_id} has no Type")
            condition = body.get("Condition")
            # A resource whose condition is false is not created; an undecidable one is judged.
            if condition is not None and self.intrinsics.condition(condition) is False:
                continue
            yield Resource(self, str(logical_id), body)

    def source(self, resource: Resource) -> dict[str, Any]:
        source: dict[str, Any] = {"file": self.where, "logical_id": resource.logical_id}
        if self.settings.stack:
            source["stack"] = self.settings.stack
        if resource.logical_id in self.lines:
            source["line"] = self.lines[resource.logical_id]
        return source

    def suppress(self, record: dict, resource: Resource) -> None:
        found = suppressions.from_metadata(
            resource.body.get("Metadata"), f"{self.where}: {resource.logical_id}"
        )
        if found:
            record["suppressions"] = found

    def error(self, resource: Resource, field: str, value: Unknown) -> dict[str, str]:
        return CLOUDFORMATION.error(f"{resource.logical_id}.{field}: {value.message}")

    def vpc_of(self, resource: Resource, part: str) -> dict | None:
        vpc_id = resource.get("VpcId")
        if isinstance(vpc_id, Unknown):
            self.scope.network_errors[part] = CLOUDFORMATION.error(
                f"{resource.logical_id}.VpcId: {vpc_id.message}"
            )
            return None
        return self.vpcs.get(vpc_id) if isinstance(vpc_id, str) else None

    def table(self, table_id: Any) -> tuple[dict, dict] | None:
        for vpc in self.vpcs.values():
            table = records.find_route_table(vpc, table_id)
            if table is not None:
                return vpc, table
        return None


def tags_of(resource: Resource) -> dict[str, str]:
    return {
        str(t.get("Key")): str(t.get("Value"))
        for t in items(resource.get("Tags"))
        if isinstance(t, dict) and not first_unknown(t)
    }


def policy_text(value: Any) -> str | Unknown | None:
    """A policy property as JSON text: CloudFormation takes an object or a string."""
    if value is None:
        return None
    unknown = first_unknown(value)
    if unknown:
        return unknown
    return value if isinstance(value, str) else json.dumps(value)


def filters(blocks: Any) -> list[dict[str, Any]]:
    return [
        {"filter": b.get("Filter"), "filterType": b.get("FilterType")}
        for b in items(blocks)
        if isinstance(b, dict)
    ]


def text(value: Any, default: Any) -> Any:
    if value is None:
        return default
    return value if isinstance(value, str) else None


def items(value: Any) -> list[Any]:
    """A list property of a damaged template that is not a list holds nothing."""
    return value if isinstance(value, list) else []

"""What every CloudFormation resource family reads: the resolved resource, its source, its stack.

One Context serves one template (one stack: one account and region, which the template itself
never names). Network resources get their logical id as id (the real one exists only after
deploy); the family modules take the Context with each resource.
"""

import json
import re
from typing import Any

from scanner.errors import InputError
from scanner.iac import records, suppressions
from scanner.iac.cloudformation.intrinsics import Intrinsics, first_unknown, physical_id
from scanner.iac.records import CLOUDFORMATION, Estate, Scope, Unknown
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
    def __init__(
        self, template: dict[str, Any], where: str, settings: Settings, scope: Scope, estate: Estate
    ):
        self.where = where
        self.estate = estate  # the run's: IAM sections and created repositories span sources
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
        self.roles: dict[str, dict] = {}  # logical id -> IAM role record (iam_records)

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

    def declared(self, raw: Any, *types: str) -> tuple[str, dict] | None:
        """(logical id, body) of the resource of this template, of one of `types`, that a raw
        property names with Ref, Fn::GetAtt or a Fn::Sub of one variable; else None."""
        logical_id = referenced(raw)
        body = self.template["Resources"].get(logical_id) if logical_id else None
        if isinstance(body, dict) and body.get("Type") in types:
            return logical_id, body
        return None

    def raw(self, resource: Resource, *path: str) -> Any:
        """A property as written, before intrinsics are evaluated (None where absent)."""
        node: Any = resource.body.get("Properties")
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        return node

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


_SUB_ONE = re.compile(r"^\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}$")


def referenced(raw: Any) -> str | None:
    """The logical id a Ref, Fn::GetAtt or `Fn::Sub: "${Id.Attr}"` names, else None."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    ((function, argument),) = raw.items()
    if function == "Ref" and isinstance(argument, str):
        return argument
    if function == "Fn::GetAtt":
        first = argument.split(".", 1)[0] if isinstance(argument, str) else None
        if isinstance(argument, list) and argument and isinstance(argument[0], str):
            first = argument[0]
        return first
    if function == "Fn::Sub" and isinstance(argument, str):
        match = _SUB_ONE.match(argument)
        return match.group(1) if match else None
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

"""Evaluating a CloudFormation template's intrinsic functions as far as the template tells.

Parameters resolve to their defaults; the pseudo parameters AWS::AccountId and AWS::Region to
--account-id and --region when given. `Ref` to a network resource is its id (the logical id, as
its real id exists only after deploy) and `Ref` to a repository its name. Whatever exists only
at deploy time (a parameter without a default, an import, an attribute AWS assigns) is Unknown.
"""

import json
import re
from typing import Any

from scanner.errors import InputError
from scanner.iac.records import Unknown
from scanner.iac.settings import Settings

NO_VALUE = object()  # AWS::NoValue: the property is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NETWORK_TYPES = {
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::NatGateway",
    "AWS::EC2::VPCGatewayAttachment",
}


# Resources whose Ref is their name (when the template sets it).
_NAMED_BY = {
    "AWS::IAM::Role": "RoleName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::Lambda::Function": "FunctionName",
}


def physical_id(logical_id: str, resource_type: str) -> str:
    """The id a network resource gets in the snapshot; controls know gateways by `igw-`."""
    return f"igw-{logical_id}" if resource_type == "AWS::EC2::InternetGateway" else logical_id


class Intrinsics:
    def __init__(self, template: dict[str, Any], where: str, settings: Settings):
        self.where = where
        self.resources = template.get("Resources") or {}
        self.mappings = template.get("Mappings") or {}
        self.conditions = template.get("Conditions") or {}
        self.pseudo = {
            "AWS::AccountId": settings.account_id
            or Unknown(
                "AWS::AccountId is known only at deploy time; pass --account-id or --stack-env"
            ),
            "AWS::Region": settings.region
            or Unknown("AWS::Region is known only at deploy time; pass --region or --stack-env"),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }
        self.parameters = {
            name: _parameter(name, spec)
            for name, spec in (template.get("Parameters") or {}).items()
        }

    # -- values ----------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic evaluated; Unknown where the deploy alone tells."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = self._functions().get(key)
            if handler is not None:
                try:
                    return handler(argument)
                except (TypeError, ValueError, AttributeError, IndexError, KeyError):
                    # An argument of the wrong shape ({"Fn::Join": 3}, a list as a Ref name).
                    raise InputError(
                        f"{self.where}: {key} cannot take {json.dumps(argument)[:80]}"
                    ) from None
        items = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not NO_VALUE}

    def _functions(self):
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::ToJsonString": self._to_json,
            "Fn::Base64": self.resolve,
            "Fn::Length": lambda a: _known(self.resolve(a), len),
            "Fn::GetAZs": lambda _: Unknown("Fn::GetAZs is known only at deploy time"),
            "Fn::ImportValue": lambda _: Unknown("Fn::ImportValue is known only at deploy time"),
            "Fn::Cidr": lambda _: Unknown("Fn::Cidr is evaluated only at deploy time"),
        }

    def _ref(self, name: Any) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self._resource_ref(str(name))
        if isinstance(name, str) and name.startswith("AWS::"):
            return Unknown(f"{name} is known only at deploy time")
        raise InputError(
            f"{self.where}: Ref to {name!r}, which is neither a parameter nor a resource"
        )

    def _resource_ref(self, logical_id: str) -> Any:
        resource = self.resources[logical_id]
        resource_type = resource.get("Type") if isinstance(resource, dict) else None
        if resource_type == "AWS::ECR::Repository":
            name = self.resolve((resource.get("Properties") or {}).get("RepositoryName"))
            return (
                name
                if name is not None
                else Unknown(
                    f"{logical_id} has no RepositoryName: CloudFormation names it at deploy time"
                )
            )
        if resource_type == "AWS::KMS::Alias":  # Ref gives the alias name
            name = self.resolve((resource.get("Properties") or {}).get("AliasName"))
            return name if name is not None else Unknown(f"{logical_id} has no AliasName")
        if resource_type in _NAMED_BY:  # Ref gives the name, which the deploy may generate
            name = self._property(resource, _NAMED_BY[resource_type])
            return (
                name
                if name is not None
                else Unknown(
                    f"{logical_id} has no {_NAMED_BY[resource_type]}: CloudFormation names it "
                    "at deploy time"
                )
            )
        if resource_type in _NETWORK_TYPES or resource_type == "AWS::EC2::InternetGateway":
            return physical_id(logical_id, resource_type)
        return Unknown(f"Ref {logical_id} is known only at deploy time")

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not isinstance(argument, list) or len(argument) != 2:
            raise InputError(f"{self.where}: Fn::GetAtt needs [LogicalId, Attribute]")
        logical_id, attribute = argument[0], self.resolve(argument[1])
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            raise InputError(f"{self.where}: Fn::GetAtt names unknown resource {logical_id!r}")
        if attribute in ("VpcId", "RouteTableId", "SubnetId", "GroupId", "Id"):
            return physical_id(logical_id, str(resource.get("Type")))
        if attribute == "CidrBlock" and resource.get("Type") == "AWS::EC2::VPC":
            return self.resolve((resource.get("Properties") or {}).get("CidrBlock"))
        built = self._built_attribute(resource, attribute)
        if built is not None:
            return built
        return Unknown(f"{logical_id}.{attribute} is known only at deploy time")

    def _property(self, resource: dict[str, Any], name: str) -> Any:
        properties = resource.get("Properties")
        return self.resolve(properties.get(name)) if isinstance(properties, dict) else None

    def _built_attribute(self, resource: dict[str, Any], attribute: Any) -> Any:
        """An ARN or URI AWS builds from the name, account and region, when all are known:
        a repository's Arn and RepositoryUri, a role's Arn."""
        kind = resource.get("Type")
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            name, path = self._property(resource, "RoleName"), self._property(resource, "Path")
            parts = [self.pseudo["AWS::Partition"], self.pseudo["AWS::AccountId"], name]
            path = path if isinstance(path, str) and path.startswith("/") else "/"
            template = "arn:{0}:iam::{1}:role" + path + "{2}"
        elif kind == "AWS::ECR::Repository" and attribute in ("Arn", "RepositoryUri"):
            name = self._property(resource, "RepositoryName")
            parts = [self.pseudo["AWS::AccountId"], self.pseudo["AWS::Region"], name]
            template = (
                "{0}.dkr.ecr.{1}." + self.pseudo["AWS::URLSuffix"] + "/{2}"
                if attribute == "RepositoryUri"
                else "arn:" + self.pseudo["AWS::Partition"] + ":ecr:{1}:{0}:repository/{2}"
            )
        else:
            return None
        if not all(isinstance(p, str) and p for p in parts):
            return None  # a generated name, or an account or region not given
        return template.format(*parts)

    def _sub(self, argument: Any) -> Any:
        text, variables = (argument, {}) if isinstance(argument, str) else [*argument, {}][:2]
        if not isinstance(text, str) or not isinstance(variables, dict):
            raise InputError(f"{self.where}: Fn::Sub needs a string or [string, {{variables}}]")
        values = {k: self.resolve(v) for k, v in variables.items()}
        unknown: list[str] = []

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            value = values[name] if name in values else self._sub_variable(name)
            if isinstance(value, Unknown):
                unknown.append(value.message)
                return ""
            return str(value)

        result = _SUB_VARIABLE.sub(replace, text)
        return Unknown("; ".join(unknown)) if unknown else result

    def _sub_variable(self, name: str) -> Any:
        if "." in name and name.split(".", 1)[0] in self.resources:
            return self._get_att(name.split(".", 1))
        return self._ref(name)

    def _join(self, argument: Any) -> Any:
        delimiter, items = argument
        items = self.resolve(items)
        return _known(items, lambda xs: _known_all(xs, lambda ys: delimiter.join(map(str, ys))))

    def _select(self, argument: Any) -> Any:
        index, items = self.resolve(argument[0]), self.resolve(argument[1])
        return _known(items, lambda xs: _known(index, lambda i: xs[int(i)]))

    def _split(self, argument: Any) -> Any:
        delimiter, text = argument[0], self.resolve(argument[1])
        return _known(text, lambda t: t.split(delimiter))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        decided = self.condition(name)
        if isinstance(decided, Unknown):
            return decided
        return self.resolve(when_true if decided else when_false)

    def _find_in_map(self, argument: Any) -> Any:
        keys = [self.resolve(k) for k in argument]
        unknown = next((k for k in keys if isinstance(k, Unknown)), None)
        if unknown:
            return unknown
        try:
            return self.resolve(self.mappings[keys[0]][keys[1]][keys[2]])
        except (KeyError, TypeError, IndexError):
            raise InputError(f"{self.where}: Fn::FindInMap {keys} is not in Mappings") from None

    def _to_json(self, argument: Any) -> Any:
        value = self.resolve(argument)
        unknown = first_unknown(value)
        return unknown or json.dumps(value)

    # -- conditions ------------------------------------------------------------------------

    def condition(self, name: Any, depth: int = 0) -> bool | Unknown:
        if not isinstance(name, str) or name not in self.conditions or depth > 32:
            raise InputError(f"{self.where}: condition {name!r} is not defined in Conditions")
        return self._decide(self.conditions[name], depth + 1)

    def _decide(self, expression: Any, depth: int) -> bool | Unknown:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise InputError(f"{self.where}: a condition must be one condition function")
        ((function, argument),) = expression.items()
        try:
            return self._decide_function(function, argument, depth)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError):
            raise InputError(
                f"{self.where}: {function} cannot take {json.dumps(argument)[:80]}"
            ) from None

    def _decide_function(self, function: str, argument: Any, depth: int) -> bool | Unknown:
        if function == "Condition":
            return self.condition(argument, depth)
        if function == "Fn::Equals":
            left, right = (self.resolve(a) for a in argument)
            unknown = first_unknown([left, right])
            return unknown or str(left) == str(right)
        parts = [self._decide(a, depth) for a in argument]
        unknown = next((p for p in parts if isinstance(p, Unknown)), None)
        if unknown:
            return unknown
        combine = {"Fn::And": all, "Fn::Or": any, "Fn::Not": lambda p: not p[0]}.get(function)
        if combine is None:
            raise InputError(f"{self.where}: {function} is not a condition function")
        return combine(parts)


def first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return next((u for u in map(first_unknown, children) if u), None)


def _known(value: Any, then) -> Any:
    return value if isinstance(value, Unknown) else then(value)


def _known_all(values: list, then) -> Any:
    unknown = first_unknown(values)
    return unknown or then(values)


def _parameter(name: str, spec: Any) -> Any:
    if not isinstance(spec, dict) or "Default" not in spec:
        return Unknown(f"parameter {name} has no default; its value is known only at deploy time")
    default = spec["Default"]
    kind = str(spec.get("Type", "String"))
    if isinstance(default, str) and (kind == "CommaDelimitedList" or kind.startswith("List<")):
        return [item.strip() for item in default.split(",")]
    return default

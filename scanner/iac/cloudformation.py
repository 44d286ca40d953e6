"""CloudFormation templates (YAML or JSON) in, snapshot records out.

A template describes one stack in one account and region, which the template itself never
names: --account-id and --region fill AWS::AccountId and AWS::Region, and whatever depends on
them stays unknown without. Network resources get their logical id as id (the real one exists
only after deploy); an endpoint is judged as it will be once created, available.
"""

import json
from typing import Any

from scanner.errors import InputError
from scanner.iac import records, suppressions
from scanner.iac.cfn_intrinsics import Intrinsics, first_unknown, physical_id
from scanner.iac.records import CLOUDFORMATION, UNKNOWN, Estate, Scope, Unknown
from scanner.iac.settings import Settings

_ROUTE_FIELDS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "GatewayId",
    "NatGatewayId",
    "VpcEndpointId",
    "TransitGatewayId",
    "EgressOnlyInternetGatewayId",
)


def is_template(document: Any) -> bool:
    return isinstance(document, dict) and (
        "AWSTemplateFormatVersion" in document or isinstance(document.get("Resources"), dict)
    )


def load(template: dict[str, Any], where: str, estate: Estate, settings: Settings) -> None:
    if not isinstance(template.get("Resources"), dict) or not template["Resources"]:
        raise InputError(f"{where}: CloudFormation template has no Resources")
    for section in ("Parameters", "Mappings", "Conditions"):
        if not isinstance(template.get(section) or {}, dict):
            raise InputError(f"{where}: the template's {section} is not an object")
    _Adapter(template, where, settings).run_into(estate)


class _Resource:
    def __init__(self, adapter: "_Adapter", logical_id: str, body: dict[str, Any]):
        self.logical_id = logical_id
        self.type = body.get("Type")
        self.body = body
        self._adapter = adapter
        self.properties = adapter.intrinsics.resolve(body.get("Properties") or {})
        if not isinstance(self.properties, dict):
            raise InputError(f"{adapter.where}: {logical_id}: Properties must be a mapping")

    def get(self, name: str, default: Any = None) -> Any:
        return self.properties.get(name, default)

    @property
    def id(self) -> str:
        return physical_id(self.logical_id, str(self.type))


class _Adapter:
    def __init__(self, template: dict[str, Any], where: str, settings: Settings):
        self.where = where
        self.intrinsics = Intrinsics(template, where, settings)
        self.lines = getattr(template["Resources"], "lines", {})
        self.scope: Scope | None = None
        self.settings = settings
        self.template = template
        self.groups: dict[str, dict] = {}  # GroupId (logical id) -> security group
        self.group_errors: dict[str, dict] = {}  # GroupId -> what the deploy alone can tell

    def run_into(self, estate: Estate) -> None:
        self.scope = estate.scope(
            self.settings.account_id or UNKNOWN, self.settings.region or UNKNOWN
        )
        resources = [r for r in self._resources() if r is not None]
        by_type: dict[str, list[_Resource]] = {}
        for resource in resources:
            by_type.setdefault(str(resource.type), []).append(resource)
        steps = [
            ("AWS::ECR::Repository", self._repository),
            ("AWS::ECR::RegistryScanningConfiguration", self._registry_scanning),
            ("AWS::ECR::ReplicationConfiguration", self._replication),
            ("AWS::ECR::RegistryPolicy", self._registry_policy),
            ("AWS::ECR::PullThroughCacheRule", self._pull_through_cache_rule),
            ("AWS::ECR::RepositoryCreationTemplate", self._creation_template),
            ("AWS::EC2::SecurityGroup", self._security_group),
            ("AWS::EC2::SecurityGroupIngress", self._ingress),
            ("AWS::EC2::VPC", self._vpc),
            ("AWS::EC2::Subnet", self._subnet),
            ("AWS::EC2::RouteTable", self._route_table),
            ("AWS::EC2::Route", self._route),
            ("AWS::EC2::SubnetRouteTableAssociation", self._association),
            ("AWS::EC2::VPCEndpoint", self._endpoint),
        ]
        for resource_type, step in steps:
            for resource in by_type.get(resource_type, []):
                step(resource)

    def _resources(self):
        for logical_id, body in self.template["Resources"].items():
            if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
                raise InputError(f"{self.where}: resource {logical_id} has no Type")
            condition = body.get("Condition")
            # A resource whose condition is false is not created; an undecidable one is judged.
            if condition is not None and self.intrinsics.condition(condition) is False:
                continue
            yield _Resource(self, str(logical_id), body)

    def _source(self, resource: _Resource) -> dict[str, Any]:
        source: dict[str, Any] = {"file": self.where, "logical_id": resource.logical_id}
        if resource.logical_id in self.lines:
            source["line"] = self.lines[resource.logical_id]
        return source

    def _suppress(self, record: dict, resource: _Resource) -> None:
        found = suppressions.from_metadata(
            resource.body.get("Metadata"), f"{self.where}: {resource.logical_id}"
        )
        if found:
            record["suppressions"] = found

    def _vpc_of(self, resource: _Resource, part: str) -> dict | None:
        vpc_id = resource.get("VpcId")
        if isinstance(vpc_id, Unknown):
            self.scope.network_errors[part] = CLOUDFORMATION.error(
                f"{resource.logical_id}.VpcId: {vpc_id.message}"
            )
            return None
        return self.scope.vpcs.get(vpc_id) if isinstance(vpc_id, str) else None

    # -- ECR -------------------------------------------------------------------------------

    def _repository(self, resource: _Resource) -> None:
        settings, errors = _repository_settings(resource)
        name = resource.get("RepositoryName")
        if not isinstance(name, str) or not name:
            message = (
                name.message
                if isinstance(name, Unknown)
                else "no RepositoryName: CloudFormation generates the name at deploy time"
            )
            errors["repositoryName"] = CLOUDFORMATION.error(f"{resource.logical_id}: {message}")
            name = resource.logical_id
        tags = {
            str(t.get("Key")): str(t.get("Value"))
            for t in _items(resource.get("Tags"))
            if isinstance(t, dict) and not first_unknown(t)
        }
        record = records.repository_record(self.scope, name, settings, tags, self._source(resource))
        record["errors"].update(errors)
        if self.scope.account_id == UNKNOWN:
            record["errors"]["registryId"] = records.account_hint(
                CLOUDFORMATION, resource.logical_id
            )
        self._policies(resource, record)
        self._kms_key(resource, record)
        self._suppress(record, resource)
        self.scope.repositories[resource.logical_id] = record

    def _kms_key(self, resource: _Resource, record: dict) -> None:
        """kmsKey as DescribeKey will describe it: see records.AWS_MANAGED_KEY."""
        encryption = record["repository"].get("encryptionConfiguration") or {}
        if not str(encryption.get("encryptionType", "")).startswith("KMS"):
            return
        raw = ((resource.body.get("Properties") or {}).get("EncryptionConfiguration") or {}).get(
            "KmsKey"
        )
        declared = self._declared_key(raw)
        value = (resource.get("EncryptionConfiguration") or {}).get("KmsKey")
        if declared is not None:
            record["kmsKey"] = records.customer_key(declared, value)
        elif isinstance(value, Unknown):
            record["errors"]["kmsKey"] = self._error(resource, "KmsKey", value)
        elif not value or records.is_aws_managed_alias(str(value)):
            record["kmsKey"] = dict(records.AWS_MANAGED_KEY)
        else:
            record["errors"]["kmsKey"] = records.undeclared_key(CLOUDFORMATION, str(value))

    def _declared_key(self, raw: Any) -> str | None:
        """The logical id of the AWS::KMS::Key that a KmsKey `Ref` or `Fn::GetAtt` names."""
        if not isinstance(raw, dict) or len(raw) != 1:
            return None
        ((function, argument),) = raw.items()
        if function == "Fn::GetAtt":
            argument = argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
        elif function != "Ref":
            return None
        target = self.template["Resources"].get(argument) if isinstance(argument, str) else None
        is_key = isinstance(target, dict) and target.get("Type") == "AWS::KMS::Key"
        return argument if is_key else None

    def _policies(self, resource: _Resource, record: dict) -> None:
        lifecycle = resource.get("LifecyclePolicy")
        text = _policy_text(
            (lifecycle or {}).get("LifecyclePolicyText")
            if isinstance(lifecycle, dict)
            else lifecycle
        )
        if isinstance(text, Unknown):
            record["errors"]["lifecyclePolicy"] = self._error(resource, "LifecyclePolicy", text)
        elif text is not None:
            records.set_lifecycle_policy(record, text)
        policy = _policy_text(resource.get("RepositoryPolicyText"))
        if isinstance(policy, Unknown):
            record["errors"]["repositoryPolicy"] = self._error(
                resource, "RepositoryPolicyText", policy
            )
        elif policy is not None:
            records.set_repository_policy(record, policy)

    def _error(self, resource: _Resource, field: str, value: Unknown) -> dict[str, str]:
        return CLOUDFORMATION.error(f"{resource.logical_id}.{field}: {value.message}")

    def _registry_scanning(self, resource: _Resource) -> None:
        registry = self.scope.registry
        records.declare(registry, "scanningConfiguration")
        unknown = first_unknown(resource.properties)
        if unknown:
            registry["errors"]["scanningConfiguration"] = self._error(resource, "Rules", unknown)
            return
        registry["scanningConfiguration"] = {
            "scanType": resource.get("ScanType", "BASIC"),
            "rules": [
                {
                    "scanFrequency": rule.get("ScanFrequency"),
                    "repositoryFilters": _filters(rule.get("RepositoryFilters")),
                }
                for rule in resource.get("Rules") or []
            ],
        }

    def _replication(self, resource: _Resource) -> None:
        registry = self.scope.registry
        records.declare(registry, "replicationConfiguration")
        unknown = first_unknown(resource.properties)
        if unknown:
            registry["errors"]["replicationConfiguration"] = self._error(
                resource, "ReplicationConfiguration", unknown
            )
            return
        replication = resource.get("ReplicationConfiguration")
        rules = replication.get("Rules") if isinstance(replication, dict) else []
        registry["replicationConfiguration"] = {
            "rules": [
                {
                    "destinations": [
                        {"region": d.get("Region"), "registryId": d.get("RegistryId")}
                        for d in _items(rule.get("Destinations"))
                        if isinstance(d, dict)
                    ],
                    "repositoryFilters": _filters(rule.get("RepositoryFilters")),
                }
                for rule in _items(rules)
                if isinstance(rule, dict)
            ]
        }

    def _registry_policy(self, resource: _Resource) -> None:
        records.declare(self.scope.registry, "registryPolicy")
        text = _policy_text(resource.get("PolicyText"))
        if isinstance(text, Unknown):
            self.scope.registry["errors"]["registryPolicy"] = self._error(
                resource, "PolicyText", text
            )
        elif text is not None:
            records.set_registry_policy(self.scope.registry, text)

    def _pull_through_cache_rule(self, resource: _Resource) -> None:
        registry = self.scope.registry
        records.declare(registry, "pullThroughCacheRules")
        prefix = resource.get("EcrRepositoryPrefix")
        if isinstance(prefix, Unknown):
            registry["errors"]["pullThroughCacheRules"] = self._error(
                resource, "EcrRepositoryPrefix", prefix
            )
        elif isinstance(prefix, str):
            rule = records.pull_through_cache_rule(prefix, resource.get("UpstreamRegistryUrl"))
            registry["pullThroughCacheRules"].append(rule)

    def _creation_template(self, resource: _Resource) -> None:
        registry = self.scope.registry
        records.declare(registry, "repositoryCreationTemplates")
        names = ("Prefix", "AppliedFor", "ImageTagMutability", "LifecyclePolicy")
        values = [resource.get(name) for name in names]
        unknown = first_unknown(values)
        if unknown or not isinstance(values[0], str):
            unknown = unknown or Unknown("no Prefix")
            registry["errors"]["repositoryCreationTemplates"] = self._error(
                resource, "Properties", unknown
            )
            return
        values[3] = _policy_text(values[3])
        registry["repositoryCreationTemplates"].append(records.creation_template(*values))

    # -- security groups (what vpc-ecr-endpoints-depth reads of an endpoint) ----------------

    def _security_group(self, resource: _Resource) -> None:
        group = records.security_group(resource.id)
        self.groups[resource.id] = group
        for rule in resource.get("SecurityGroupIngress") or []:
            self._add_rule(resource, group, rule)

    def _ingress(self, resource: _Resource) -> None:
        group_id = resource.get("GroupId")
        group = self.groups.get(group_id) if isinstance(group_id, str) else None
        if group is not None:  # else a group this source does not declare: its endpoints say so
            self._add_rule(resource, group, resource.properties)

    def _add_rule(self, resource: _Resource, group: dict, rule: Any) -> None:
        unknown = first_unknown(rule)
        if unknown:
            self.group_errors[group["GroupId"]] = self._error(
                resource, "SecurityGroupIngress", unknown
            )
            return
        if not isinstance(rule, dict):
            return
        group["IpPermissions"].append(
            records.ingress_permission(
                rule.get("IpProtocol"),
                rule.get("FromPort"),
                rule.get("ToPort"),
                [rule.get("CidrIp")],
            )
        )

    def _endpoint_groups(self, resource: _Resource, vpc: dict, endpoint: dict) -> None:
        ids = resource.get("SecurityGroupIds")
        if first_unknown(ids):
            vpc["errors"]["securityGroups"] = self._error(
                resource, "SecurityGroupIds", first_unknown(ids)
            )
            ids = []
        ids = [i for i in _items(ids) if isinstance(i, str)]
        undeclared = records.attach_groups(vpc, endpoint, ids, self.groups)
        for group_id in ids:
            if group_id in self.group_errors:
                vpc["errors"]["securityGroups"] = self.group_errors[group_id]
        if undeclared:
            vpc["errors"]["securityGroups"] = CLOUDFORMATION.error(
                f"{resource.logical_id}: security group(s) {', '.join(undeclared)} are not "
                "declared in this template, so their ingress rules are unknown"
            )

    # -- network ---------------------------------------------------------------------------

    def _vpc(self, resource: _Resource) -> None:
        tags = {
            str(t.get("Key")): str(t.get("Value"))
            for t in _items(resource.get("Tags"))
            if isinstance(t, dict) and not first_unknown(t)
        }
        record = records.vpc_record(
            resource.id, resource.get("CidrBlock"), tags, self._source(resource)
        )
        if self.scope.region == UNKNOWN:
            record["errors"]["region"] = records.region_hint(CLOUDFORMATION, resource.logical_id)
        self._suppress(record, resource)
        self.scope.vpcs[resource.id] = record

    def _subnet(self, resource: _Resource) -> None:
        vpc = self._vpc_of(resource, "subnets")
        if vpc is None:
            return
        subnet = {"SubnetId": resource.id, "VpcId": vpc["vpc"]["VpcId"]}
        for name in ("CidrBlock", "AvailabilityZone"):
            if isinstance(resource.get(name), str):
                subnet[name] = resource.get(name)
        if not isinstance(subnet.get("AvailabilityZone"), str):
            # AWS picks the zone on creation: which zones endpoints must span is unknown.
            zone = resource.get("AvailabilityZone")
            vpc["errors"]["availabilityZones"] = self._error(
                resource,
                "AvailabilityZone",
                zone if isinstance(zone, Unknown) else Unknown("AWS chooses it at deploy time"),
            )
        subnet["MapPublicIpOnLaunch"] = resource.get("MapPublicIpOnLaunch") in (True, "true")
        vpc["subnets"].append(subnet)

    def _route_table(self, resource: _Resource) -> None:
        vpc = self._vpc_of(resource, "routeTables")
        if vpc is None:
            return
        local = vpc["routeTables"][0]["Routes"][0]
        vpc["routeTables"].append(
            {
                "RouteTableId": resource.id,
                "VpcId": vpc["vpc"]["VpcId"],
                "Associations": [],
                "Routes": [dict(local)],
            }
        )

    def _table(self, table_id: Any) -> tuple[dict, dict] | None:
        for vpc in self.scope.vpcs.values():
            table = records.find_route_table(vpc, table_id)
            if table is not None:
                return vpc, table
        return None

    def _route(self, resource: _Resource) -> None:
        table_id = resource.get("RouteTableId")
        if isinstance(table_id, Unknown):
            self.scope.network_errors["routeTables"] = self._error(
                resource, "RouteTableId", table_id
            )
            return
        found = self._table(table_id)
        if found is None:
            return
        vpc, table = found
        unknown = first_unknown(resource.properties)
        if unknown:
            vpc["errors"]["routeTables"] = self._error(resource, "Properties", unknown)
            return
        route = {
            name: resource.get(name)
            for name in _ROUTE_FIELDS
            if isinstance(resource.get(name), str)
        }
        table["Routes"].append({**route, "State": "active"})

    def _association(self, resource: _Resource) -> None:
        unknown = first_unknown(resource.properties)
        if unknown:
            self.scope.network_errors["routeTables"] = self._error(resource, "Properties", unknown)
            return
        found = self._table(resource.get("RouteTableId"))
        if found is None:
            return
        found[1]["Associations"].append(
            {
                "Main": False,
                "SubnetId": resource.get("SubnetId"),
                "RouteTableId": found[1]["RouteTableId"],
                "RouteTableAssociationId": resource.id,
            }
        )

    def _endpoint(self, resource: _Resource) -> None:
        vpc = self._vpc_of(resource, "vpcEndpoints")
        if vpc is None:
            return
        judged = {
            name: resource.get(name)
            for name in ("ServiceName", "VpcEndpointType", "PrivateDnsEnabled", "RouteTableIds")
        }
        unknown = first_unknown(judged)
        if unknown:
            vpc["errors"]["vpcEndpoints"] = self._error(resource, "Properties", unknown)
        subnets = resource.get("SubnetIds")
        endpoint = {
            "VpcEndpointId": resource.id,
            "VpcEndpointType": _text(judged["VpcEndpointType"], "Gateway"),
            "VpcId": vpc["vpc"]["VpcId"],
            "ServiceName": _text(judged["ServiceName"], ""),
            "State": "available",  # AWS sets it; a created endpoint is judged available
            "PrivateDnsEnabled": judged["PrivateDnsEnabled"] in (True, "true"),
            "SubnetIds": [s for s in subnets or [] if isinstance(s, str)]
            if isinstance(subnets, list)
            else [],
            "RouteTableIds": [t for t in judged["RouteTableIds"] or [] if isinstance(t, str)]
            if isinstance(judged["RouteTableIds"], list)
            else [],
        }
        policy = _policy_text(resource.get("PolicyDocument"))
        if isinstance(policy, str):
            endpoint["PolicyDocument"] = policy
        if endpoint["VpcEndpointType"] == "Interface":
            self._endpoint_groups(resource, vpc, endpoint)
        vpc["vpcEndpoints"].append(endpoint)


def _repository_settings(resource: _Resource) -> tuple[dict[str, Any], dict[str, dict]]:
    """DescribeRepositories' fields from the resource's properties (AWS defaults where unset)."""
    settings: dict[str, Any] = {}
    errors: dict[str, dict] = {}

    def take(field: str, value: Any, convert) -> None:
        unknown = first_unknown(value)
        if unknown:
            errors[field] = CLOUDFORMATION.error(
                f"{resource.logical_id}.{field[0].upper()}{field[1:]}: {unknown.message}"
            )
        else:
            settings[field] = convert(value)

    take("imageTagMutability", resource.get("ImageTagMutability"), lambda v: v or "MUTABLE")
    filters = resource.get("ImageTagMutabilityExclusionFilters")
    if filters is not None:
        take(
            "imageTagMutabilityExclusionFilters",
            filters,
            lambda v: [
                {
                    "filterType": f.get("ImageTagMutabilityExclusionFilterType"),
                    "filter": f.get("ImageTagMutabilityExclusionFilterValue"),
                }
                for f in v or []
                if isinstance(f, dict)
            ],
        )
    take(
        "imageScanningConfiguration",
        resource.get("ImageScanningConfiguration"),
        lambda v: {"scanOnPush": isinstance(v, dict) and v.get("ScanOnPush") in (True, "true")},
    )
    # The key is judged on its own (kmsKey): a key created with the stack has no ARN yet.
    encryption = resource.get("EncryptionConfiguration")
    kind = encryption.get("EncryptionType") if isinstance(encryption, dict) else encryption
    key = encryption.get("KmsKey") if isinstance(encryption, dict) else None
    take(
        "encryptionConfiguration",
        kind,
        lambda v: {
            "encryptionType": v or "AES256",
            **({"kmsKey": key} if isinstance(key, str) else {}),
        },
    )
    return settings, errors


def _policy_text(value: Any) -> str | Unknown | None:
    """A policy property as JSON text: CloudFormation takes an object or a string."""
    if value is None:
        return None
    unknown = first_unknown(value)
    if unknown:
        return unknown
    return value if isinstance(value, str) else json.dumps(value)


def _filters(blocks: Any) -> list[dict[str, Any]]:
    return [
        {"filter": b.get("Filter"), "filterType": b.get("FilterType")}
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict)
    ]


def _text(value: Any, default: Any) -> Any:
    if value is None:
        return default
    return value if isinstance(value, str) else None


def _items(value: Any) -> list[Any]:
    """A list property of a damaged template that is not a list holds nothing."""
    return value if isinstance(value, list) else []

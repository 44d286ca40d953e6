"""Registry settings a template manages: scanning, replication, registry policy, pull-through
cache rules and repository creation templates. Each one declared is judged; see
records.declare."""

from scanner.iac import records
from scanner.iac.cloudformation.context import Context, Resource, filters, items, policy_text
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import Unknown


def registry_scanning(context: Context, resource: Resource) -> None:
    registry = context.scope.registry
    records.declare(registry, "scanningConfiguration")
    unknown = first_unknown(resource.properties)
    if unknown:
        registry["errors"]["scanningConfiguration"] = context.error(resource, "Rules", unknown)
        return
    registry["scanningConfiguration"] = {
        "scanType": resource.get("ScanType", "BASIC"),
        "rules": [
            {
                "scanFrequency": rule.get("ScanFrequency"),
                "repositoryFilters": filters(rule.get("RepositoryFilters")),
            }
            for rule in resource.get("Rules") or []
        ],
    }


def replication(context: Context, resource: Resource) -> None:
    registry = context.scope.registry
    records.declare(registry, "replicationConfiguration")
    unknown = first_unknown(resource.properties)
    if unknown:
        registry["errors"]["replicationConfiguration"] = context.error(
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
                    for d in items(rule.get("Destinations"))
                    if isinstance(d, dict)
                ],
                "repositoryFilters": filters(rule.get("RepositoryFilters")),
            }
            for rule in items(rules)
            if isinstance(rule, dict)
        ]
    }


def registry_policy(context: Context, resource: Resource) -> None:
    registry = context.scope.registry
    records.declare(registry, "registryPolicy")
    text = policy_text(resource.get("PolicyText"))
    if isinstance(text, Unknown):
        registry["errors"]["registryPolicy"] = context.error(resource, "PolicyText", text)
    elif text is not None:
        records.set_registry_policy(registry, text)


def pull_through_cache_rule(context: Context, resource: Resource) -> None:
    registry = context.scope.registry
    records.declare(registry, "pullThroughCacheRules")
    prefix = resource.get("EcrRepositoryPrefix")
    if isinstance(prefix, Unknown):
        registry["errors"]["pullThroughCacheRules"] = context.error(
            resource, "EcrRepositoryPrefix", prefix
        )
    elif isinstance(prefix, str):
        rule = records.pull_through_cache_rule(prefix, resource.get("UpstreamRegistryUrl"))
        registry["pullThroughCacheRules"].append(rule)


def creation_template(context: Context, resource: Resource) -> None:
    registry = context.scope.registry
    records.declare(registry, "repositoryCreationTemplates")
    names = ("Prefix", "AppliedFor", "ImageTagMutability", "LifecyclePolicy")
    values = [resource.get(name) for name in names]
    unknown = first_unknown(values)
    if unknown or not isinstance(values[0], str):
        unknown = unknown or Unknown("no Prefix")
        registry["errors"]["repositoryCreationTemplates"] = context.error(
            resource, "Properties", unknown
        )
        return
    values[3] = policy_text(values[3])
    registry["repositoryCreationTemplates"].append(records.creation_template(*values))


STEPS = (
    ("AWS::ECR::RegistryScanningConfiguration", registry_scanning),
    ("AWS::ECR::ReplicationConfiguration", replication),
    ("AWS::ECR::RegistryPolicy", registry_policy),
    ("AWS::ECR::PullThroughCacheRule", pull_through_cache_rule),
    ("AWS::ECR::RepositoryCreationTemplate", creation_template),
)

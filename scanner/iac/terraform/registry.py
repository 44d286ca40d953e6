"""Registry settings a plan manages: scanning, replication, registry policy, pull-through cache
rules and repository creation templates. Each one declared is judged; see records.declare."""

from scanner.iac import records
from scanner.iac.records import Unknown
from scanner.iac.terraform.context import Context, blocks_of, filters
from scanner.iac.terraform.plan import Instance


def registry_scanning(context: Context, instance: Instance) -> None:
    registry = context.scope(instance).registry
    records.declare(registry, "scanningConfiguration")
    scan_type, rules = instance.value("scan_type"), instance.value("rule")
    unknown = next((v for v in (scan_type, rules) if isinstance(v, Unknown)), None)
    if unknown:
        registry["errors"]["scanningConfiguration"] = context.error(unknown)
        return
    registry["scanningConfiguration"] = {
        "scanType": scan_type or "BASIC",
        "rules": [
            {
                "scanFrequency": rule.get("scan_frequency"),
                "repositoryFilters": filters(rule.get("repository_filter")),
            }
            for rule in blocks_of(rules)
            if isinstance(rule, dict)
        ],
    }


def replication(context: Context, instance: Instance) -> None:
    registry = context.scope(instance).registry
    records.declare(registry, "replicationConfiguration")
    value = instance.value("replication_configuration")
    if isinstance(value, Unknown):
        registry["errors"]["replicationConfiguration"] = context.error(value)
        return
    blocks = [b for b in blocks_of(value) if isinstance(b, dict)]
    rules = [r for b in blocks for r in blocks_of(b.get("rule")) if isinstance(r, dict)]
    registry["replicationConfiguration"] = {
        "rules": [
            {
                "destinations": [
                    {"region": d.get("region"), "registryId": d.get("registry_id")}
                    for d in blocks_of(rule.get("destination"))
                    if isinstance(d, dict)
                ],
                "repositoryFilters": filters(rule.get("repository_filter")),
            }
            for rule in rules
        ]
    }


def registry_policy(context: Context, instance: Instance) -> None:
    registry = context.scope(instance).registry
    records.declare(registry, "registryPolicy")
    text = instance.value("policy")
    if isinstance(text, Unknown):
        registry["errors"]["registryPolicy"] = context.error(text)
    elif isinstance(text, str):
        records.set_registry_policy(registry, text)


def pull_through_cache_rule(context: Context, instance: Instance) -> None:
    registry = context.scope(instance).registry
    records.declare(registry, "pullThroughCacheRules")
    prefix = instance.value("ecr_repository_prefix")
    if isinstance(prefix, Unknown):
        registry["errors"]["pullThroughCacheRules"] = context.error(prefix)
    elif isinstance(prefix, str):
        rule = records.pull_through_cache_rule(prefix, instance.value("upstream_registry_url"))
        registry["pullThroughCacheRules"].append(rule)


def creation_template(context: Context, instance: Instance) -> None:
    registry = context.scope(instance).registry
    records.declare(registry, "repositoryCreationTemplates")
    names = ("prefix", "applied_for", "image_tag_mutability", "lifecycle_policy")
    values = [instance.value(name) for name in names]
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    if unknown or not isinstance(values[0], str):
        message = unknown or Unknown(f"{instance.address}.prefix is known only after apply")
        registry["errors"]["repositoryCreationTemplates"] = context.error(message)
        return
    registry["repositoryCreationTemplates"].append(records.creation_template(*values))


STEPS = (
    ("aws_ecr_registry_scanning_configuration", registry_scanning),
    ("aws_ecr_replication_configuration", replication),
    ("aws_ecr_registry_policy", registry_policy),
    ("aws_ecr_pull_through_cache_rule", pull_through_cache_rule),
    ("aws_ecr_repository_creation_template", creation_template),
)

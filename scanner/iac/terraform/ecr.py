"""ECR repositories and what governs each: lifecycle and repository policies, the KMS key."""

from typing import Any

from scanner.iac import records
from scanner.iac.records import TERRAFORM, UNKNOWN, Unknown
from scanner.iac.terraform.context import Context, filters
from scanner.iac.terraform.plan import Instance


def repository(context: Context, instance: Instance) -> None:
    scope = context.scope(instance)
    settings, errors = _repository_settings(instance)
    name = instance.value("name")
    if not isinstance(name, str) or not name:
        if isinstance(name, Unknown):
            errors["repositoryName"] = context.error(name)
        name = instance.address
    tags = context.tags(instance)
    record = records.repository_record(scope, name, settings, tags, context.source(instance))
    record["errors"].update(errors)
    if context.account == UNKNOWN:
        record["errors"]["registryId"] = records.account_hint(TERRAFORM, instance.address)
    _kms_key(context, instance, record)
    context.suppress(record, instance, tags)
    scope.repositories[record["source"]["id"]] = record
    context.repositories[instance.address] = (scope, record)
    if instance.created:  # empty until something is pushed after apply
        context.estate.planned_repositories.add(record["source"]["id"])


def _kms_key(context: Context, instance: Instance, record: dict) -> None:
    """kmsKey as DescribeKey will describe it: see records.AWS_MANAGED_KEY."""
    encryption = record["repository"].get("encryptionConfiguration") or {}
    if not str(encryption.get("encryptionType", "")).startswith("KMS"):
        return
    blocks = instance.expression("encryption_configuration")
    first = blocks[0] if isinstance(blocks, list) and blocks else None
    expression = first.get("kms_key") if isinstance(first, dict) else None
    targets = [t.instance for t in context.plan.targets_of(instance, expression) if t.instance]
    keys = [t for t in targets if t.type == "aws_kms_key"]
    aliases = [a.value("name") for a in targets if a.type == "aws_kms_alias"]
    value = instance.value("encryption_configuration", 0, "kms_key")
    known = [k for k in context.plan.of_type("aws_kms_key") if value and value in _key_ids(k)]
    named = (
        value
        if isinstance(value, str) and value
        else next((a for a in aliases if isinstance(a, str)), None)
    )
    if keys or known:
        key = (keys or known)[0]
        record["kmsKey"] = records.customer_key(context.id_of(key), key.value("arn"))
    elif named and records.alias_key(named):
        record["kmsKey"] = records.alias_key(named)
    elif isinstance(value, Unknown) and expression is not None:
        record["errors"]["kmsKey"] = context.error(value)
    elif isinstance(value, Unknown) or not value:
        # Unset, AWS fills kms_key in on creation with the aws/ecr key's ARN.
        record["kmsKey"] = dict(records.AWS_MANAGED_KEY)
    else:
        record["errors"]["kmsKey"] = records.undeclared_key(TERRAFORM, str(value))


def _linked_repositories(context: Context, instance: Instance) -> list[dict] | Unknown:
    linked = [
        context.repositories[t.instance.address][1]
        for t in context.plan.targets(instance, "repository")
        if t.instance is not None and t.instance.address in context.repositories
    ]
    if linked:
        return linked
    name = instance.value("repository")
    if isinstance(name, Unknown):
        return name
    scope = context.scope(instance)
    return [r for r in scope.repositories.values() if r["repository"]["repositoryName"] == name]


def repository_policy(context: Context, instance: Instance) -> None:
    """aws_ecr_lifecycle_policy and aws_ecr_repository_policy: policy text for a repository."""
    field = "lifecyclePolicy" if instance.type == "aws_ecr_lifecycle_policy" else "repositoryPolicy"
    linked = _linked_repositories(context, instance)
    if isinstance(linked, Unknown):
        # Which repository it governs is unknown: none of the region's can be judged on it.
        message = f"{instance.address} applies to a repository known only after apply"
        for record in context.scope(instance).repositories.values():
            record["errors"][field] = TERRAFORM.error(message)
        return
    text = instance.value("policy")
    setter = (
        records.set_lifecycle_policy
        if field == "lifecyclePolicy"
        else records.set_repository_policy
    )
    for record in linked:
        if isinstance(text, Unknown):
            record["errors"][field] = context.error(text)
        elif isinstance(text, str):
            setter(record, text)


_SETTERS = {
    "lifecyclePolicy": records.set_lifecycle_policy,
    "repositoryPolicy": records.set_repository_policy,
}


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
    exclusions = instance.value("image_tag_mutability_exclusion_filter")
    if exclusions:
        take("imageTagMutabilityExclusionFilters", exclusions, filters)
    elif isinstance(exclusions, Unknown):
        errors["imageTagMutabilityExclusionFilters"] = TERRAFORM.error(exclusions.message)
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


# Repositories first: the policies that follow find them by reference or by name.
STEPS = (
    ("aws_ecr_repository", repository),
    ("aws_ecr_lifecycle_policy", repository_policy),
    ("aws_ecr_repository_policy", repository_policy),
)

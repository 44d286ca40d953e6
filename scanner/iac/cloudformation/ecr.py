"""AWS::ECR::Repository with what it carries inline: lifecycle and repository policies, the key."""

from typing import Any

from scanner.iac import records
from scanner.iac.cloudformation.context import Context, Resource, items, policy_text, tags_of
from scanner.iac.cloudformation.intrinsics import first_unknown
from scanner.iac.records import CLOUDFORMATION, UNKNOWN, Unknown


def repository(context: Context, resource: Resource) -> None:
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
    scope = context.scope
    record = records.repository_record(
        scope, name, settings, tags_of(resource), context.source(resource)
    )
    record["errors"].update(errors)
    if scope.account_id == UNKNOWN:
        record["errors"]["registryId"] = records.account_hint(CLOUDFORMATION, resource.logical_id)
    _policies(context, resource, record)
    _kms_key(context, resource, record)
    context.suppress(record, resource)
    scope.repositories[record["source"]["id"]] = record
    # A stack creates what its template declares: empty until something is pushed.
    context.estate.planned_repositories.add(record["source"]["id"])


def _kms_key(context: Context, resource: Resource, record: dict) -> None:
    """kmsKey as DescribeKey will describe it: see records.AWS_MANAGED_KEY."""
    encryption = record["repository"].get("encryptionConfiguration") or {}
    if not str(encryption.get("encryptionType", "")).startswith("KMS"):
        return
    raw = ((resource.body.get("Properties") or {}).get("EncryptionConfiguration") or {}).get(
        "KmsKey"
    )
    declared = _declared_key(context, raw)
    value = (resource.get("EncryptionConfiguration") or {}).get("KmsKey")
    if declared is not None:
        record["kmsKey"] = records.customer_key(declared, value)
    elif isinstance(value, str) and records.alias_key(value):
        record["kmsKey"] = records.alias_key(value)
    elif isinstance(value, Unknown):
        record["errors"]["kmsKey"] = context.error(resource, "KmsKey", value)
    elif not value:
        record["kmsKey"] = dict(records.AWS_MANAGED_KEY)
    else:
        record["errors"]["kmsKey"] = records.undeclared_key(CLOUDFORMATION, str(value))


def _declared_key(context: Context, raw: Any) -> str | None:
    """The logical id of the AWS::KMS::Key that a KmsKey `Ref` or `Fn::GetAtt` names."""
    if not isinstance(raw, dict) or len(raw) != 1:
        return None
    ((function, argument),) = raw.items()
    if function == "Fn::GetAtt":
        argument = argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
    elif function != "Ref":
        return None
    resources = context.template["Resources"]
    target = resources.get(argument) if isinstance(argument, str) else None
    is_key = isinstance(target, dict) and target.get("Type") == "AWS::KMS::Key"
    return argument if is_key else None


def _policies(context: Context, resource: Resource, record: dict) -> None:
    lifecycle = resource.get("LifecyclePolicy")
    text = policy_text(
        (lifecycle or {}).get("LifecyclePolicyText") if isinstance(lifecycle, dict) else lifecycle
    )
    if isinstance(text, Unknown):
        record["errors"]["lifecyclePolicy"] = context.error(resource, "LifecyclePolicy", text)
    elif text is not None:
        records.set_lifecycle_policy(record, text)
    policy = policy_text(resource.get("RepositoryPolicyText"))
    if isinstance(policy, Unknown):
        record["errors"]["repositoryPolicy"] = context.error(
            resource, "RepositoryPolicyText", policy
        )
    elif policy is not None:
        records.set_repository_policy(record, policy)


def _repository_settings(resource: Resource) -> tuple[dict[str, Any], dict[str, dict]]:
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
    exclusions = resource.get("ImageTagMutabilityExclusionFilters")
    if exclusions is not None:
        take("imageTagMutabilityExclusionFilters", exclusions, _exclusion_filters)
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


def _exclusion_filters(value: Any) -> list[dict[str, Any]]:
    return [
        {
            "filterType": f.get("ImageTagMutabilityExclusionFilterType"),
            "filter": f.get("ImageTagMutabilityExclusionFilterValue"),
        }
        for f in items(value)
        if isinstance(f, dict)
    ]


STEPS = (("AWS::ECR::Repository", repository),)

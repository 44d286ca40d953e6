"""AWS Security Finding Format (ASFF, schema 2018-10-08) for AWS Security Hub.

One finding per (control, resource), every verdict included: a PASS must reach Security Hub
too, or a failure fixed since the last import would stay open there. The finding's Id is
`ecrscan/<control>/<resource ARN>` (scanner.render.finding_identity), the same in every scan,
so a re-import updates the finding instead of adding one.

| ecrscan    | Compliance.Status | RecordState | Workflow   | Severity.Label      |
| ---------- | ----------------- | ----------- | ---------- | ------------------- |
| PASS       | PASSED            | ACTIVE      | RESOLVED   | INFORMATIONAL       |
| FAIL       | FAILED            | ACTIVE      | (Hub: NEW) | the control's       |
| ERROR      | WARNING           | ACTIVE      | (Hub: NEW) | the control's       |
| N/A        | NOT_AVAILABLE     | ARCHIVED    |            | INFORMATIONAL       |
| SUPPRESSED, WAIVED | FAILED    | ACTIVE      | SUPPRESSED | the control's       |
| deleted    | NOT_AVAILABLE     | ARCHIVED    |            | INFORMATIONAL       |

Security Hub takes Workflow from BatchImportFindings only when it creates a finding; later it
moves a RESOLVED finding back to NEW itself when Compliance.Status leaves PASSED. ProductArn is
the account's default product in the finding's region (`--region` of `export securityhub`
imports into one region instead).
"""

import json
from typing import Any

from scanner import __version__
from scanner.evaluate.results import Result, Results
from scanner.render.finding_identity import (
    AbsentResource,
    absent_resources,
    arn_partition,
    clip,
    collected_at,
    controls_by_id,
    evaluated_at,
    finding_id,
    framework_requirements,
    generator_id,
)

SCHEMA_VERSION = "2018-10-08"
# Security Hub's resource type names; a registry has none, so it is `Other`.
RESOURCE_TYPES = {"repository": "AwsEcrRepository", "vpc": "AwsEc2Vpc"}
COMPLIANCE = {
    "PASS": "PASSED",
    "FAIL": "FAILED",
    "ERROR": "WARNING",
    "N/A": "NOT_AVAILABLE",
    "SUPPRESSED": "FAILED",
    "WAIVED": "FAILED",
}
_WORKFLOW = {"PASS": "RESOLVED", "SUPPRESSED": "SUPPRESSED", "WAIVED": "SUPPRESSED"}
_INFORMATIONAL = ("PASS", "N/A")
# Types: namespace/category/classifier. Frameworks ecrscan's controls cite, in Security Hub's words.
_TYPES = {
    "aws-fsbp": "Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
    "nist-800-53-r5": "Industry and Regulatory Standards/NIST-800-53",
    "cis": "Industry and Regulatory Standards/CIS AWS Foundations Benchmark",
    "pci-dss": "Industry and Regulatory Standards/PCI-DSS",
}
_TYPE_PREFIX = "Software and Configuration Checks/"
_DEFAULT_TYPE = _TYPE_PREFIX + "AWS Security Best Practices"
# A region to import into for cells whose region is unknown (`*`: an account that could not be
# entered under --region all), per partition.
_HOME_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
# ASFF field limits (characters), from Security Hub's API reference.
TITLE_LIMIT, DESCRIPTION_LIMIT, RECOMMENDATION_LIMIT = 256, 1024, 512
PRODUCT_FIELD_LIMIT = 2048


def render(results: Results) -> str:
    """The findings as one JSON array, the shape `aws securityhub batch-import-findings
    --findings file://...` takes."""
    return json.dumps(findings(results), indent=2, ensure_ascii=False) + "\n"


def findings(results: Results, import_region: str | None = None) -> list[dict[str, Any]]:
    """Every result as an ASFF finding, then an archiving finding per control for each resource
    a targeted scan found deleted. `import_region` puts every finding in that region's hub."""
    controls = controls_by_id(results)
    fallback = _fallback_region(results)
    found = [
        _finding(r, controls.get(r.control_id, {}), results, import_region or _region(r, fallback))
        for r in results.results
    ]
    for absent in absent_resources(results):
        for control in results.controls:
            if control.get("resource_type") == absent.resource_type:
                region = import_region or absent.region or fallback
                found.append(_archived(absent, control, results, region))
    return found


def product_arn(partition: str, region: str, account: str) -> str:
    """The account's default product: what BatchImportFindings takes from a custom integration."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _finding(
    result: Result, control: dict[str, Any], results: Results, region: str
) -> dict[str, Any]:
    status = result.status
    partition = arn_partition(result.resource_id)
    severity = "INFORMATIONAL" if status in _INFORMATIONAL else result.severity
    finding = _common(result.control_id, control, results, partition, region, result.account_id)
    finding |= {
        "Id": finding_id(result.control_id, result.resource_id),
        "Description": clip(_description(result), DESCRIPTION_LIMIT),
        "Severity": {"Label": severity, "Original": result.severity},
        "Resources": [_resource(result.resource_type, result.resource_id, result, partition)],
        "Compliance": _compliance(COMPLIANCE[status], control),
        "RecordState": "ARCHIVED" if status == "N/A" else "ACTIVE",
        "ProductFields": _product_fields(result),
    }
    finding["FindingProviderFields"]["Severity"] = dict(finding["Severity"])
    if status in _WORKFLOW:
        finding["Workflow"] = {"Status": _WORKFLOW[status]}
    return finding


def _archived(
    absent: AbsentResource, control: dict[str, Any], results: Results, region: str
) -> dict[str, Any]:
    partition = arn_partition(absent.resource_id)
    finding = _common(control["id"], control, results, partition, region, absent.account_id)
    finding |= {
        "Id": finding_id(control["id"], absent.resource_id),
        "Description": clip(
            f"{absent.resource_type} {absent.name} ({absent.region}) no longer exists; this "
            "finding is closed.",
            DESCRIPTION_LIMIT,
        ),
        "Severity": {"Label": "INFORMATIONAL", "Original": control.get("severity", "LOW")},
        "Resources": [_resource(absent.resource_type, absent.resource_id, absent, partition)],
        "Compliance": _compliance("NOT_AVAILABLE", control),
        "RecordState": "ARCHIVED",
        "ProductFields": {"ecrscan/Status": "DELETED", "ProviderVersion": __version__},
    }
    finding["FindingProviderFields"]["Severity"] = dict(finding["Severity"])
    return finding


def _common(
    control_id: str,
    control: dict[str, Any],
    results: Results,
    partition: str,
    region: str,
    account: str,
) -> dict[str, Any]:
    updated = evaluated_at(results)
    types = _types(control)
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "ProductArn": product_arn(partition, region, account),
        "ProductName": "ecrscan",
        "CompanyName": "ecrscan",
        "GeneratorId": generator_id(control_id),
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": updated,
        "UpdatedAt": updated,
        "Title": clip(str(control.get("title") or control_id), TITLE_LIMIT),
        "FindingProviderFields": {"Types": list(types)},
    }
    observed = collected_at(results)
    if observed:
        finding["LastObservedAt"] = observed
    recommendation = _recommendation(control)
    if recommendation:
        finding["Remediation"] = {"Recommendation": recommendation}
    return finding


def _description(result: Result) -> str:
    text = result.reason or result.status
    if result.status == "ERROR":
        return f"Could not be decided: {text}"
    if result.exception:
        kind = result.exception.get("kind", "exception")
        return f"{text} ({result.status} by {kind}: {result.exception.get('reason', '')})"
    return text


def _compliance(status: str, control: dict[str, Any]) -> dict[str, Any]:
    compliance: dict[str, Any] = {"Status": status}
    requirements = framework_requirements(control)[:32]  # the API's limit
    if requirements:
        compliance["RelatedRequirements"] = requirements
    return compliance


def _types(control: dict[str, Any]) -> list[str]:
    frameworks = sorted((control.get("frameworks") or {}).keys())
    types = [_TYPE_PREFIX + _TYPES[name] for name in frameworks if name in _TYPES]
    return types or [_DEFAULT_TYPE]


def _recommendation(control: dict[str, Any]) -> dict[str, str] | None:
    remediation = control.get("remediation") or {}
    text = remediation.get("cli") or next(iter(remediation.values()), None)
    urls = [u for u in control.get("related_resources") or () if str(u).startswith("https://")]
    recommendation = {}
    if text:
        recommendation["Text"] = clip(" ".join(str(text).split()), RECOMMENDATION_LIMIT)
    if urls:
        recommendation["Url"] = str(urls[0])
    return recommendation or None


def _resource(
    resource_type: str, resource_id: str, about: Result | AbsentResource, partition: str
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": RESOURCE_TYPES.get(resource_type, "Other"),
        "Id": resource_id,
        "Partition": partition if partition in _HOME_REGIONS else "aws",
    }
    if about.region and about.region != "*":
        resource["Region"] = about.region
    name = getattr(about, "resource_name", None) or getattr(about, "name", "")
    if resource_type == "repository" and resource_id.startswith("arn:"):
        resource["Details"] = {"AwsEcrRepository": {"Arn": resource_id, "RepositoryName": name}}
    elif resource["Type"] == "Other":
        other = {"ecrscan/ResourceType": resource_type, "Name": name}
        resource["Details"] = {"Other": {key: value for key, value in other.items() if value}}
    return resource


def _product_fields(result: Result) -> dict[str, str]:
    fields = {
        "ecrscan/Status": result.status,
        "ecrscan/ResourceType": result.resource_type,
        "ProviderVersion": __version__,
    }
    if result.exception:
        fields["ecrscan/ExceptionKind"] = str(result.exception.get("kind", ""))
        fields["ecrscan/ExceptionReason"] = str(result.exception.get("reason", ""))
    # FieldMap values must not be empty.
    return {key: clip(value, PRODUCT_FIELD_LIMIT) for key, value in fields.items() if value}


def _region(result: Result, fallback: str) -> str:
    return result.region if result.region and result.region != "*" else fallback


def _fallback_region(results: Results) -> str:
    snapshot = results.metadata.get("snapshot") or {}
    regions = [r for r in snapshot.get("regions") or () if r != "*"]
    if regions:
        return str(regions[0])
    return _HOME_REGIONS.get(str(snapshot.get("partition") or "aws"), "us-east-1")

"""OCSF Compliance Finding (class_uid 2003, schema 1.5.0) as JSON lines, one event a line.

The shape Prowler writes by default and data lakes (Amazon Security Lake, OpenSearch, Splunk)
ingest. One event per (control, resource), every verdict included, keyed by the same stable
finding_info.uid as the ASFF Id (scanner.render.finding_identity), so a lake can keep the
latest state of each cell. A resource a targeted scan found deleted gets a Close event
(activity_id 3) per control.

compliance.status_id: 1 Pass (PASS), 3 Fail (FAIL, and SUPPRESSED / WAIVED, whose finding
status_id is 3 Suppressed), 2 Warning (ERROR: the check lacked information), 99 Other (N/A),
0 Unknown (deleted). status_code keeps ecrscan's own word.
"""

import json
from datetime import datetime
from typing import Any

from scanner import __version__
from scanner.evaluate.results import Result, Results
from scanner.render.finding_identity import (
    AbsentResource,
    absent_resources,
    arn_partition,
    controls_by_id,
    evaluated_at,
    finding_id,
    framework_requirements,
)

OCSF_VERSION = "1.5.0"
CLASS_UID, CATEGORY_UID = 2003, 2
ACTIVITY_CREATE, ACTIVITY_CLOSE = 1, 3
COMPLIANCE_STATUS = {"PASS": 1, "FAIL": 3, "ERROR": 2, "N/A": 99, "SUPPRESSED": 3, "WAIVED": 3}
SEVERITY_ID = {"LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5}
# Finding status_id: 1 New, 3 Suppressed, 5 Archived.
_FINDING_STATUS = {"SUPPRESSED": 3, "WAIVED": 3}
RESOURCE_TYPES = {
    "repository": "AwsEcrRepository",
    "vpc": "AwsEc2Vpc",
    "registry": "AwsEcrRegistry",
}
# The standards behind the framework ids that controls cite.
STANDARDS = {
    "aws-fsbp": "AWS Foundational Security Best Practices",
    "nist-800-53-r5": "NIST SP 800-53 Revision 5",
    "cis": "CIS AWS Foundations Benchmark",
    "pci-dss": "PCI DSS",
}
PRODUCT = {"name": "ecrscan", "vendor_name": "ecrscan", "version": __version__}


def render(results: Results) -> str:
    lines = [json.dumps(event, ensure_ascii=False) for event in events(results)]
    return "".join(line + "\n" for line in lines)


def events(results: Results) -> list[dict[str, Any]]:
    controls = controls_by_id(results)
    moment = _epoch_ms(evaluated_at(results))
    found = [_event(r, controls.get(r.control_id, {}), moment) for r in results.results]
    for absent in absent_resources(results):
        for control in results.controls:
            if control.get("resource_type") == absent.resource_type:
                found.append(_closed(absent, control, moment))
    return found


def _event(result: Result, control: dict[str, Any], moment: int) -> dict[str, Any]:
    compliance_status = COMPLIANCE_STATUS[result.status]
    event = _base(result.control_id, control, ACTIVITY_CREATE, moment, result.severity)
    event |= {
        "message": result.reason or result.status,
        "status_code": result.status,
        "status_id": _FINDING_STATUS.get(result.status, 1),
        "status": "Suppressed" if result.status in _FINDING_STATUS else "New",
        "compliance": _compliance(result.control_id, control, compliance_status),
        "finding_info": _finding_info(result.control_id, result.resource_id, control, moment),
        "resources": [
            _resource(
                result.resource_type,
                result.resource_id,
                result.resource_name,
                result.region,
                result.account_id,
            )
        ],
    }
    if result.exception:
        event["status_detail"] = str(result.exception.get("reason", ""))
        event["unmapped"] = {"ecrscan": {"exception": result.exception}}
    return event


def _closed(absent: AbsentResource, control: dict[str, Any], moment: int) -> dict[str, Any]:
    event = _base(control["id"], control, ACTIVITY_CLOSE, moment, control.get("severity", "LOW"))
    event |= {
        "message": f"{absent.resource_type} {absent.name} no longer exists",
        "status_code": "DELETED",
        "status_id": 5,
        "status": "Archived",
        "compliance": _compliance(control["id"], control, 0),
        "finding_info": _finding_info(control["id"], absent.resource_id, control, moment),
        "resources": [
            _resource(
                absent.resource_type,
                absent.resource_id,
                absent.name,
                absent.region,
                absent.account_id,
            )
        ],
    }
    return event


def _base(
    control_id: str, control: dict[str, Any], activity: int, moment: int, severity: str
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "category_name": "Findings",
        "category_uid": CATEGORY_UID,
        "class_name": "Compliance Finding",
        "class_uid": CLASS_UID,
        "activity_id": activity,
        "activity_name": "Create" if activity == ACTIVITY_CREATE else "Close",
        "type_uid": CLASS_UID * 100 + activity,
        "type_name": f"Compliance Finding: {'Create' if activity == ACTIVITY_CREATE else 'Close'}",
        "severity_id": SEVERITY_ID.get(severity, 0),
        "severity": severity.capitalize(),
        "time": moment,
        "metadata": {"product": dict(PRODUCT), "version": OCSF_VERSION},
    }
    remediation = _remediation(control)
    if remediation:
        event["remediation"] = remediation
    return event


def _compliance(control_id: str, control: dict[str, Any], status_id: int) -> dict[str, Any]:
    compliance: dict[str, Any] = {
        "control": control_id,
        "desc": str(control.get("title") or control_id),
        "status_id": status_id,
    }
    requirements = framework_requirements(control)
    if requirements:
        compliance["requirements"] = requirements
        names = sorted((control.get("frameworks") or {}).keys())
        compliance["standards"] = [STANDARDS.get(name, name) for name in names]
    return compliance


def _finding_info(
    control_id: str, resource_id: str, control: dict[str, Any], moment: int
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "uid": finding_id(control_id, resource_id),
        "title": str(control.get("title") or control_id),
        "modified_time": moment,
        "types": ["ecrscan/" + control_id],
    }
    if control.get("description"):
        info["desc"] = str(control["description"])
    return info


def _resource(
    resource_type: str, resource_id: str, name: str, region: str, account: str
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "uid": resource_id,
        "type": RESOURCE_TYPES.get(resource_type, resource_type),
        "name": name,
        "cloud_partition": arn_partition(resource_id),
        "data": {"account_id": account},
    }
    if region and region != "*":
        resource["region"] = region
    return resource


def _remediation(control: dict[str, Any]) -> dict[str, Any] | None:
    remediation = control.get("remediation") or {}
    if not remediation:
        return None
    desc = "\n\n".join(f"{how}:\n{text}" for how, text in sorted(remediation.items()))
    urls = [str(u) for u in control.get("related_resources") or () if str(u).startswith("http")]
    return {"desc": desc, "references": urls} if urls else {"desc": desc}


def _epoch_ms(timestamp: str) -> int:
    """OCSF `time`: milliseconds since the epoch."""
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)

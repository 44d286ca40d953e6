"""SARIF 2.1.0 for code scanning: one rule per control, one result per finding.

GitHub code scanning rejects a file whose results lack a physical location, so every result has
one: an IaC result its file (and, for CloudFormation, the line); a live result the stable URI
`ecr/<account>/<region>/<repository>`, `ecr/<account>/<region>/registry` or
`vpc/<account>/<region>/<vpc id>` (docs/ci.md). Rules come from the controls' METADATA (the
results carry their summaries), with helpUri and security-severity. `automationDetails.id`
names the category (`ecrscan/iac/` or `ecrscan/aws/`), so both kinds of scan can be uploaded
to one repository. A run whose collection was incomplete (metadata.snapshot_errors) says so in
invocations: executionSuccessful false, one error notification per failed call. A result is written
for every FAIL (level from its severity), ERROR (the control could not decide; it fails the gate
too) and SUPPRESSED cell (with a SARIF in-source suppression and its justification, so code
scanning shows it as dismissed rather than hiding it). PASS and N/A cells are not findings.
A failure a --baseline already knew has baselineState "unchanged"; a new one "new".
"""

import hashlib
import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from scanner import __version__
from scanner.audit.baseline import is_known
from scanner.evaluate.results import Result, Results

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
# GitHub code scanning ranks security alerts by this number (CVSS-like, 0.0-10.0).
_SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
_REPORTED = ("FAIL", "ERROR", "SUPPRESSED")


def render(results: Results) -> str:
    controls = list(results.controls)
    index = {c["id"]: position for position, c in enumerate(controls)}
    run = {
        "automationDetails": {"id": _category(results)},
        "invocations": [_invocation(results)],
        "tool": {
            "driver": {
                "name": "ecrscan",
                "version": __version__,
                "informationUri": "https://github.com/ecrscan/ecrscan",
                "rules": [_rule(c) for c in controls],
            }
        },
        "results": [
            _result(r, index)
            for r in results.results
            if r.status in _REPORTED and r.control_id in index
        ],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _category(results: Results) -> str:
    planned = any(r.source for r in results.results) or "sources" in results.metadata
    return "ecrscan/iac/" if planned else "ecrscan/aws/"


def _invocation(results: Results) -> dict[str, Any]:
    errors = [e for e in results.metadata.get("snapshot_errors") or () if isinstance(e, dict)]
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [_notification(e) for e in errors]
    return invocation


def _notification(error: dict[str, Any]) -> dict[str, Any]:
    where = "/".join(str(error[k]) for k in ("account_id", "region") if error.get(k))
    text = (
        f"collection incomplete: {error.get('operation', '?')} failed with "
        f"{error.get('code', '?')}: {error.get('message', '')}" + (f" ({where})" if where else "")
    )
    return {"level": "error", "message": {"text": _one_line(text)}}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _rule(control: dict[str, Any]) -> dict[str, Any]:
    remediation = control.get("remediation") or {}
    help_text = "\n\n".join(f"{how}:\n{text}" for how, text in sorted(remediation.items()))
    frameworks = control.get("frameworks") or {}
    links = [u for u in control.get("related_resources") or () if str(u).startswith("https://")]
    return {
        "id": control["id"],
        "name": "".join(part.capitalize() for part in control["id"].split("-")),
        "shortDescription": {"text": control["title"]},
        "fullDescription": {"text": control.get("description") or control["title"]},
        "help": {
            "text": help_text or control["title"],
            "markdown": "\n\n".join(
                f"**{how}**\n\n```\n{text}\n```" for how, text in sorted(remediation.items())
            )
            or control["title"],
        },
        **({"helpUri": links[0]} if links else {}),
        "defaultConfiguration": {"level": _LEVELS[control["severity"]]},
        "properties": {
            # GitHub keeps at most 10 tags of a rule and rejects more than 20.
            "tags": (
                ["security", control["resource_type"]]
                + [f"{name} {item}" for name, items in sorted(frameworks.items()) for item in items]
            )[:10],
            "security-severity": _SECURITY_SEVERITY[control["severity"]],
            "severity": control["severity"],
        },
    }


def _result(result: Result, index: dict[str, int]) -> dict[str, Any]:
    sarif: dict[str, Any] = {
        "ruleId": result.control_id,
        "ruleIndex": index[result.control_id],
        "kind": "fail",
        "level": "warning" if result.status == "ERROR" else _LEVELS[result.severity],
        "message": {"text": _one_line(_message(result))},
        "locations": [_location(result)],
        "partialFingerprints": {"ecrscanResource/v1": _fingerprint(result)},
        "properties": {
            "status": result.status,
            "severity": result.severity,
            "resourceId": result.resource_id,
            "resourceType": result.resource_type,
        },
    }
    if result.status == "FAIL":
        sarif["baselineState"] = "unchanged" if is_known(result) else "new"
    if result.status == "SUPPRESSED":
        reason = (result.exception or {}).get("reason", "")
        sarif["suppressions"] = [{"kind": "inSource", "justification": reason}]
    return sarif


def _message(result: Result) -> str:
    where = f"{result.resource_type} {result.resource_name} ({result.region})"
    if result.status == "ERROR":
        return f"{where}: could not be decided: {result.reason}"
    return f"{where}: {result.reason}"


def _location(result: Result) -> dict[str, Any]:
    source = result.source or {}
    name = source.get("address") or source.get("logical_id") or result.resource_id
    line = source.get("line") if isinstance(source.get("line"), int) else 1
    uri = PurePath(source["file"]).as_posix() if source.get("file") else live_uri(result)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": max(line, 1)},
        },
        "logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}],
    }


def live_uri(result: Result) -> str:
    """The artifact a live resource stands for: stable, relative, readable (docs/ci.md)."""
    service = "vpc" if result.resource_type == "vpc" else "ecr"
    name = "registry" if result.resource_type == "registry" else result.resource_name
    parts = [result.account_id, result.region, *name.split("/")]
    return "/".join([service, *(quote(p, safe="") or "-" for p in parts)])


def _fingerprint(result: Result) -> str:
    """Stable across runs and line moves: the control and the resource identity."""
    return hashlib.sha256(f"{result.control_id}|{result.resource_id}".encode()).hexdigest()

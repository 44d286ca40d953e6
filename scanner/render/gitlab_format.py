"""GitLab's code quality report (a JSON array of issues), for `artifacts:reports:codequality`.

One issue per FAIL and per ERROR cell (undecided: it fails the gate too), with the fields GitLab
reads: description, check_name, fingerprint, severity, location.path and location.lines.begin.
Suppressed cells and failures a --baseline knew are left out, as GitLab shows them as resolved
or unchanged by fingerprint. The path is the IaC source file (line 1 where the format has no
lines), or for live results the stable URI the SARIF output uses (ecr/<account>/<region>/...).
"""

import hashlib
import json
from typing import Any

from scanner.audit.baseline import is_known
from scanner.evaluate.results import Result, Results
from scanner.render.sarif_format import live_uri

# GitLab's severities: info, minor, major, critical, blocker.
_SEVERITIES = {"CRITICAL": "critical", "HIGH": "major", "MEDIUM": "minor", "LOW": "info"}


def render(results: Results) -> str:
    issues = [
        _issue(r)
        for r in results.results
        if r.status == "ERROR" or (r.status == "FAIL" and not is_known(r))
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(result: Result) -> dict[str, Any]:
    source = result.source or {}
    line = source.get("line") if isinstance(source.get("line"), int) else 1
    undecided = result.status == "ERROR"
    text = f"{result.control_id}: {result.resource_name} ({result.region}): " + (
        f"could not be decided: {result.reason}" if undecided else result.reason
    )
    return {
        "type": "issue",
        "description": " ".join(text.split()),
        "check_name": result.control_id,
        "fingerprint": hashlib.sha256(
            f"{result.control_id}|{result.resource_id}|{result.status}".encode()
        ).hexdigest(),
        "severity": "major" if undecided else _SEVERITIES[result.severity],
        "categories": ["Security"],
        "location": {
            "path": str(source.get("file") or live_uri(result)),
            "lines": {"begin": max(line, 1)},
        },
    }

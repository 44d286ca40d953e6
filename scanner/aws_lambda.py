"""AWS Lambda entry points (deploy/continuous.yaml, deploy/organization.yaml).

- `handler`: EventBridge events (ECR's, CloudTrail's record of ECR API calls, a schedule):
  re-judges what the event changed, exports the findings to Security Hub, keeps the results
  in S3, and returns a JSON summary of what it judged (scanner.continuous.recheck).
- `organization_step`: the steps of the organisation-wide Step Functions state machine
  (scanner.continuous.organization).

Each invocation logs its summary as one JSON line. An event it cannot use, or a run left
incomplete, raises: Lambda retries it, then hands it to the dead-letter queue.
"""

import json
import os
from typing import Any

from scanner.continuous import organization, recheck
from scanner.continuous.settings import Settings


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    settings = Settings.from_environment(os.environ)
    try:
        summary = recheck.run(event, settings, function_account=_account_of(context))
    except recheck.RecheckIncomplete as incomplete:
        _log({"ecrscan": "incomplete", **incomplete.summary})
        raise
    _log({"ecrscan": "rechecked", **summary})
    return summary


def organization_step(event: Any, context: Any = None) -> dict[str, Any]:
    settings = Settings.from_environment(os.environ)
    answer = organization.run_step(event, settings)
    _log({"ecrscan": "organization-step", **answer})
    return answer


def _account_of(context: Any) -> str | None:
    """The function's own account, from its ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)."""
    arn = getattr(context, "invoked_function_arn", None)
    parts = str(arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None


def _log(record: dict[str, Any]) -> None:
    print(json.dumps(record, sort_keys=True, default=str), flush=True)

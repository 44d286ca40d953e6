"""Parse a JSON policy text (IAM, repository, registry, lifecycle, VPC endpoint policies).

Pure and free of AWS SDK imports, so adapters that read policies from IaC can reuse it.
"""

import json
from typing import Any


def parse_policy_text(text: str) -> dict[str, Any]:
    """{"document": <parsed JSON>} or {"parseError": "<why it is not JSON>"}.

    The policy is kept as written; a text that is not JSON is reported rather than dropped,
    because a control must be able to say "this policy could not be read".
    """
    if not isinstance(text, str):
        return {"parseError": f"expected a JSON text, got {type(text).__name__}"}
    try:
        return {"document": json.loads(text)}
    except json.JSONDecodeError as exc:
        return {"parseError": f"not valid JSON: {exc}"}
    except RecursionError:  # hostile text (an IaC source is a pull request): nested arrays
        return {"parseError": "not readable JSON: nested too deeply"}
    except ValueError as exc:  # an integer of thousands of digits
        return {"parseError": f"not readable JSON: {str(exc)[:80]}"}


def parse_optional_policy_text(text: str | None) -> dict[str, Any] | None:
    """parse_policy_text, with None (no policy at all) passed through as None."""
    return None if text is None else parse_policy_text(text)

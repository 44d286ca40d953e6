"""The "incomplete" notice: collection errors that no single cell carries.

A region list that could not be read, an account that could not be entered or an organisation
that could not be listed leaves part of the estate unseen, yet no resource's cell says so. The
snapshot keeps these under its top-level `errors`; evaluation copies them to the results'
`metadata["snapshot_errors"]` ({"operation", "code", "message"}, possibly with "account_id" and
"region"). Every format shows them, and the exit code is 3.
"""

import sys
from typing import Any

from scanner.text_safety import for_terminal

MESSAGE_LIMIT = 200  # an endpoint's message can be a whole HTML error page


def collection_errors(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's top-level collection errors; anything that is not a record counts as one, so a
    damaged list can never read as a complete run."""
    errors = metadata.get("snapshot_errors") or []
    if not isinstance(errors, list):
        errors = [errors]
    return [e if isinstance(e, dict) else {"operation": "?", "message": str(e)} for e in errors]


def is_incomplete(metadata: dict[str, Any]) -> bool:
    return bool(collection_errors(metadata))


def headline(errors: list[dict[str, Any]]) -> str:
    return (
        f"INCOMPLETE: {len(errors)} collection error(s) left part of the estate unseen; "
        "the verdicts cover only what was collected"
    )


def where(error: dict[str, Any]) -> str:
    """`account 111122223333, region *`, or empty when the record names neither."""
    parts = [
        f"{label} {error[key]}"
        for key, label in (("account_id", "account"), ("region", "region"))
        if error.get(key)
    ]
    return ", ".join(parts)


def describe(error: dict[str, Any]) -> str:
    """One line: `ListRegions AccessDeniedException (account 1111..., region *): message`."""
    scope = where(error)
    text = f"{error.get('operation', '?')} {error.get('code', '?')}"
    text += f" ({scope})" if scope else ""
    message = short_message(error.get("message"))
    return for_terminal(text + (f": {message}" if message else ""))


def short_message(message: Any) -> str:
    text = " ".join(str(message or "").split())
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return for_terminal(text)


def banner_lines(metadata: dict[str, Any]) -> list[str]:
    """The notice as plain lines, or [] for a complete run."""
    errors = collection_errors(metadata)
    if not errors:
        return []
    return [headline(errors), *(f"  - {describe(e)}" for e in errors)]


def warn_if_incomplete(metadata: dict[str, Any], stream=None) -> bool:
    """One warning line on stderr for an incomplete run; True when there was one."""
    errors = collection_errors(metadata)
    if errors:
        first = describe(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        print(
            f"ecrscan: warning: incomplete run, {len(errors)} collection error(s): {first}{more}",
            file=stream or sys.stderr,
        )
    return bool(errors)

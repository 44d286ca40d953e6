"""Suppressions written in the source, beside the resource they excuse.

Terraform: one tag per control, `ecrscan:suppress:<control-id>` = `<reason>`. AWS tag values
allow only letters, digits, spaces and `_ . : / = + - @`, so a list packed into one value (with
`;` or `,`) would be rejected by AWS itself; one tag per control always survives.

CloudFormation: `Metadata: {ecrscan: {suppress: [{id: <control-id>, reason: <reason>}]}}`.

Either way a suppression names a control and says why; one without a reason is an input error.
The suppressed result stays in every output under status SUPPRESSED, with its reason.
"""

import re
from typing import Any

from scanner.errors import InputError

TAG_PREFIX = "ecrscan:suppress:"
_CONTROL_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def from_tags(tags: dict[str, Any], where: str) -> list[dict[str, str]]:
    """Suppressions from a Terraform resource's tags (other tags are ignored)."""
    found = []
    for key, value in sorted(tags.items()):
        if key.startswith(TAG_PREFIX):
            found.append(_suppression(key[len(TAG_PREFIX) :], value, where))
    return found


def from_metadata(metadata: Any, where: str) -> list[dict[str, str]]:
    """Suppressions from a CloudFormation resource's Metadata.ecrscan.suppress list."""
    if not isinstance(metadata, dict) or "ecrscan" not in metadata:
        return []
    block = metadata["ecrscan"]
    entries = block.get("suppress") if isinstance(block, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{where}: Metadata.ecrscan.suppress must be a list of {{id, reason}}")
    found = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise InputError(f"{where}: each Metadata.ecrscan.suppress entry needs id and reason")
        found.append(_suppression(entry.get("id"), entry.get("reason"), where))
    return found


def check_known(suppressions: list[dict[str, str]], known_ids: set[str], where: str) -> None:
    for suppression in suppressions:
        if suppression["control_id"] not in known_ids:
            raise InputError(
                f"{where}: suppression names unknown control id {suppression['control_id']!r} "
                f"(known: {', '.join(sorted(known_ids))})"
            )


def _suppression(control_id: Any, reason: Any, where: str) -> dict[str, str]:
    if not isinstance(control_id, str) or not _CONTROL_ID.match(control_id):
        raise InputError(f"{where}: suppression names no valid control id ({control_id!r})")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{where}: suppression of {control_id} gives no reason")
    return {"control_id": control_id, "reason": reason.strip()}

"""Which of ecrscan's inputs a document is, so a file given to the wrong command is named.

`ecrscan evaluate results.json` used to answer with the snapshot schema's first complaint; the
user needs to hear that the file is a results file and which command reads it.
"""

from typing import Any

# kind -> (how to name it, the command that reads it)
KINDS = {
    "snapshot": ("an ecrscan snapshot", "ecrscan evaluate"),
    "results": ("an ecrscan results file", "ecrscan report"),
    "plan": ("a Terraform plan", "ecrscan iac"),
    "template": ("a CloudFormation template", "ecrscan iac"),
}


def kind_of(document: Any) -> str | None:
    """snapshot, results, plan, template, or None for anything else."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("metadata"), dict) and "results" in document:
        return "results"
    if "schema_version" in document and "inventory" in document:
        return "snapshot"
    if "format_version" in document and (
        "planned_values" in document or "terraform_version" in document
    ):
        return "plan"
    if isinstance(document.get("Resources"), dict):
        return "template"
    return None


def wrong_kind_hint(document: Any, expected: str) -> str:
    """'; it is a results file (ecrscan report reads it)' when the document is another of our
    inputs, else ''."""
    kind = kind_of(document)
    if kind is None or kind == expected:
        return ""
    name, command = KINDS[kind]
    return f"; it is {name}, which `{command}` reads"

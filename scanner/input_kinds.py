"""Which of ecrscan's inputs a document is, so a file given to the wrong command is named.

`ecrscan evaluate results.json` used to answer with the snapshot schema's first complaint; the
user needs to hear that the file is a results file and which command reads it.
"""

import re
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


# A CloudFormation template written in YAML, as its first keys spell it.
_YAML_TEMPLATE = re.compile(r"^(AWSTemplateFormatVersion|Resources|Transform)\s*:", re.MULTILINE)


def text_kind_hint(text: str) -> str:
    """For a file that is not JSON: '; it looks like a CloudFormation template, ...' when it
    reads like a YAML template (the one input of ecrscan that is not JSON), else ''."""
    if _YAML_TEMPLATE.search(text[:65536]) is None:
        return ""
    name, command = KINDS["template"]
    return f"; it looks like {name}, which `{command}` reads"

"""Planned infrastructure (Terraform plans, CloudFormation templates) as an ecrscan snapshot.

Each source becomes the records the live collector writes, so the same controls judge it; see
docs/ci.md for how a CI job gates a change on the verdicts.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner import snapshot as snapshots
from scanner.errors import InputError
from scanner.fileio import read_text
from scanner.iac import cloudformation, terraform
from scanner.iac.cloudformation import yaml_reader
from scanner.iac.records import Estate
from scanner.iac.settings import Settings

__all__ = ["Settings", "load_sources"]


def load_sources(paths: list[str], settings: Settings, now: datetime | None = None) -> dict:
    """One snapshot describing every source, validated against the snapshot schema."""
    estate = Estate()
    for path in paths:
        _load_source(path, estate, settings)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    snapshot = estate.snapshot(moment.isoformat().replace("+00:00", "Z"))
    snapshots.validate(snapshot, source="snapshot built from the IaC sources")
    return snapshot


def _load_source(path: str, estate: Estate, settings: Settings) -> None:
    text = read_text(path, "IaC source")
    if not text.strip():
        raise InputError(f"{path}: IaC source is empty")
    document = _parse(path, text)
    if cloudformation.is_template(document):
        cloudformation.load(document, path, estate, settings)
    elif isinstance(document, dict) and "format_version" in document:
        terraform.load(document, path, estate, settings)
    else:
        raise InputError(
            f"{path}: neither a Terraform plan (`terraform show -json plan.out`) nor a "
            "CloudFormation template (no format_version, no Resources)"
        )


def _parse(path: str, text: str) -> Any:
    """JSON (plans, JSON templates) or YAML (templates); a .json file must be JSON."""
    if Path(path).suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        return _with_resource_lines(document, text, path)
    return yaml_reader.load(text, path)


def _with_resource_lines(document: Any, text: str, path: str) -> Any:
    """A JSON template's resources, with the line of each logical id (JSON is YAML's subset)."""
    if not cloudformation.is_template(document):
        return document
    try:
        located = yaml_reader.load(text, path)
    except InputError:
        return document
    lines = getattr((located or {}).get("Resources"), "lines", None)
    if lines:
        resources = yaml_reader.Mapping(document["Resources"])
        resources.lines = lines
        document["Resources"] = resources
    return document

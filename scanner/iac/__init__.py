"""Planned infrastructure (Terraform plans, CloudFormation templates) as an ecrscan snapshot.

Each source becomes the records the live collector writes, so the same controls judge it; see
docs/ci.md for how a CI job gates a change on the verdicts.
"""

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner import snapshot as snapshots
from scanner.errors import InputError
from scanner.fileio import read_text
from scanner.iac import cloudformation, terraform
from scanner.iac.cloudformation import yaml_reader
from scanner.iac.parsing import parse
from scanner.iac.records import Estate
from scanner.iac.settings import Settings

__all__ = ["Settings", "display_path", "load_sources"]


def load_sources(paths: list[str], settings: Settings, now: datetime | None = None) -> dict:
    """One snapshot describing every source, validated against the snapshot schema.

    A file named twice (or reached twice) is read once.
    """
    estate = Estate()
    seen: set[str] = set()
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            _load_source(path, estate, settings)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    snapshot = estate.snapshot(moment.isoformat().replace("+00:00", "Z"))
    snapshots.validate(snapshot, source="snapshot built from the IaC sources")
    return snapshot


def display_path(path: str) -> str:
    """How results name a source: relative to the working directory when under it (so a CI
    checkout in another folder gives the same identities), POSIX separators, no `./`."""
    normal = Path(os.path.normpath(path))
    if normal.is_absolute():
        with contextlib.suppress(ValueError):  # outside the working directory: kept absolute
            normal = normal.relative_to(Path.cwd())
    return normal.as_posix()


def _load_source(path: str, estate: Estate, settings: Settings) -> None:
    where = display_path(path)
    text = read_text(path, "IaC source")
    if not text.strip():
        raise InputError(f"{where}: IaC source is empty")
    parsed = parse(where, text)
    document = parsed.document
    kind = kind_of(document)
    if kind is None:
        raise InputError(
            f"{where}: neither a Terraform plan (`terraform show -json plan.out`) nor a "
            "CloudFormation template (no format_version, no Resources)"
        )
    if parsed.duplicates:
        raise InputError(yaml_reader.duplicate_message(where, parsed.duplicates))
    if kind == "cloudformation":
        cloudformation.load(_with_resource_lines(document, text, where), where, estate, settings)
    else:
        terraform.load(document, where, estate, settings)


def kind_of(document: Any) -> str | None:
    """ "terraform", "cloudformation", or None for anything else."""
    if cloudformation.is_template(document):
        return "cloudformation"
    if isinstance(document, dict) and "format_version" in document:
        return "terraform"
    return None


def _with_resource_lines(document: Any, text: str, path: str) -> Any:
    """A JSON template's resources, with the line of each logical id (JSON is YAML's subset)."""
    if hasattr(document.get("Resources"), "lines"):
        return document
    try:
        located = yaml_reader.load(text, path)
    except InputError:
        return document
    resources = located.get("Resources") if isinstance(located, dict) else None
    lines = getattr(resources, "lines", None)
    if lines and isinstance(document.get("Resources"), dict):
        resources = yaml_reader.Mapping(document["Resources"])
        resources.lines = lines
        document["Resources"] = resources
    return document

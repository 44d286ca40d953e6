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
from scanner.iac import cloudformation, consumer_records, terraform
from scanner.iac.cloudformation import yaml_reader
from scanner.iac.parsing import Parsed, parse
from scanner.iac.records import Estate
from scanner.iac.settings import Settings
from scanner.iac.sources import StackEnv, discover, looks_like_iac

__all__ = ["Settings", "StackEnv", "display_path", "load_sources"]


def load_sources(
    paths: list[str],
    settings: Settings,
    now: datetime | None = None,
    *,
    stack_envs: list[StackEnv] | None = None,
    skip_unrecognised: bool = False,
    notes: list[str] | None = None,
) -> dict:
    """One snapshot describing every source, validated against the snapshot schema.

    Directories are walked and CDK assemblies read (sources.discover). A file found in a
    directory, or any file with skip_unrecognised, that is neither a plan nor a template is
    skipped with a line in `notes`; named plainly, it is an input error. A file named twice (or
    reached twice) is read once.
    """
    estate = Estate()
    seen: set[str] = set()
    notes = [] if notes is None else notes
    for source in discover(paths, settings, stack_envs or []):
        real = os.path.realpath(source.path)
        if real not in seen:
            seen.add(real)
            skip = skip_unrecognised or source.walked
            _load_source(source.path, estate, source.settings, skip, notes)
    if not estate.scopes and not notes:
        raise InputError("no Terraform plan or CloudFormation template in the paths given")
    consumer_records.settle_lookups(estate)  # across sources: a repository another one creates
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


def _load_source(
    path: str, estate: Estate, settings: Settings, skip: bool, notes: list[str]
) -> None:
    where = display_path(path)
    text = read_text(path, "IaC source")
    try:
        parsed = _recognised(where, text)
    except _NotIac as reason:
        if not skip:
            raise InputError(str(reason)) from None
        notes.append(f"{where}: skipped: {reason.note}")
        return
    if parsed.duplicates:
        raise InputError(yaml_reader.duplicate_message(where, parsed.duplicates))
    document = parsed.document
    if kind_of(document) == "cloudformation":
        cloudformation.load(_with_resource_lines(document, text, where), where, estate, settings)
    else:
        terraform.load(document, where, estate, settings)


class _NotIac(InputError):
    """Not a source ecrscan reads: an input error when named, a note when skipped."""

    def __init__(self, message: str, note: str):
        super().__init__(message)
        self.note = note


def _recognised(where: str, text: str) -> Parsed:
    if not text.strip():
        raise _NotIac(f"{where}: IaC source is empty", "empty")
    try:
        parsed = parse(where, text)
    except InputError as refused:
        if looks_like_iac(text):
            raise  # a broken template or plan is refused, never skipped unread
        raise _NotIac(str(refused), "not JSON or YAML that ecrscan reads") from None
    if kind_of(parsed.document) is None:
        raise _NotIac(
            f"{where}: neither a Terraform plan (`terraform show -json plan.out`) nor a "
            "CloudFormation template (no format_version, no Resources)",
            "neither a Terraform plan nor a CloudFormation template",
        )
    return parsed


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

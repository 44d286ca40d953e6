"""The snapshot: the contract between collection and evaluation.

A snapshot is plain JSON that validates against `schema.json` beside this file. It is written
atomically, so an interrupted run never leaves a truncated file where a good one was.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from scanner.errors import InputError
from scanner.fileio import read_json, write_json_atomic
from scanner.resources import snapshot_schema_path

SCHEMA_VERSION = 1


@cache
def schema() -> dict[str, Any]:
    return json.loads(snapshot_schema_path().read_text(encoding="utf-8"))


def validation_errors(snapshot: Any) -> list[str]:
    """Every schema violation, as 'path: message' lines (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(snapshot), key=lambda e: list(e.absolute_path))
    ]


def validate(snapshot: Any, source: str = "snapshot") -> None:
    if isinstance(snapshot, dict) and snapshot.get("schema_version") not in (None, SCHEMA_VERSION):
        raise InputError(
            f"{source}: schema_version {snapshot['schema_version']!r} is not supported "
            f"(this ecrscan reads version {SCHEMA_VERSION})"
        )
    problems = validation_errors(snapshot)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{source}: not an ecrscan snapshot: {problems[0]}{more}")


def load(path: str | Path) -> dict[str, Any]:
    snapshot = read_json(path, what="snapshot")
    validate(snapshot, source=str(path))
    return snapshot


def save(snapshot: dict[str, Any], path: str | Path) -> None:
    write_json_atomic(snapshot, path)

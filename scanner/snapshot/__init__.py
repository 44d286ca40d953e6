"""The snapshot: the contract between collection and evaluation.

A snapshot is plain JSON that validates against `schema.json` beside this file. It is written
atomically, so an interrupted run never leaves a truncated file where a good one was.
"""

import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from scanner.errors import InputError
from scanner.fileio import read_json, write_json_atomic
from scanner.input_kinds import wrong_kind_hint
from scanner.resources import snapshot_schema_path
from scanner.snapshot.compact import share_repeats

SCHEMA_VERSION = 1


@cache
def schema() -> dict[str, Any]:
    return json.loads(snapshot_schema_path().read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """The reference validator, built once. No format checker: `format` stays an annotation."""
    return jsonschema.Draft202012Validator(schema())


@cache
def _compiled_check() -> Callable[[Any], Any]:
    """The schema compiled to Python by fastjsonschema: a 100,000-repository snapshot takes
    about 2 s instead of 30 s. It has no draft 2020-12 mode, but the schema uses only keywords
    that draft 7 shares ($defs is reached through plain JSON pointers). Formats are switched
    off to match the reference validator."""
    draft7 = {**schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(draft7, formats={"date-time": _any_text})


def _any_text(_: str) -> bool:
    return True


def _compiled_accepts(snapshot: Any) -> bool:
    """True only for a snapshot the reference validator accepts too; anything the compiled
    check rejects goes to the reference validator, whose verdict and messages are the ones
    users see. Its one known leniency is that a boolean equals a number in `const` (true
    would pass as schema_version 1), so that field's type is checked here. (It also takes a
    tuple for an array, which serialises as one.)"""
    if isinstance(snapshot, dict) and isinstance(snapshot.get("schema_version"), bool):
        return False
    try:
        _compiled_check()(snapshot)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validation_errors(snapshot: Any) -> list[str]:
    """Every schema violation, as 'path: message' lines (empty when valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(_validator().iter_errors(snapshot), key=lambda e: list(e.absolute_path))
    ]


def validate(snapshot: Any, source: str = "snapshot") -> None:
    if isinstance(snapshot, dict) and snapshot.get("schema_version") not in (None, SCHEMA_VERSION):
        raise InputError(
            f"{source}: schema_version {snapshot['schema_version']!r} is not supported "
            f"(this ecrscan reads version {SCHEMA_VERSION})"
        )
    problems = [] if _compiled_accepts(snapshot) else validation_errors(snapshot)
    problems = problems or consistency_errors(snapshot)
    if problems:
        hint = wrong_kind_hint(snapshot, "snapshot")
        if hint:
            raise InputError(f"{source}: not an ecrscan snapshot{hint}")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{source}: not an ecrscan snapshot: {problems[0]}{more}")


def consistency_errors(snapshot: dict[str, Any]) -> list[str]:
    """What the schema cannot say: a usable collection time, and one inventory entry per
    (account, region), since two entries would judge the same resources twice, or differently."""
    problems = []
    if _instant(snapshot["collected_at"]) is None:
        problems.append(f"collected_at: {snapshot['collected_at']!r} is not an ISO 8601 time")
    seen: set[tuple[str, str, str]] = set()
    for index, scope in enumerate(snapshot["inventory"]):
        # Planned infrastructure whose account or region is unknown has one entry per source.
        bound_to = (scope.get("source") or {}).get("id", "")
        key = (scope["account_id"], scope["region"], bound_to)
        if key in seen:
            problems.append(
                f"inventory/{index}: account {key[0]} in {key[1]} appears more than once"
            )
        seen.add(key)
    return problems


def _instant(text: str) -> dt.datetime | None:
    """The time, when text is an ISO 8601 date-time with an offset (or Z); else None."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def read(path: str | Path) -> dict[str, Any]:
    """The snapshot file parsed, with equal repeated values sharing one object (see
    scanner.snapshot.compact: read it, do not edit it in place); not validated."""
    snapshot = read_json(path, what="snapshot")
    share_repeats(snapshot)
    return snapshot


def load(path: str | Path) -> dict[str, Any]:
    snapshot = read(path)
    validate(snapshot, source=str(path))
    return snapshot


def save(snapshot: dict[str, Any], path: str | Path) -> None:
    write_json_atomic(snapshot, path)

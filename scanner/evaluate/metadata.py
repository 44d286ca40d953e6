"""Results metadata: one writer, held to scanner/evaluate/results_schema.json.

Evaluation, evidence, waivers, suppressions, the baseline, the cost view, IaC and merge each add
a section to a results file. They add it here, by name: a section the schema does not know, or a
value of the wrong shape, is a bug in ecrscan (exit 4), caught when it is written rather than by
an auditor reading the file years later. `problems` checks a results file read back, section by
section, so a file from a later ecrscan with a section this one does not know still reads.
"""

import functools
import json
from typing import TYPE_CHECKING, Any

import fastjsonschema
import jsonschema

from scanner.resources import results_schema_path

if TYPE_CHECKING:  # results.py reads files back through problems(): no import cycle
    from scanner.evaluate.results import Results


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(results_schema_path().read_text(encoding="utf-8"))


def sections() -> frozenset[str]:
    return frozenset(schema()["$defs"]["metadata"]["properties"])


def start(metadata: dict[str, Any]) -> dict[str, Any]:
    """A new metadata object (evaluation, merge): every section checked, then returned."""
    for section, value in metadata.items():
        _check(section, value)
    return metadata


def record(results: "Results", section: str, value: Any) -> None:
    """Add or replace one section of the results' metadata."""
    _check(section, value)
    results.metadata[section] = value


def problems(metadata: Any) -> list[str]:
    """What a results file read back gets wrong, as 'metadata.SECTION: message' lines; the
    sections this ecrscan does not know are passed over."""
    if not isinstance(metadata, dict):
        return ["metadata: not an object"]
    found = []
    for section in sorted(sections() & set(metadata)):
        if not _compiled(section)(metadata[section]):
            error = jsonschema.exceptions.best_match(
                _reference(section).iter_errors(metadata[section])
            )
            where = "/".join(str(p) for p in error.absolute_path) if error else ""
            found.append(f"metadata.{section}{'/' + where if where else ''}: {error.message}")
    return found


def _check(section: str, value: Any) -> None:
    if section not in sections():
        raise ValueError(f"results metadata has no section {section!r} (results_schema.json)")
    if not _compiled(section)(value):
        problem = next(iter(_reference(section).iter_errors(value)), None)
        raise ValueError(f"results metadata.{section} does not fit the schema: {problem.message}")


def _subschema(section: str) -> dict[str, Any]:
    # "$defs" travels along so that "#/$defs/..." references resolve from the section.
    return {"$defs": schema()["$defs"], **schema()["$defs"]["metadata"]["properties"][section]}


@functools.cache
def _compiled(section: str):
    """fastjsonschema's compiled check (a cost section lists every repository), as a boolean;
    anything it rejects goes to jsonschema for the message."""
    check = fastjsonschema.compile(
        {**_subschema(section), "$schema": "http://json-schema.org/draft-07/schema#"}
    )

    def accepts(value: Any) -> bool:
        try:
            check(value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return accepts


@functools.cache
def _reference(section: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_subschema(section))

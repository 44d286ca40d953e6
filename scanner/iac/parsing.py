"""Reading an IaC source's text into plain data, refusing what no real source holds.

A Terraform plan or a CloudFormation template comes from a pull request, so its text is
untrusted: every refusal here is one line naming the file (exit 2), never a traceback, and
nothing here costs more than the text is long. Refused: text that is not JSON or YAML,
duplicate keys (AWS would keep one value silently; cfn-lint reports them as E0000), YAML aliases
that expand past a budget, nesting deeper than MAX_DEPTH levels, integers of more than
MAX_DIGITS digits, and numbers that are not finite.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.iac.cloudformation import yaml_reader

MAX_DEPTH = yaml_reader.MAX_DEPTH
MAX_DIGITS = 20  # no AWS setting needs more (a 64-bit integer has 20 digits)


@dataclass
class Parsed:
    document: Any
    # "line 7: duplicate key 'ImageTagMutability' (also at line 6)", or without lines for JSON
    duplicates: list[str] = field(default_factory=list)


def parse(path: str, text: str) -> Parsed:
    """JSON (plans, JSON templates) or YAML (templates); a .json file must be JSON."""
    if Path(path).suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        parsed = _parse_json(path, text)
    else:
        parsed = Parsed(*yaml_reader.read(text, path))
    check_values(parsed.document, path)
    return parsed


def _parse_json(path: str, text: str) -> Parsed:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(f"duplicate key {key!r}")
            result[key] = value
        return result

    try:
        document = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{path}: nests too deeply to read") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise InputError(f"{path}: a value cannot be read ({str(exc)[:80]})") from None
    if duplicates:
        duplicates = _located(path, text) or duplicates
    return Parsed(document, duplicates)


def _located(path: str, text: str) -> list[str]:
    """The duplicates with their lines, read again as YAML (JSON is YAML's subset)."""
    try:
        return yaml_reader.read(text, path)[1]
    except InputError:
        return []


def check_values(document: Any, where: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, huge integers and numbers that are not finite;
    iterative, so the check itself cannot recurse."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise InputError(f"{where}: nests deeper than {MAX_DEPTH} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int) and abs(node) >= 10**MAX_DIGITS:
            raise InputError(
                f"{where}: an integer of more than {MAX_DIGITS} digits (no AWS setting is so large)"
            )
        elif isinstance(node, float) and not math.isfinite(node):
            raise InputError(f"{where}: a number that is not finite ({node})")

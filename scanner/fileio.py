"""Reading user files with one clear message on failure, and writing without leaving halves."""

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.errors import InputError


def read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what} file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {what} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None


# No file ecrscan reads nests deeper than about fifteen levels (a policy document inside a
# repository record inside the inventory); the limit keeps every recursive reader downstream
# (schema validation, digests, the engines) far from Python's recursion limit.
MAX_JSON_DEPTH = 100


def read_json(path: str | Path, what: str) -> Any:
    text = read_text(path, what)
    if not text.strip():
        raise InputError(f"{path}: {what} is empty")
    return parse_json(text, f"{path}: {what}")


def parse_json(text: str, where: str) -> Any:
    """The document, or one InputError line starting with where ("FILE: snapshot")."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # an integer longer than Python converts (sys.int_info)
        reason = str(exc).split(":")[0]
        raise InputError(f"{where} holds a number too long to read ({reason})") from None
    if nesting_exceeds(document, MAX_JSON_DEPTH):
        raise InputError(f"{where} is nested deeper than {MAX_JSON_DEPTH} levels")
    return document


def nesting_exceeds(document: Any, limit: int) -> bool:
    """True when containers nest more than limit levels; iterative, so any depth is safe."""
    stack = [(document, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if type(node) is dict else node if type(node) is list else ()
        for child in children:
            if type(child) is dict or type(child) is list:
                if level >= limit:
                    return True
                stack.append((child, level + 1))
    return False


def write_text_atomic(text: str, path: str | Path) -> None:
    write_chunks_atomic([text], path)


def write_chunks_atomic(chunks: Iterable[str], path: str | Path) -> None:
    """Write beside the target, then rename over it: readers see the old file or the new one.

    Chunks let a large document (a 100,000-repository results file) be written without ever
    being one string in memory.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(chunks)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def write_json_atomic(document: Any, path: str | Path) -> None:
    write_text_atomic(json.dumps(document, indent=2, ensure_ascii=False) + "\n", path)

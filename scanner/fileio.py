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


def read_json(path: str | Path, what: str) -> Any:
    text = read_text(path, what)
    if not text.strip():
        raise InputError(f"{path}: {what} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: {what} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def write_text_atomic(text: str, path: str | Path) -> None:
    write_chunks_atomic([text], path)


def write_chunks_atomic(chunks: Iterable[str], path: str | Path) -> None:
    """Write beside the target, then rename over it: readers see the old file or the new one.

    Chunks let a large document (a 100,000-repository results file) be written without ever
    being one string in memory.
    """
    _replace_atomically(path, lambda handle: handle.writelines(chunks), "w", encoding="utf-8")


def write_bytes_atomic(data: bytes, path: str | Path) -> None:
    """write_text_atomic for bytes (an OPA bundle)."""
    _replace_atomically(path, lambda handle: handle.write(data), "wb")


def _replace_atomically(path: str | Path, write, mode: str, **options) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **options) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def write_json_atomic(document: Any, path: str | Path) -> None:
    write_text_atomic(json.dumps(document, indent=2, ensure_ascii=False) + "\n", path)

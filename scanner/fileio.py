"""Reading user files with one clear message on failure, and writing without harming anything.

Writing follows what the path is (docs/outputs.md, "Where output goes"):
- a regular file, or nothing yet: written beside the target, then renamed over it, so readers see
  the old file or the new one, never half of one. A new file honours the umask; a replaced file
  keeps its permission bits (and, for root, its owner).
- a symlink: followed, hop by hop, and its final target written as above; the link stays a link.
- a character device or a FIFO (`/dev/null`, a terminal, `mkfifo`): opened and written in place,
  never replaced by a file.
- `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: written to that descriptor as
  it is, so a redirection (`>> log`) is neither truncated nor replaced.
- a directory, a block device, a socket, or a path that cannot be written: exit 2, one line.
"""

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from scanner.errors import InputError
from scanner.input_kinds import text_kind_hint
from scanner.text_safety import json_text

# A value that no encoder can write (a lone surrogate from a JSON file) becomes \udxxx rather
# than a traceback; the renderers escape such characters themselves, this is the last resort.
_ENCODING_ERRORS = "backslashreplace"
_INHERITED_FD = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/(\d+))|/proc/self/fd/(\d+)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_LINK_HOPS = 40  # as the kernel's own limit on following symlinks


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
    try:
        return parse_json(text, f"{path}: {what}")
    except InputError as exc:
        hint = text_kind_hint(text)
        if not hint:
            raise
        raise InputError(f"{exc}{hint}") from None


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
    if ("\\ud" in text or "\\uD" in text) and _has_lone_surrogate(document):
        raise InputError(
            f"{where} holds an unpaired surrogate escape (\\udXXX), which is no "
            "character: nothing could write it as UTF-8"
        )
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


def _has_lone_surrogate(document: Any) -> bool:
    """True when a string anywhere in the document holds a lone UTF-16 surrogate (JSON's
    `\\ud800` escape decodes to one; a pair decodes to the character it encodes)."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def write_text_atomic(text: str, path: str | Path) -> None:
    write_chunks_atomic([text], path)


def write_json_atomic(document: Any, path: str | Path) -> None:
    """Indented JSON; C1 controls, separators and bidi overrides as \\u escapes (lossless)."""
    write_text_atomic(json_text(document, indent=2) + "\n", path)


def write_chunks_atomic(chunks: Iterable[str], path: str | Path) -> None:
    """Write the chunks to path as its kind asks (see the module docstring).

    Chunks let a large document (a 100,000-repository results file) be written without ever
    being one string in memory.
    """
    _write(chunks, path, binary=False)


def write_bytes_atomic(data: bytes, path: str | Path) -> None:
    """write_text_atomic for bytes (an OPA bundle), by the same rules."""
    _write([data], path, binary=True)


def _write(chunks: Iterable[str] | Iterable[bytes], path: str | Path, *, binary: bool) -> None:
    try:
        target, fd = _resolve(Path(path))
        if fd is not None:
            _write_descriptor(chunks, fd, binary)
            return
        kind = _kind(target)
        if kind in ("character device", "FIFO"):
            _write_in_place(chunks, target, binary)
        elif kind in ("regular file", None):
            if target != Path(path) and not target.parent.is_dir():
                # Parents are made for the path the user named, never along a link's target:
                # a planted link must not make ecrscan build folders wherever it points.
                raise InputError(f"{path}: is a symlink to {target}, whose folder does not exist")
            _replace(chunks, target, binary)
        else:
            raise InputError(
                f"{path}: is a {kind}; ecrscan writes to a file, a character device or a FIFO"
            )
    except BrokenPipeError:
        raise  # the reader went away: the CLI ends quietly, as with `| head`
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError(f"{path}: cannot write: {reason}") from None


def _opened(fd: int, binary: bool):
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", errors=_ENCODING_ERRORS)


def write_stdout(chunks: Iterable[str], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    for chunk in chunks:
        try:
            stream.write(chunk)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "utf-8"
            stream.write(chunk.encode(encoding, _ENCODING_ERRORS).decode(encoding))
    stream.flush()


def inherited_descriptor(path: str | Path) -> int | None:
    """The descriptor a path such as /dev/stdout names, or None for any other path."""
    match = _INHERITED_FD.fullmatch(str(path))
    if match is None:
        return None
    stdout, stderr, dev_fd, proc_fd = match.groups()
    if stdout:
        return 1
    if stderr:
        return 2
    return int(dev_fd or proc_fd)


def _resolve(path: Path) -> tuple[Path, int | None]:
    """Follow symlinks one hop at a time: (final path, None), or (path, descriptor) when a hop
    names an inherited descriptor (a link to /dev/stdout)."""
    for _ in range(_MAX_LINK_HOPS):
        fd = inherited_descriptor(path)
        if fd is not None:
            return path, fd
        if not path.is_symlink():
            return path, None
        path = path.parent / path.readlink()
    raise InputError(f"{path}: too many levels of symbolic links")


def _kind(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    kinds = (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _write_descriptor(chunks, fd: int, binary: bool) -> None:
    if fd == 1 and not binary:
        write_stdout(chunks)
        return
    if fd == 1:
        sys.stdout.flush()  # what was printed before goes first
    with _opened(os.dup(fd), binary) as handle:
        handle.writelines(chunks)


def _write_in_place(chunks, path: Path, binary: bool) -> None:
    # O_NOCTTY: writing to a terminal's device must not make it ecrscan's controlling terminal.
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    with _opened(fd, binary) as handle:
        handle.writelines(chunks)


def _replace(chunks, target: Path, binary: bool) -> None:
    """Write beside the target, then rename over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.stat() if target.exists() else None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        _take_permissions(fd, previous)
        with _opened(fd, binary) as handle:
            handle.writelines(chunks)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def _take_permissions(fd: int, previous: os.stat_result | None) -> None:
    """mkstemp makes 0600 files; give the new file the bits a plain open() would have (the
    umask), or those of the file it replaces."""
    if previous is None:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    os.fchmod(fd, stat.S_IMODE(previous.st_mode))
    if os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, previous.st_uid, previous.st_gid)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

"""Which parts of an input document a control can read, found in its Rego text.

A control that reads `input.repository.imageTagMutability` and `input.errors` gets the same
verdict for any two documents that agree on those two subtrees. Projecting each document onto
what its control reads makes the engine parse less, and lets identical projections (the same
repository policy stamped onto a thousand repositories) be judged once.

The analysis over-approximates, never under: a reference whose path stops early (`input.errors[k]`,
`object.get(input.repository, ...)`) keeps the whole subtree where it stops, and a bare `input`
or `input[...]` keeps the whole document. Strings and comments are skipped, so neither can hide
a reference. A control whose modules call a builtin whose answer is not a function of its
arguments (the clock, the network, randomness) is never projected or memoised.
"""

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

WHOLE = None  # what a control reads when it may look at the entire document
SUBTREE = True  # a trie leaf: everything below this key
Paths = dict[str, Any] | None  # key -> SUBTREE or a deeper trie; None (WHOLE) = everything

_REFERENCE = re.compile(r"\binput\b((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)")
_DATA_REF = re.compile(r"\bdata((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
_ANY_DATA = re.compile(r"\bdata\b(?!\s*\.\s*[A-Za-z_])")  # data[...], or data itself
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.MULTILINE)
_IMPURE = re.compile(
    r"\b(?:time\.now_ns|http\.send|rand\.intn|uuid\.rfc4122|opa\.runtime|net\.lookup_ip_addr"
    r"|trace|print)\s*\("
)


@lru_cache(maxsize=512)  # every control's analysis walks the same helper modules
def code_only(source: str) -> str:
    """The Rego text with comments removed and every string literal emptied."""
    return _strip(source, keep_strings=False)


@lru_cache(maxsize=512)
def comments_removed(source: str) -> str:
    """The Rego text with comments removed; string literals kept as written."""
    return _strip(source, keep_strings=True)


def _strip(source: str, *, keep_strings: bool) -> str:
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "#":
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif char in '"`':
            end = _string_end(source, i) if char == '"' else _raw_end(source, i)
            out.append(source[i:end] if keep_strings else '""')
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _raw_end(source: str, start: int) -> int:
    end = source.find("`", start + 1)
    return len(source) if end < 0 else end + 1


def _string_end(source: str, start: int) -> int:
    i = start + 1
    while i < len(source) and source[i] != '"':
        i += 2 if source[i] == "\\" else 1
    return i + 1


def reads(code: str) -> Paths:
    """The input paths one module's code (see code_only) can read, as a trie, or WHOLE."""
    trie: dict[str, Any] = {}
    for match in _REFERENCE.finditer(code):
        path = [part.strip() for part in match.group(1).split(".")[1:]]
        if not path:
            return WHOLE  # bare `input`, `input[...]`: anything may be read
        _add(trie, path)
    return trie


def _add(trie: dict[str, Any], path: list[str]) -> None:
    node = trie
    for key in path[:-1]:
        child = node.setdefault(key, {})
        if child is SUBTREE:
            return  # an ancestor is already read whole
        node = child
    node[path[-1]] = SUBTREE


def merge(tries: Iterable[Paths]) -> Paths:
    merged: dict[str, Any] = {}
    for trie in tries:
        if trie is WHOLE:
            return WHOLE
        _merge_into(merged, trie)
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, sub in source.items():
        if sub is SUBTREE or target.get(key) is SUBTREE:
            target[key] = SUBTREE
        else:
            _merge_into(target.setdefault(key, {}), sub)


def project(document: Any, paths: Paths) -> Any:
    """The document cut down to paths. A non-object where a path goes deeper is kept whole, so
    a control sees exactly what it would have seen (an absent key stays absent)."""
    if paths is WHOLE or not isinstance(document, dict):
        return document
    return {
        key: document[key] if sub is SUBTREE else project(document[key], sub)
        for key, sub in paths.items()
        if key in document
    }


def entrypoint_modules(entrypoint: str, modules: Mapping[str, str]) -> list[str]:
    """The paths of the modules an entrypoint (`ecr/tag_immutability/verdict`) can reach: those
    of its package, and every module they refer to through `data.<package>`, to a fixpoint.
    A dynamic `data[...]` or bare `data` reaches everything."""
    package = ".".join(entrypoint.split("/")[:-1])
    codes = {path: code_only(source) for path, source in modules.items()}
    packages = {path: package_of(code) for path, code in codes.items()}
    pending = [path for path, name in packages.items() if name == package]
    if not pending:
        return list(modules)
    reached = set(pending)
    while pending:
        code = codes[pending.pop()]
        if _ANY_DATA.search(code):
            return list(modules)
        for path, name in packages.items():
            if path not in reached and _refers_to(code, name):
                reached.add(path)
                pending.append(path)
    return [path for path in modules if path in reached]


def control_reads(entrypoint: str, modules: Mapping[str, str]) -> Paths:
    """What the control behind an entrypoint can read of its input, over every module it can
    reach; WHOLE when any of them calls a builtin whose answer the input does not decide."""
    codes = [code_only(modules[path]) for path in entrypoint_modules(entrypoint, modules)]
    if any(_IMPURE.search(code) for code in codes):
        return WHOLE
    return merge(reads(code) for code in codes)


def package_of(code: str) -> str | None:
    """The package a module's code (see code_only) declares, or None."""
    match = _PACKAGE.search(code)
    return match.group(1) if match else None


def _refers_to(code: str, package: str | None) -> bool:
    if package is None:
        return False
    return any(
        ref.group(1)[1:] == package
        or ref.group(1)[1:].startswith(package + ".")
        or package.startswith(ref.group(1)[1:] + ".")
        for ref in _DATA_REF.finditer(code)
    )

"""The control catalogue, read from the package-scope `# METADATA` block of each policy.

That block is the only place control metadata lives; the embedded engine cannot evaluate
`rego.metadata`, so it is read here as the YAML it is.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import InputError
from scanner.fileio import read_text
from scanner.strict_yaml import StrictLoader

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
RESOURCE_TYPES = ("repository", "vpc", "registry", "ecs-service", "lambda-function", "pusher")

_PACKAGE = re.compile(r"^package\s+([\w.]+)\s*$")


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    description: str
    severity: str
    resource_type: str  # the first of resource_types: where the control sorts
    package: str
    path: Path
    frameworks: dict[str, list[str]] = field(default_factory=dict)
    remediation: dict[str, str] = field(default_factory=dict)
    related_resources: tuple[str, ...] = ()
    deprecated: bool = False
    # Every resource type the control judges (consumer controls judge ECS services and Lambda
    # functions alike); METADATA's resource_type may be one type or a list.
    resource_types: tuple[str, ...] = ()

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in (self.resource_types or (self.resource_type,))

    @property
    def entrypoint(self) -> str:
        """The bundle entrypoint of this control's verdict rule."""
        return self.package.replace(".", "/") + "/verdict"

    @property
    def query(self) -> str:
        return f"data.{self.package}.verdict"

    def summary(self) -> dict[str, Any]:
        """What a results file records of the control, so reports need no policies."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "resource_type": self.resource_type,
            "resource_types": list(self.resource_types or (self.resource_type,)),
            "frameworks": self.frameworks,
            "remediation": self.remediation,
            "related_resources": list(self.related_resources),  # SARIF helpUri, docs links
        }


@dataclass(frozen=True)
class PolicySet:
    """Every policy module (controls and their helpers) and the controls among them."""

    modules: dict[str, str]
    controls: tuple[Control, ...]

    def ids(self) -> set[str]:
        return {c.id for c in self.controls}

    def select(self, ids: Iterable[str] | None) -> "PolicySet":
        if not ids:
            return self
        known = {c.id: c for c in self.controls}
        wanted = list(dict.fromkeys(ids))
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise InputError(
                f"unknown control id {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        return PolicySet(self.modules, tuple(c for c in self.controls if c.id in wanted))


def policy_digest(modules: Mapping[str, str]) -> str:
    """sha256 over the policy sources in path order: the same policies give the same digest
    (results record it; an OPA bundle carries it, so a server's policies can be checked)."""
    digest = hashlib.sha256()
    for source in (modules[path] for path in sorted(modules)):
        digest.update(json.dumps(source).encode())
    return "sha256:" + digest.hexdigest()


def load_policies(root: Path) -> PolicySet:
    """Read every .rego under root; a file with a package METADATA block is a control."""
    if not root.is_dir():
        raise InputError(f"{root}: policy directory not found")
    modules: dict[str, str] = {}
    controls: list[Control] = []
    for path in sorted(root.rglob("*.rego")):
        if path.name.endswith("_test.rego"):
            continue  # OPA unit tests; never part of the evaluated bundle
        source = read_text(path, "policy")
        modules[str(path)] = source
        control = _control_from_source(path, source)
        if control is not None:
            controls.append(control)
    _reject_duplicates(controls)
    active = tuple(c for c in controls if not c.deprecated)
    return PolicySet(modules, tuple(sorted(active, key=_order)))


def _order(control: Control) -> tuple[int, str]:
    return RESOURCE_TYPES.index(control.resource_type), control.path.as_posix()


def _reject_duplicates(controls: list[Control]) -> None:
    seen: dict[str, Path] = {}
    for control in controls:
        if control.id in seen:
            raise InputError(
                f"{control.path}: control id {control.id!r} is already used by {seen[control.id]}"
            )
        seen[control.id] = control.path


def _control_from_source(path: Path, source: str) -> Control | None:
    metadata, package = _package_metadata(path, source)
    custom = (metadata or {}).get("custom") or {}
    if "id" not in custom:
        if _is_helper(path, package):
            return None
        raise InputError(
            f"{path}: no package METADATA block with custom.id; every control needs one"
        )
    return _build_control(path, package, metadata, custom)


def _is_helper(path: Path, package: str) -> bool:
    return package.split(".")[0] == "lib" or "lib" in path.parts


def _build_control(path: Path, package: str, meta: dict, custom: dict) -> Control:
    def need(value: Any, what: str) -> Any:
        if not value:
            raise InputError(f"{path}: METADATA has no {what}")
        return value

    severity = str(need(custom.get("severity"), "custom.severity")).upper()
    if severity not in SEVERITIES:
        raise InputError(f"{path}: METADATA severity {severity!r} is not one of {SEVERITIES}")
    declared = need(custom.get("resource_type"), "custom.resource_type")
    resource_types = tuple(declared) if isinstance(declared, list) else (declared,)
    for resource_type in resource_types:
        if resource_type not in RESOURCE_TYPES:
            raise InputError(
                f"{path}: METADATA resource_type {resource_type!r} is not one of {RESOURCE_TYPES}"
            )
    return Control(
        id=str(custom["id"]),
        title=str(need(meta.get("title"), "title")),
        description=" ".join(str(meta.get("description") or "").split()),
        severity=severity,
        resource_type=resource_types[0],
        resource_types=resource_types,
        package=package,
        path=path,
        frameworks={k: [str(i) for i in v] for k, v in (custom.get("frameworks") or {}).items()},
        remediation={k: str(v).rstrip() for k, v in (custom.get("remediation") or {}).items()},
        related_resources=tuple(str(r) for r in meta.get("related_resources") or ()),
        deprecated=bool(custom.get("deprecated", False)),
    )


def _package_metadata(path: Path, source: str) -> tuple[dict | None, str]:
    """The METADATA block that ends directly above the `package` line, and the package name."""
    lines = source.splitlines()
    for number, line in enumerate(lines):
        match = _PACKAGE.match(line.strip())
        if match:
            return _metadata_above(path, lines, number), match.group(1)
    raise InputError(f"{path}: no package declaration")


def _metadata_above(path: Path, lines: list[str], package_line: int) -> dict | None:
    start = package_line
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    block = [line.lstrip()[1:] for line in lines[start:package_line]]
    try:
        first = next(i for i, text in enumerate(block) if text.strip() == "METADATA")
    except StopIteration:
        return None
    text = "\n".join(line[1:] if line.startswith(" ") else line for line in block[first + 1 :])
    try:
        metadata = yaml.load(text, Loader=StrictLoader)  # a SafeLoader; no duplicate keys
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{start + first + 2 + mark.line}" if mark else ""
        raise InputError(f"{path}{line}: METADATA is not valid YAML") from None
    if not isinstance(metadata, dict):
        raise InputError(f"{path}: METADATA block is not a YAML mapping")
    return metadata

"""Which files a run reads, and the account and region each one is deployed to.

`ecrscan iac PATH...` takes files, directories (walked for Terraform plan JSON and
CloudFormation templates) and CDK cloud assemblies (`cdk.out/`, whose manifest.json names each
stack's template and environment `aws://ACCOUNT/REGION`). Each source's account and region come
from, first to last: a `--stack-env GLOB=aws://ACCOUNT/REGION` whose glob matches its path or
stack name, its CDK environment, then --account-id / --region.
"""

import fnmatch
import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.iac.settings import Settings

CANDIDATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIPPED_FOLDERS = {"node_modules", ".terraform", "__pycache__"}  # and every hidden folder
_ENVIRONMENT = re.compile(r"^aws://([^/]*)/([^/]*)$")
_UNKNOWN_PARTS = {"", "unknown-account", "unknown-region"}


@dataclass(frozen=True)
class Source:
    path: str  # what to open
    settings: Settings  # its account, region and stack
    walked: bool = False  # found in a directory, not named: skipped when not IaC


@dataclass(frozen=True)
class StackEnv:
    """--stack-env GLOB=aws://ACCOUNT/REGION."""

    glob: str
    account_id: str | None
    region: str | None


def parse_stack_env(text: str) -> StackEnv:
    glob, _, environment = text.partition("=")
    match = _ENVIRONMENT.match(environment)
    if not glob or not match:
        raise InputError(
            f"--stack-env {text!r}: expected GLOB=aws://ACCOUNT/REGION "
            "(stacks/eu/*.yaml=aws://123456789012/eu-west-1)"
        )
    account, region = (None if p in _UNKNOWN_PARTS else p for p in match.groups())
    if account is not None and not re.fullmatch(r"\d{12}", account):
        raise InputError(f"--stack-env {text!r}: {account!r} is not a 12-digit account id")
    if region is not None and not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", region):
        raise InputError(f"--stack-env {text!r}: {region!r} is not a region name")
    return StackEnv(glob, account, region)


def environment(text: object) -> tuple[str | None, str | None]:
    """(account, region) of a CDK environment string; None for an agnostic part."""
    match = _ENVIRONMENT.match(text) if isinstance(text, str) else None
    if not match:
        return None, None
    account, region = (None if p in _UNKNOWN_PARTS else p for p in match.groups())
    return account, region


def discover(paths: list[str], settings: Settings, envs: list[StackEnv]) -> list[Source]:
    sources: list[Source] = []
    for path in paths:
        if Path(path).is_dir():
            sources += _directory(Path(path), settings)
        elif Path(path).name == "manifest.json" and (manifest := _manifest(Path(path).parent)):
            sources += _assembly(Path(path).parent, manifest, settings)
        else:
            sources.append(Source(path, settings))
    return [_with_env(source, envs) for source in sources]


def _with_env(source: Source, envs: list[StackEnv]) -> Source:
    names = {Path(source.path).as_posix(), os.path.normpath(source.path)}
    names |= {source.settings.stack} if source.settings.stack else set()
    for env in envs:
        if any(fnmatch.fnmatchcase(name, env.glob) for name in names):
            chosen = replace(
                source.settings,
                account_id=env.account_id or source.settings.account_id,
                region=env.region or source.settings.region,
            )
            return replace(source, settings=chosen)
    return source


def _directory(folder: Path, settings: Settings) -> list[Source]:
    if manifest := _manifest(folder):
        return _assembly(folder, manifest, settings)
    found: list[Source] = []
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(
            f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS
        )
        here = Path(root)
        if here != folder and (manifest := _manifest(here)):
            folders[:] = []
            found += _assembly(here, manifest, settings)
            continue
        for name in sorted(files):
            if name.lower().endswith(CANDIDATE_SUFFIXES):
                found.append(Source(str(here / name), settings, walked=True))
    return found


def _manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's CDK cloud assembly manifest (read once), or None when it holds none."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    is_assembly = isinstance(document, dict) and isinstance(document.get("artifacts"), dict)
    return document if is_assembly else None


def _assembly(
    folder: Path, manifest: dict[str, Any], settings: Settings, depth: int = 0
) -> list[Source]:
    """Each CloudFormation stack of a CDK cloud assembly, with its environment; nested
    assemblies (CDK stages) are followed."""
    found: list[Source] = []
    for artifact_id, artifact in sorted(manifest["artifacts"].items()):
        if not isinstance(artifact, dict):
            continue
        properties = (
            artifact.get("properties") if isinstance(artifact.get("properties"), dict) else {}
        )
        if artifact.get("type") == "cdk:cloud-assembly" and depth < 8:
            nested = folder / str(properties.get("directoryName", ""))
            if nested != folder and (inner := _manifest(nested)):
                found += _assembly(nested, inner, settings, depth + 1)
        elif artifact.get("type") == "aws:cloudformation:stack":
            template = properties.get("templateFile")
            if not isinstance(template, str) or Path(template).is_absolute() or ".." in template:
                raise InputError(
                    f"{folder / 'manifest.json'}: stack {artifact_id} has no templateFile"
                )
            account, region = environment(artifact.get("environment"))
            stack = str(properties.get("stackName") or artifact.get("displayName") or artifact_id)
            chosen = replace(
                settings,
                account_id=account or settings.account_id,
                region=region or settings.region,
                stack=stack,
            )
            found.append(Source(str(folder / template), chosen))
    return found


def looks_like_iac(text: str) -> bool:
    """A file that could not be read but may be a template or plan: refused, not skipped,
    so a broken template never passes the gate unread."""
    return bool(re.search(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", text)) or (
        '"format_version"' in text and '"resource_changes"' in text
    )

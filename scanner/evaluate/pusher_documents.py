"""Input documents for the configured pushers: a CI role and each repository it must push to.

`pushers: [{role: ARN, repositories: [patterns]}]` names the roles that push. A pattern with
`*` and `?` wildcards is matched against repository names in every account and region of the
scan, or, when it starts with `arn:`, against repository ARNs. Entries naming the same role are
merged; a repository several patterns match is judged once.
"""

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from scanner.evaluate import identities
from scanner.evaluate.snapshot_index import SnapshotIndex

PUSHER_REGION = "global"  # IAM roles have no region


def pusher_documents(
    index: SnapshotIndex, pushers: list[dict[str, Any]], origin: str
) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """(row, document) for each repository a configured role must push to, and for each of its
    patterns that matches no repository. One small document per repository keeps a role that
    pushes everywhere ("*") linear in the number of repositories."""
    for role, patterns in _by_role(pushers).items():
        identity = identities.resolve_role(index, role)
        role_name = role.rsplit("/", 1)[-1]
        seen: set[str] = set()
        for pattern in patterns:
            matched = _matches(index, pattern)
            for repository in matched:
                if repository["repositoryArn"] in seen:
                    continue
                seen.add(repository["repositoryArn"])
                row = {
                    "resource_id": f"{role}|{repository['repositoryArn']}",
                    "name": f"{role_name} -> {repository['repositoryName']}",
                    "account_id": repository["account_id"],
                    "region": repository["region"],
                }
                yield row, _document(identity, role, pattern, repository, [], origin)
            if not matched:
                row = {
                    "resource_id": f"{role}|{pattern}",
                    "name": f"{role_name} -> {pattern}",
                    "account_id": identity["account"],
                    "region": PUSHER_REGION,
                }
                yield row, _document(identity, role, pattern, None, _unlisted(index), origin)


def _document(identity, role, pattern, repository, unlisted, origin) -> dict[str, Any]:
    return {
        "account_id": identity["account"],
        "region": PUSHER_REGION if repository is None else repository["region"],
        "origin": origin,
        "pusher": {"role": role, "pattern": pattern},
        "identity": identity,
        "repository": repository,
        "unlisted": unlisted,
        "errors": {},
    }


def _by_role(pushers: list[dict[str, Any]]) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for entry in pushers:
        patterns = roles.setdefault(entry["role"], [])
        patterns += [p for p in entry["repositories"] if p not in patterns]
    return roles


def _matches(index: SnapshotIndex, pattern: str) -> list[dict[str, Any]]:
    by_arn = pattern.startswith("arn:")
    matcher = _compiled(pattern)
    found = []
    for (account, region, name), record in sorted(index.repositories.items()):
        repository = record["repository"]
        if matcher.fullmatch(repository["repositoryArn"] if by_arn else name):
            found.append(
                {
                    "repositoryArn": repository["repositoryArn"],
                    "repositoryName": name,
                    "account_id": account,
                    "region": region,
                    "repositoryPolicy": record["derived"]["repositoryPolicy"],
                    "errors": {
                        k: v for k, v in record["errors"].items() if k == "repositoryPolicy"
                    },
                }
            )
    return found


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """`*` any run of characters (slashes included), `?` one character, the rest literal: the
    wildcards of lib.wildcard, and of IAM."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL
    )


def _unlisted(index: SnapshotIndex) -> list[dict[str, Any]]:
    """Scanned regions whose repositories could not be listed: a pattern that matches nothing
    elsewhere may name a repository there."""
    return [
        {
            "account_id": account,
            "region": region,
            "error": entry["errors"].get("repositories")
            or {"operation": "DescribeRepositories", "code": "Unknown", "message": "not listed"},
        }
        for (account, region), entry in sorted(index.entries.items())
        if entry["repositories"] is None
    ]

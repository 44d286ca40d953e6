"""One object for what repeats across an organisation's repositories, once a snapshot is loaded.

A JSON parser makes a fresh object for every value it reads, so a lifecycle policy stamped onto
60,000 repositories is parsed into 60,000 equal trees, and "IMMUTABLE" is stored 100,000 times.
`share_repeats` walks the repository records (where nearly all of a large snapshot lives) and
points equal values at one object: parsed policies, tag lists, scanning and encryption settings,
error records, and the strings that repeat (registry ids, timestamps, enum values, policy texts).
At 100,000 repositories that frees a third of the loaded snapshot before evaluation allocates
its results.

Equal means equal JSON text, key order and number types included, so nothing a reader can see
changes. The shared snapshot is for reading: editing one repository's tag list in place would
edit every repository that has the same tags.
"""

import json
from typing import Any

# Fields of each record (or of the object under it) whose whole subtree tends to repeat.
_REPOSITORY_TREES = (
    "imageScanningConfiguration",
    "encryptionConfiguration",
    "imageTagMutabilityExclusionFilters",
)
_REPOSITORY_TEXTS = ("registryId", "createdAt", "imageTagMutability")
_IMAGE_TREES = ("imagePushedAt", "imageTags", "imageScanStatus", "imageScanFindingsSummary")


class _Shared:
    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._trees: dict[str, Any] = {}

    def text(self, value: Any) -> Any:
        return self._strings.setdefault(value, value) if type(value) is str else value

    def tree(self, value: Any) -> Any:
        if not isinstance(value, dict | list):
            return self.text(value)
        key = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return self._trees.setdefault(key, value)


def share_repeats(snapshot: Any) -> None:
    """Make equal repeated values of every repository record one object, in place."""
    shared = _Shared()
    for scope in _list(snapshot.get("inventory") if isinstance(snapshot, dict) else None):
        if isinstance(scope, dict):
            for record in _list(scope.get("repositories")):
                if isinstance(record, dict):
                    _share_record(record, shared)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _share_record(record: dict[str, Any], shared: _Shared) -> None:
    repository = record.get("repository")
    if not isinstance(repository, dict):
        repository = {}
    _share_fields(repository, _REPOSITORY_TEXTS, shared.text)
    _share_fields(repository, _REPOSITORY_TREES, shared.tree)
    _share_fields(record, ("tags", "kmsKey"), shared.tree)
    for response in ("lifecyclePolicy", "repositoryPolicy", "scanningConfiguration"):
        _share_response(record.get(response), repository, shared)
    errors = record.get("errors")
    if isinstance(errors, dict):
        _share_fields(errors, tuple(errors), shared.tree)
    derived = record.get("derived")
    if isinstance(derived, dict):
        _share_fields(derived, ("lifecyclePolicy", "repositoryPolicy"), shared.tree)
        _share_images(derived.get("imageSummary"), shared)


def _share_response(response: Any, repository: dict[str, Any], shared: _Shared) -> None:
    """An AWS response about the repository: its name and ARN are the repository's own
    strings; its other text fields and scan filters repeat across repositories."""
    if not isinstance(response, dict):
        return
    for key, value in response.items():
        if type(value) is str:
            same = repository.get(key)
            response[key] = same if same == value and type(same) is str else shared.text(value)
    _share_fields(response, ("appliedScanFilters",), shared.tree)


def _share_images(summary: Any, shared: _Shared) -> None:
    if not isinstance(summary, dict):
        return
    newest = summary.get("newestImage")
    if isinstance(newest, dict):
        _share_fields(newest, _IMAGE_TREES, shared.tree)
    for image in _list(summary.get("images")):
        if isinstance(image, dict):
            _share_fields(image, ("imagePushedAt", "imageTags"), shared.tree)


def _share_fields(mapping: dict[str, Any], keys: tuple[str, ...], share) -> None:
    for key in keys:
        if key in mapping:
            mapping[key] = share(mapping[key])

"""`ecrscan merge RESULTS... --output FILE`: one results file from the shards of a large scan.

An organisation too large for one machine is scanned in shards (each machine collects and
evaluates its own list of accounts, docs/scaling.md); merge joins their results files into one
that `report`, `diff` and `history` read like any other. Shards judged with different policies or
a different configuration would make a matrix whose columns do not mean one thing, so merge
refuses them, naming the file and what differs. A cell found in two shards (an account listed
twice) is refused too: which verdict would be the right one?
"""

import json

from scanner.errors import InputError
from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.results import Result, Results

# What must be the same in every shard, and how to name it when it is not.
_MUST_MATCH = {
    "policy_digest": "policy digest (the shards ran different policies)",
    "config": "configuration",
    "controls": "controls",
}


def merge(shards: list[tuple[str, Results]]) -> Results:
    first_path, first = shards[0]
    for path, shard in shards[1:]:
        for key, what in _MUST_MATCH.items():
            if canonical(shard.metadata.get(key)) != canonical(first.metadata.get(key)):
                raise InputError(f"{path}: {what} differs from {first_path}'s; cannot merge")
    _refuse_overlapping_scopes(shards)
    results = _disjoint_results(shards)
    return Results(_merged_metadata(shards), results)


def _refuse_overlapping_scopes(shards: list[tuple[str, Results]]) -> None:
    """Two shards that judged the same account and region would double its cells, or worse,
    disagree about them; the same file given twice is the commonest way to get there."""
    owner: dict[tuple[str, str], str] = {}
    for index, (path, shard) in enumerate(shards):
        label = _label(path, index, shards)
        for scope in sorted(scopes(shard)):
            earlier = owner.setdefault(scope, label)
            if earlier != label:
                account, region = scope
                raise InputError(
                    f"{label}: account {account} in {region} is also covered by {earlier}; "
                    "shards must cover disjoint accounts"
                )


def scopes(results: Results) -> set[tuple[str, str]]:
    """The (account, region) pairs a results file covers: recorded at evaluation, or (in files
    written before that was recorded) read off the results themselves."""
    recorded = (results.metadata.get("snapshot") or {}).get("scopes")
    if recorded is not None:
        return {(str(account), str(region)) for account, region in recorded}
    return {(r.account_id, r.region) for r in results.results}


def _label(path: str, index: int, shards: list[tuple[str, Results]]) -> str:
    """The file's name, with its position when the same file is given more than once."""
    if sum(1 for other, _ in shards if other == path) > 1:
        return f"{path} (argument {index + 1})"
    return str(path)


def _disjoint_results(shards: list[tuple[str, Results]]) -> list[Result]:
    seen: dict[tuple[str, str], str] = {}
    merged: list[Result] = []
    for index, (path, shard) in enumerate(shards):
        label = _label(path, index, shards)
        for result in shard.results:
            cell = (result.control_id, result.resource_id)
            if seen.setdefault(cell, label) != label:
                raise InputError(
                    f"{label}: {result.resource_id} ({result.control_id}) is also in "
                    f"{seen[cell]}; shards must cover disjoint accounts"
                )
            merged.append(result)
    return merged


def _merged_metadata(shards: list[tuple[str, Results]]) -> dict:
    """The first shard's metadata, with what differs per shard gathered from all of them."""
    metadata = {key: value for key, value in shards[0][1].metadata.items() if key != "evidence"}
    snapshots = [shard.metadata.get("snapshot") or {} for _, shard in shards]
    metadata["evaluated_at"] = max(str(s.metadata.get("evaluated_at") or "") for _, s in shards)
    metadata["snapshot"] = {
        **snapshots[0],
        "scopes": sorted([list(scope) for _, shard in shards for scope in scopes(shard)]),
        "collected_at": min(str(s.get("collected_at") or "") for s in snapshots),
        "regions": sorted({r for s in snapshots for r in s.get("regions") or ()}),
        "accounts": sorted({s.get("account_id") for s in snapshots if s.get("account_id")}),
    }
    metadata["snapshot_errors"] = [
        e for _, shard in shards for e in shard.metadata.get("snapshot_errors") or ()
    ]
    metadata["shards"] = [shard_summary(path, shard) for path, shard in shards]
    return results_metadata.start(metadata)


def shard_summary(path: str, shard: Results) -> dict:
    metadata = shard.metadata
    return {
        "file": str(path),
        "snapshot": metadata.get("snapshot"),
        "evaluated_at": metadata.get("evaluated_at"),
        "engine": metadata.get("engine"),
        "evidence": metadata.get("evidence"),
        "results": len(shard.results),
    }


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)

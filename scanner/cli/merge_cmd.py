"""`ecrscan merge RESULTS... --output FILE`: one results file from the shards of a large scan.

An organisation too large for one machine is scanned in shards (each machine collects and
evaluates its own list of accounts, docs/scaling.md); merge joins their results files into one
that `report`, `diff` and `history` read like any other. Shards judged with different policies or
a different configuration would make a matrix whose columns do not mean one thing, so merge
refuses them, naming the file and what differs. A cell found in two shards (an account listed
twice) is refused too: which verdict would be the right one?
"""

import argparse
import json

from scanner.cli.options import emit
from scanner.errors import ExitCode, InputError
from scanner.evaluate.results import Result, Results, load_results
from scanner.render.incomplete import warn_if_incomplete
from scanner.render.json_format import render

# What must be the same in every shard, and how to name it when it is not.
_MUST_MATCH = {
    "policy_digest": "policy digest (the shards ran different policies)",
    "config": "configuration",
    "controls": "controls",
}


def register(commands) -> None:
    parser = commands.add_parser(
        "merge",
        help="merge the results files of a sharded scan into one",
        description="Merge results files (from `--format json`) written by shards of one scan: "
        "same policies, same configuration, disjoint accounts. Exits 0 when the merged file is "
        "written, 3 when a shard's collection was incomplete (the file is written too); gate "
        "on it with `ecrscan report MERGED --fail-on ...`.",
    )
    parser.add_argument("results", metavar="RESULTS", nargs="+", help="results JSON files")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    shards = [(path, load_results(path)) for path in args.results]
    merged = merge(shards)
    emit(render(merged), args.output)
    # The merged file is written either way; an incomplete shard makes the whole incomplete.
    return ExitCode.UNDECIDED if warn_if_incomplete(merged.metadata) else ExitCode.OK


def merge(shards: list[tuple[str, Results]]) -> Results:
    first_path, first = shards[0]
    for path, shard in shards[1:]:
        for key, what in _MUST_MATCH.items():
            if _canonical(shard.metadata.get(key)) != _canonical(first.metadata.get(key)):
                raise InputError(f"{path}: {what} differs from {first_path}'s; cannot merge")
    results = _disjoint_results(shards)
    return Results(_merged_metadata(shards), results)


def _disjoint_results(shards: list[tuple[str, Results]]) -> list[Result]:
    seen: dict[tuple[str, str], str] = {}
    merged: list[Result] = []
    for path, shard in shards:
        for result in shard.results:
            cell = (result.control_id, result.resource_id)
            if seen.setdefault(cell, path) != path:
                raise InputError(
                    f"{path}: {result.resource_id} ({result.control_id}) is also in "
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
        "collected_at": min(str(s.get("collected_at") or "") for s in snapshots),
        "regions": sorted({r for s in snapshots for r in s.get("regions") or ()}),
        "accounts": sorted({s.get("account_id") for s in snapshots if s.get("account_id")}),
    }
    metadata["snapshot_errors"] = [
        e for _, shard in shards for e in shard.metadata.get("snapshot_errors") or ()
    ]
    metadata["shards"] = [_shard_summary(path, shard) for path, shard in shards]
    return metadata


def _shard_summary(path: str, shard: Results) -> dict:
    metadata = shard.metadata
    return {
        "file": str(path),
        "snapshot": metadata.get("snapshot"),
        "evaluated_at": metadata.get("evaluated_at"),
        "engine": metadata.get("engine"),
        "evidence": metadata.get("evidence"),
        "results": len(shard.results),
    }


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)

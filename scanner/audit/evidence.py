"""The evidence header of a results file: what was checked, when, by whom, against what.

An auditor handed a results file must be able to tell which tool and policies judged which
snapshot with which configuration, and to check that the snapshot in the archive is the one that
was judged. Digests are sha256 over canonical JSON (keys sorted, no whitespace, UTF-8), which
anyone can recompute:

    python3 -c 'import hashlib,json,sys; d=json.load(open(sys.argv[1]));
    print(hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False).encode()).hexdigest())' snapshot.json
"""

import hashlib
import json
from typing import Any

from scanner import __version__
from scanner.clock import utc_now
from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.results import Results


def canonical_digest(document: Any) -> str:
    """sha256 of the document's canonical JSON: the same content always gives the same digest.

    Hashed chunk by chunk: a 100,000-repository snapshot as one string costs ~300 MB.
    """
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256()
    for chunk in encoder.iterencode(document):
        digest.update(chunk.encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def attach_evidence(
    results: Results,
    snapshot: dict[str, Any],
    *,
    evaluation_started_at: str,
    collection_finished_at: str | None = None,
) -> dict[str, Any]:
    """Add `metadata["evidence"]` to freshly evaluated results and return it.

    The collection times are the snapshot's own record (`collection`). A snapshot that predates
    it has no start (null rather than guessed); its finish is collection_finished_at, known only
    when this process collected the snapshot (`scan`).
    """
    metadata = results.metadata
    recorded = snapshot.get("collection") or {}
    evidence = {
        "tool": {"name": "ecrscan", "version": __version__},
        "engine": metadata.get("engine"),
        "policy_digest": metadata.get("policy_digest"),
        "config_digest": canonical_digest(metadata.get("config")),
        "snapshot_digest": canonical_digest(snapshot),
        "snapshot_tool": snapshot.get("tool"),
        "caller": {"arn": snapshot.get("caller_arn"), "account_id": snapshot.get("account_id")},
        "accounts": covered_accounts(snapshot),
        "regions": sorted(snapshot.get("regions") or ()),
        "collection": {
            "started_at": recorded.get("started_at"),
            "finished_at": recorded.get("finished_at") or collection_finished_at,
        },
        "evaluation": {"started_at": evaluation_started_at, "finished_at": utc_now()},
        "controls": [c["id"] for c in results.controls],
        "results": len(results.results),
    }
    results_metadata.record(results, "evidence", evidence)
    return evidence


def covered_accounts(snapshot: dict[str, Any]) -> list[str]:
    """The caller's account and every account the inventory holds, sorted."""
    accounts = {snapshot.get("account_id")}
    accounts.update(scope.get("account_id") for scope in snapshot.get("inventory") or ())
    return sorted(a for a in accounts if a)

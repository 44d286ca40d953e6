"""From snapshot to a complete results document: the one path every command takes.

`evaluate`, `scan`, `iac` and `demo` all judge a snapshot the same way, so a results file carries
the same things whichever command wrote it: the verdicts, suppressions written in the source,
the cost figures, the evidence, and (when asked) waivers and a history record.
"""

import argparse
from typing import Any

from scanner.audit.suppressions import apply_suppressions, suppressions_by_resource
from scanner.cli import audit_trail
from scanner.clock import utc_now
from scanner.config import Config
from scanner.cost.view import cost_view
from scanner.evaluate.catalog import PolicySet
from scanner.evaluate.evaluator import EngineFactory, evaluate_snapshot
from scanner.evaluate.results import Results


def judge(
    snapshot: dict[str, Any],
    policies: PolicySet,
    config: Config,
    args: argparse.Namespace,
    *,
    engine_factory: EngineFactory | None = None,  # None: the embedded engine (regopy)
    workers: int = 2,
    collection_finished_at: str | None = None,
) -> Results:
    started = utc_now()
    results = evaluate_snapshot(
        snapshot,
        policies,
        config,
        engine_factory=engine_factory,
        workers=workers,
        processes=getattr(args, "processes", False),
    )
    apply_suppressions(results, suppressions_by_resource(snapshot))
    results.metadata["cost"] = cost_view(snapshot, config.policy_data())  # for --format cost
    return audit_trail.finish(
        results,
        args,
        snapshot=snapshot,
        evaluation_started_at=started,
        collection_finished_at=collection_finished_at,
    )

"""From snapshot to a complete results document, and from results to outputs and an exit code:
the one path every command takes.

`evaluate`, `scan`, `iac` and `demo` all judge a snapshot the same way, so a results file carries
the same things whichever command wrote it: the verdicts, suppressions written in the source,
the cost figures, the evidence, and (when asked) waivers and a history record. They take the
run's options as one typed value (scanner.cli.run_options), never the parsed command line.
"""

from typing import Any

from scanner.audit.baseline import apply_baseline, gating
from scanner.audit.suppressions import apply_suppressions, suppressions_by_resource
from scanner.cli.audit_trail import AuditTrail
from scanner.cli.options import emit_all
from scanner.cli.run_options import EngineOptions, RunOptions
from scanner.clock import utc_now
from scanner.config import Config
from scanner.cost.view import cost_view
from scanner.evaluate.catalog import PolicySet
from scanner.evaluate.evaluator import EngineFactory, evaluate_snapshot
from scanner.evaluate.metadata import record
from scanner.evaluate.results import Results, exit_code
from scanner.render.incomplete import warn_if_incomplete


def judge(
    snapshot: dict[str, Any],
    policies: PolicySet,
    config: Config,
    trail: AuditTrail,
    *,
    engine: EngineOptions | None = None,
    engine_factory: EngineFactory | None = None,  # None: the embedded engine (regopy)
    collection_finished_at: str | None = None,
) -> Results:
    engine = engine or EngineOptions()
    started = utc_now()
    results = evaluate_snapshot(
        snapshot,
        policies,
        config,
        engine_factory=engine_factory,
        workers=engine.workers,
        processes=engine.processes,
    )
    apply_suppressions(results, suppressions_by_resource(snapshot))
    record(results, "cost", cost_view(snapshot, config.policy_data()))  # for --format cost
    return trail.finish(
        results,
        snapshot=snapshot,
        evaluation_started_at=started,
        collection_finished_at=collection_finished_at,
    )


def publish(results: Results, options: RunOptions) -> int:
    """Every requested format, then the exit code; failures a --baseline knew do not count."""
    gate = options.gate
    if gate.baseline:
        apply_baseline(results, gate.baseline)
    emit_all(results, options.output)
    incomplete = warn_if_incomplete(results.metadata)
    if gate.soft_fail:
        return 0
    errors_from = gate.fail_on if gate.errors_follow_fail_on else "LOW"
    return exit_code(gating(results.results), gate.fail_on, errors_from, incomplete=incomplete)

"""Turn a snapshot into results: one verdict per (resource, applicable control)."""

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from scanner import __version__
from scanner.clock import utc_now
from scanner.config import Config
from scanner.engines.base import Engine, EngineError, Verdict
from scanner.evaluate import documents, shards
from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.catalog import SEVERITIES, Control, PolicySet, policy_digest
from scanner.evaluate.memo import MemoisingEngine, control_reads
from scanner.evaluate.results import RESULTS_FORMAT, VERDICT_STATUSES, Result, Results

BATCH_SIZE = 64
EngineFactory = Callable[[dict[str, str], dict[str, Any], list[str]], Engine]


def evaluate_snapshot(
    snapshot: dict[str, Any],
    policies: PolicySet,
    config: Config,
    *,
    engine_factory: EngineFactory | None = None,
    workers: int = 2,
    memoise: bool = True,
    processes: bool = False,
) -> Results:
    """engine_factory defaults to the embedded engine (regopy), imported only now: commands
    that evaluate nothing never load an engine.

    memoise=False hands every document to the engine as it is, one query per cell: the
    reference the parity tests compare the default (projected, memoised) path against.

    Workers are threads, or with processes=True forked processes where the platform and the
    engine allow (scanner.evaluate.shards)."""
    if engine_factory is None:
        from scanner.engines import engine_factory as factory_of

        engine_factory = factory_of("regopy")
    policies = _in_scope(policies, snapshot)
    data = {"ecrscan": {"config": config.policy_data()}}
    entrypoints = [c.entrypoint for c in policies.controls]
    engine = engine_factory(policies.modules, data, entrypoints)  # a broken policy fails here
    if memoise:
        engine = MemoisingEngine(engine, control_reads(policies))
    results = list(_gap_results(snapshot, policies.controls))
    try:
        if processes and shards.usable(workers, engine_factory):
            # Each forked worker gets its own copy of the engine (and of its empty memo).
            results += shards.judge_in_processes(
                lambda worker, of: _verdict_groups(
                    snapshot, policies.controls, engine, 1, (worker, of), config.policy_data()
                ),
                workers,
            )
        else:
            groups = _verdict_groups(
                snapshot, policies.controls, engine, workers, policy_data=config.policy_data()
            )
            for group in groups:
                results += group
    finally:
        engine.close()
    return Results(_metadata(snapshot, policies, config, engine.name), results)


def _verdict_groups(
    snapshot: dict[str, Any],
    controls: Sequence[Control],
    engine: Engine,
    workers: int,
    share: tuple[int, int] = (0, 1),
    policy_data: dict[str, Any] | None = None,
) -> list[list[Result]]:
    """The results of each judged resource, in resource order; share (k, n) keeps resources
    k, k + n, k + 2n, ... of those any control applies to."""
    by_type = {
        t: [c for c in controls if c.applies_to(t)]
        for t in {t for c in controls for t in c.resource_types or (c.resource_type,)}
    }
    worker, of = share
    applicable = (
        r for r in documents.resources(snapshot, policy_data) if by_type.get(r.resource_type)
    )
    batches = _batches(
        (r for index, r in enumerate(applicable) if index % of == worker), BATCH_SIZE
    )

    def judge(batch: list[documents.Resource]) -> list[list[Result]]:
        # One batch holds one resource type at a time: see _batches.
        judged = by_type[batch[0].resource_type]
        sound = [r for r in batch if r.problem is None]
        entrypoints = [c.entrypoint for c in judged]
        answers = iter(engine.verdicts(entrypoints, [r.document for r in sound]) if sound else ())
        groups = []
        for resource in batch:
            if resource.problem is None:
                answer = next(answers)
                groups.append([_result(resource, c, answer[c.entrypoint]) for c in judged])
            else:
                groups.append([_unjudgeable(resource, c) for c in judged])
        return groups

    groups: list[list[Result]] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="evaluate") as pool:
        for chunk in _bounded_map(pool, judge, batches, ahead=4 * max(1, workers)):
            groups += chunk
    return groups


def _bounded_map(pool: ThreadPoolExecutor, fn: Callable, items: Iterator, ahead: int) -> Iterator:
    """pool.map, in order, with at most `ahead` items in flight.

    Executor.map submits every item at once, which would build every input document of a
    100,000-repository snapshot before the first verdict; this keeps only a window alive.
    """
    window: deque[Future] = deque()
    for item in items:
        window.append(pool.submit(fn, item))
        if len(window) >= ahead:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def _batches(resources: Iterator[documents.Resource], size: int) -> Iterator[list]:
    batch: list[documents.Resource] = []
    for resource in resources:
        if batch and (len(batch) == size or batch[0].resource_type != resource.resource_type):
            yield batch
            batch = []
        batch.append(resource)
    if batch:
        yield batch


def _result(
    resource: documents.Resource, control: Control, verdict: Verdict | EngineError
) -> Result:
    status, severity, reason = _interpret(control, verdict)
    return Result(
        control_id=control.id,
        resource_id=resource.resource_id,
        resource_type=resource.resource_type,
        resource_name=resource.name,
        account_id=resource.account_id,
        region=resource.region,
        status=status,
        severity=severity,
        reason=reason,
        source=resource.source,
    )


def _unjudgeable(resource: documents.Resource, control: Control) -> Result:
    """A resource the snapshot contradicts itself about: no control may pass it."""
    return _result(resource, control, {"status": "ERROR", "reason": resource.problem})


def _interpret(control: Control, verdict: Verdict | EngineError) -> tuple[str, str, str]:
    """A verdict the engine could not produce, or one that breaks the contract, is an ERROR."""
    if isinstance(verdict, EngineError):
        return "ERROR", control.severity, f"policy {control.id}: {verdict}"
    status = verdict.get("status") if isinstance(verdict, dict) else None
    status = _SHARED.get(status) if isinstance(status, str) else None
    if status not in VERDICT_STATUSES:
        return (
            "ERROR",
            control.severity,
            f"policy {control.id} returned a malformed verdict: {verdict!r}",
        )
    severity = _SHARED.get(str(verdict.get("severity") or control.severity).upper())
    if severity not in SEVERITIES:
        severity = control.severity
    return status, severity, str(verdict.get("reason") or "")


# One string object per status and severity for a million results, not one each (each engine
# answer parses into fresh strings): about 100 MB at 100,000 repositories.
_SHARED = {word: word for word in (*VERDICT_STATUSES, *SEVERITIES)}


def _gap_results(snapshot: dict[str, Any], controls: Sequence[Control]) -> Iterator[Result]:
    for gap in documents.gaps(snapshot):
        error = gap.error
        reason = (
            f"could not list {gap.resource_type} resources: "
            f"{error['operation']} {error['code']}: {error['message']}"
        )
        for control in controls:
            if control.applies_to(gap.resource_type):
                yield Result(
                    control.id,
                    gap.resource_id,
                    gap.resource_type,
                    "*",
                    gap.account_id,
                    gap.region,
                    "ERROR",
                    control.severity,
                    reason,
                )


def _metadata(snapshot: dict[str, Any], policies: PolicySet, config: Config, engine: str) -> dict:
    return results_metadata.start(
        {
            "format": RESULTS_FORMAT,
            "tool": {"name": "ecrscan", "version": __version__},
            "engine": engine,
            "evaluated_at": utc_now(),
            "snapshot": {
                key: snapshot[key]
                for key in (
                    "schema_version",
                    "collected_at",
                    "account_id",
                    "partition",
                    "caller_arn",
                    "regions",
                )
            }
            # Which (account, region) pairs were judged: merge refuses shards that overlap.
            | {"scopes": sorted([s["account_id"], s["region"]] for s in snapshot["inventory"])},
            "snapshot_errors": snapshot["errors"],
            **_selection(snapshot),
            "config": config.policy_data(),
            "policy_digest": policy_digest(policies.modules),
            "controls": [c.summary() for c in policies.controls],
        }
    )


def _in_scope(policies: PolicySet, snapshot: dict[str, Any]) -> PolicySet:
    """A targeted snapshot (scan --repository) is not judged by the controls of what it did not
    collect: its empty VPC lists mean "not asked", never "none there", and it lists no consumer
    and reads no IAM, so consumer and pusher controls do not run either."""
    selection = snapshot.get("selection")
    if not selection:
        return policies
    skipped = set(_UNTARGETED) | (set() if selection.get("network") else {"vpc"})
    kept = tuple(c for c in policies.controls if not set(_types_of(c)) & skipped)
    return PolicySet(policies.modules, kept)


# The resource types a targeted scan never collects.
_UNTARGETED = ("ecs-service", "lambda-function", "pusher")


def _types_of(control: Control) -> tuple[str, ...]:
    return control.resource_types or (control.resource_type,)


def _selection(snapshot: dict[str, Any]) -> dict[str, Any]:
    """metadata.selection of a targeted scan: what it covered, and the repositories it found
    deleted, by ARN (their findings are closed; scanner.audit.overlay drops their cells)."""
    selection = snapshot.get("selection")
    if selection is None:
        return {}
    partition = snapshot["partition"]
    absent = [
        {
            "resource_id": f"arn:{partition}:ecr:{a['region']}:{a['account_id']}:repository/"
            + a["name"],
            "resource_type": "repository",
            "name": a["name"],
            "account_id": a["account_id"],
            "region": a["region"],
        }
        for a in selection["absent"]
    ]
    covered = {"repositories": selection["repositories"], "network": selection["network"]}
    return {"selection": covered | {"absent": absent}}

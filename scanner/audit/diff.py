"""What changed between two scans: a result's identity is its control id and resource id."""

from dataclasses import dataclass, field

from scanner.evaluate.results import Result, Results

_CLEAN = ("PASS", "N/A")


@dataclass
class Diff:
    new_failures: list[Result] = field(default_factory=list)
    fixed: list[tuple[Result, Result]] = field(default_factory=list)
    still_failing: list[Result] = field(default_factory=list)
    other_changes: list[tuple[Result | None, Result | None]] = field(default_factory=list)
    new_resources: list[Result] = field(default_factory=list)
    removed_resources: list[Result] = field(default_factory=list)


def compare(old: Results, new: Results) -> Diff:
    before = {(r.control_id, r.resource_id): r for r in old.results}
    after = {(r.control_id, r.resource_id): r for r in new.results}
    diff = Diff()
    for key in sorted(before.keys() | after.keys()):
        _classify(diff, before.get(key), after.get(key))
    old_resources = _resources(old)
    new_resources = _resources(new)
    diff.new_resources = [new_resources[k] for k in sorted(new_resources.keys() - old_resources)]
    diff.removed_resources = [
        old_resources[k] for k in sorted(old_resources.keys() - new_resources)
    ]
    return diff


def _classify(diff: Diff, was: Result | None, now: Result | None) -> None:
    was_failing = was is not None and was.status == "FAIL"
    if now is not None and now.status == "FAIL":
        (diff.still_failing if was_failing else diff.new_failures).append(now)
    elif was_failing and now is not None and now.status in _CLEAN:
        diff.fixed.append((was, now))
    elif was is not None and now is not None and was.status != now.status:
        diff.other_changes.append((was, now))
    elif was_failing:  # the resource or the control is gone from the new scan
        diff.other_changes.append((was, None))


def _resources(results: Results) -> dict[str, Result]:
    return {r.resource_id: r for r in results.results}

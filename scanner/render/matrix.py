"""Pivot results into matrices (resources x controls) and count them: shared by the outputs."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from scanner.evaluate.catalog import SEVERITIES
from scanner.evaluate.results import STATUSES, Result, Results
from scanner.text_safety import for_terminal


@dataclass(frozen=True)
class Matrix:
    resource_type: str
    control_ids: list[str]
    rows: list[tuple[tuple[str, str, str], dict[str, str]]]  # (account, region, name) -> cells


def matrices(results: Results) -> list[Matrix]:
    """One matrix per resource type, columns in catalogue order, rows sorted."""
    out = []
    for resource_type in dict.fromkeys(c["resource_type"] for c in results.controls):
        control_ids = [c["id"] for c in results.controls if c["resource_type"] == resource_type]
        cells: dict[tuple[str, str, str], dict[str, str]] = {}
        for result in results.results:
            if result.resource_type == resource_type:
                key = (result.account_id, result.region, result.resource_name)
                cells.setdefault(key, {})[result.control_id] = result.status
        out.append(Matrix(resource_type, control_ids, sorted(cells.items())))
    return out


def status_by_severity(results: list[Result]) -> dict[str, Counter]:
    """{severity: Counter(status)} for every severity, most severe first."""
    counts = {severity: Counter() for severity in reversed(SEVERITIES)}
    for result in results:
        counts[result.severity][result.status] += 1
    return counts


def status_totals(results: list[Result]) -> Counter:
    return Counter(dict.fromkeys(STATUSES, 0)) + Counter(r.status for r in results)


def resource_labeller(results: list[Result]) -> Callable[[Result], str]:
    """How findings name a resource: `region/name`, or `account/region/name` when the results
    span more than one account (the same name in two accounts is two resources). Escaped for
    a terminal."""
    several_accounts = len({r.account_id for r in results}) > 1

    def label(result: Result) -> str:
        parts = [result.region, result.resource_name]
        if several_accounts:
            parts.insert(0, result.account_id)
        return for_terminal("/".join(parts))

    return label

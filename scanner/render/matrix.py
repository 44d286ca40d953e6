"""Pivot results into matrices (resources x controls) and count them: shared by the outputs."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from scanner.evaluate.catalog import SEVERITIES
from scanner.evaluate.results import STATUSES, Result, Results
from scanner.text_safety import for_terminal

# How the outputs title each resource type's matrix.
TITLES = {
    "repository": "Repositories",
    "vpc": "VPCs",
    "registry": "Registries",
    "ecs-service": "ECS services",
    "lambda-function": "Lambda functions",
    "pusher": "Pushers",
}


@dataclass(frozen=True)
class Matrix:
    resource_type: str
    control_ids: list[str]
    # ((account, region, name), cells by control id), sorted. One row per resource identity:
    # two resources with one name (the same repository declared in two templates) are two
    # rows, their names told apart by their source.
    rows: list[tuple[tuple[str, str, str], dict[str, str]]]


def matrices(results: Results) -> list[Matrix]:
    """One matrix per resource type, columns in catalogue order, rows sorted."""
    out = []
    for resource_type in dict.fromkeys(t for c in results.controls for t in control_types(c)):
        control_ids = [c["id"] for c in results.controls if resource_type in control_types(c)]
        mine = [r for r in results.results if r.resource_type == resource_type]
        names = row_names(mine)
        cells: dict[tuple[str, str, str, str], dict[str, str]] = {}
        for result in mine:
            key = (result.account_id, result.region, names[result.resource_id], result.resource_id)
            cells.setdefault(key, {})[result.control_id] = result.status
        rows = [(key[:3], row) for key, row in sorted(cells.items())]
        out.append(Matrix(resource_type, control_ids, rows))
    return out


def row_names(results: list[Result]) -> dict[str, str]:
    """{resource_id: the name a row shows}: the resource name, followed by its source (file,
    then the resource's own id) when another resource in the same account and region shares
    it."""
    first: dict[str, Result] = {}
    for result in results:
        first.setdefault(result.resource_id, result)
    holders = Counter((r.account_id, r.region, r.resource_name) for r in first.values())
    names = {}
    for resource_id, result in first.items():
        name = result.resource_name
        if holders[(result.account_id, result.region, name)] > 1:
            source = result.source or {}
            name = f"{name} ({source.get('file') or resource_id})"
        names[resource_id] = name
    return names


def control_types(control: dict) -> list[str]:
    """The resource types a control judges; results written before controls could judge
    several name one."""
    return control.get("resource_types") or [control["resource_type"]]


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

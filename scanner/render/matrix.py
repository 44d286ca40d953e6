"""Pivot results into matrices (resources x controls) and count them: shared by the outputs."""

from collections import Counter
from dataclasses import dataclass

from scanner.evaluate.catalog import SEVERITIES
from scanner.evaluate.results import STATUSES, Result, Results

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
    rows: list[tuple[tuple[str, str, str], dict[str, str]]]  # (account, region, name) -> cells


def matrices(results: Results) -> list[Matrix]:
    """One matrix per resource type, columns in catalogue order, rows sorted."""
    out = []
    for resource_type in dict.fromkeys(t for c in results.controls for t in _types(c)):
        control_ids = [c["id"] for c in results.controls if resource_type in _types(c)]
        cells: dict[tuple[str, str, str], dict[str, str]] = {}
        for result in results.results:
            if result.resource_type == resource_type:
                key = (result.account_id, result.region, result.resource_name)
                cells.setdefault(key, {})[result.control_id] = result.status
        out.append(Matrix(resource_type, control_ids, sorted(cells.items())))
    return out


def _types(control: dict) -> list[str]:
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

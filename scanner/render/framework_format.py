"""Results pivoted by framework requirement (AWS FSBP ECR.1, EC2.55 ...), from the METADATA.

A requirement is met when every verdict of every control mapped to it passes or does not apply;
an ERROR leaves it undecided, a FAIL fails it, and WAIVED counts apart so an accepted failure is
never read as a pass.
"""

from collections import Counter
from dataclasses import dataclass, field

from tabulate import tabulate

from scanner.evaluate.results import Result, Results

_COUNTED = ("PASS", "FAIL", "WAIVED", "ERROR", "N/A")
# The framework auditors ask for first leads; the others follow in name order.
_LEADING = "aws-fsbp"


@dataclass
class Requirement:
    framework: str
    id: str
    controls: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    failing: list[Result] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.counts["ERROR"]:
            return "UNDECIDED"
        if self.counts["FAIL"]:
            return "FAILED"
        if self.counts["WAIVED"]:
            return "MET WITH WAIVERS"
        if self.counts["PASS"]:
            return "MET"
        return "NOT APPLICABLE"


def requirements(results: Results) -> list[Requirement]:
    """One entry per (framework, requirement id) named by any control in the results."""
    found: dict[tuple[str, str], Requirement] = {}
    for control in results.controls:
        for framework, ids in (control.get("frameworks") or {}).items():
            for requirement_id in ids:
                key = (framework, requirement_id)
                found.setdefault(key, Requirement(framework, requirement_id))
                found[key].controls.append(control["id"])
    by_control: dict[str, list[Requirement]] = {}
    for requirement in found.values():
        for control_id in requirement.controls:
            by_control.setdefault(control_id, []).append(requirement)
    for result in results.results:
        for requirement in by_control.get(result.control_id, ()):
            requirement.counts[result.status] += 1
            if result.status in ("FAIL", "ERROR"):
                requirement.failing.append(result)
    return sorted(found.values(), key=_order)


def _order(requirement: Requirement) -> tuple:
    prefix, _, number = requirement.id.rpartition(".")
    numeric = int(number) if number.isdigit() else 0
    return (
        requirement.framework != _LEADING,
        requirement.framework,
        prefix,
        numeric,
        requirement.id,
    )


def render(results: Results) -> str:
    found = requirements(results)
    if not found:
        return "No control in these results names a framework requirement.\n"
    rows = [
        [
            r.framework,
            r.id,
            ", ".join(r.controls),
            *(r.counts[s] for s in _COUNTED),
            r.verdict,
        ]
        for r in found
    ]
    headers = ["framework", "requirement", "controls", *_COUNTED, "verdict"]
    sections = ["Frameworks\n" + tabulate(rows, headers=headers, tablefmt="simple")]
    failing = [
        [f"{r.framework} {r.id}", x.status, x.account_id, x.region, x.resource_name, x.reason]
        for r in found
        for x in r.failing
    ]
    if failing:
        headers = ["requirement", "status", "account", "region", "resource", "reason"]
        sections.append(
            "Failing\n"
            + tabulate(failing, headers=headers, tablefmt="simple", maxcolwidths=[None] * 5 + [80])
        )
    return "\n\n".join(sections) + "\n"

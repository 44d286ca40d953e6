"""Results pivoted by framework requirement (AWS FSBP ECR.1, EC2.55 ...), from the METADATA.

A requirement is met when every verdict of every control mapped to it passes or does not apply;
an ERROR leaves it undecided, a FAIL fails it, and WAIVED counts apart so an accepted failure is
never read as a pass.
"""

from collections import Counter
from dataclasses import dataclass, field

from tabulate import tabulate

from scanner.evaluate.results import Result, Results
from scanner.render.display import PLAIN, WIDE, Display, fit_table, short_digests
from scanner.render.incomplete import banner_lines
from scanner.text_safety import for_terminal, neutralise_log_commands

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
            return "FAIL"
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


def render(results: Results, display: Display = PLAIN) -> str:
    found = requirements(results)
    sections = ["\n".join(banner_lines(results.metadata))]
    if not found:
        sections.append("No control in these results names a framework requirement.")
    else:
        sections.append(_requirements_section(found, display))
        sections.append(_failing_section(found, display))
    return neutralise_log_commands("\n\n".join(s for s in sections if s) + "\n")


def _requirements_section(found: list[Requirement], display: Display) -> str:
    rows = [
        [
            for_terminal(r.framework),
            for_terminal(r.id),
            ", ".join(for_terminal(c) for c in r.controls),
            *(r.counts[s] for s in _COUNTED),
            display.paint(r.verdict, _VERDICT_COLOURS.get(r.verdict, "")),
        ]
        for r in found
    ]
    headers = ["framework", "requirement", "controls", *_COUNTED, "verdict"]
    return "Frameworks\n" + (
        fit_table(rows, headers, display, {2: 16}) or fit_table(rows, headers, WIDE, {})
    )


def _failing_section(found: list[Requirement], display: Display) -> str:
    failing = [
        [
            for_terminal(f"{r.framework} {r.id}"),
            display.paint(x.status, x.status),
            for_terminal(x.account_id),
            for_terminal(x.region),
            for_terminal(x.resource_name),
            short_digests(for_terminal(x.reason)),
        ]
        for r in found
        for x in r.failing
    ]
    if not failing:
        return ""
    headers = ["requirement", "status", "account", "region", "resource", "reason"]
    table = fit_table(failing, headers, display, {4: 16, 5: 30})
    if table is None:  # too narrow to fit: reasons wrap at a readable measure
        table = tabulate(failing, headers=headers, maxcolwidths=[None] * 5 + [80])
    return "Failing\n" + table


# Each verdict painted as the status it stands for.
_VERDICT_COLOURS = {
    "FAIL": "FAIL",
    "UNDECIDED": "ERROR",
    "MET": "PASS",
    "MET WITH WAIVERS": "WAIVED",
}

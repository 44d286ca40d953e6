"""Control cases: the input documents beside each control (`cases.yaml`) and the verdict each
must get, run through one or more engines (`ecrscan test`, and the test suite).

The embedded engine cannot run Rego `with input as` tests, so a control's tests are data: each
case is fed to every chosen engine, and its verdict must match the case's expectation on each of
them. A case whose verdicts differ between engines (status, severity or reason) shows a control
whose meaning depends on the engine, which docs/policies.md explains how to avoid.
"""

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import strict_yaml
from scanner.config import config_from_mapping
from scanner.engines.base import Engine, EngineError, Verdict
from scanner.errors import InputError
from scanner.evaluate.catalog import SEVERITIES, Control, PolicySet
from scanner.evaluate.input_paths import entrypoint_modules
from scanner.evaluate.results import VERDICT_STATUSES
from scanner.fileio import read_text

CASES_FILE = "cases.yaml"
_CASE_KEYS = {"name", "input", "config", "expect"}
_EXPECT_KEYS = {"status", "reason", "severity"}


@dataclass(frozen=True)
class Case:
    control: Control
    name: str
    document: Any
    expect: Mapping[str, str]  # status; optional reason (a substring) and severity
    config: Mapping[str, Any] = field(default_factory=dict)  # over the defaults

    @property
    def label(self) -> str:
        return f"{self.control.id}:{self.name}"


def load_cases(policies: PolicySet) -> list[Case]:
    """Every case of every control, in control order; a malformed cases.yaml is an InputError
    naming the file and the case."""
    cases: list[Case] = []
    for control in policies.controls:
        path = control.path.parent / CASES_FILE
        if path.is_file():
            cases += _control_cases(control, path)
    return cases


def without_cases(policies: PolicySet) -> list[Control]:
    """The controls with no cases.yaml beside them: untested."""
    return [c for c in policies.controls if not (c.path.parent / CASES_FILE).is_file()]


def _control_cases(control: Control, path: Path) -> Iterator[Case]:
    # A cases.yaml can come with a pull request: duplicate keys, deep nesting and alias bombs
    # (a few hundred bytes standing for billions of values an engine would walk) are refused.
    entries = strict_yaml.load(read_text(path, "cases file"), "cases file", str(path))
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InputError(f"{path}: must be a list of cases (name, input, expect)")
    names: set[str] = set()
    for number, entry in enumerate(entries, 1):
        case = _case(control, entry, f"{path}: case {number}")
        if case.name in names:
            raise InputError(f"{path}: two cases are named {case.name!r}")
        names.add(case.name)
        yield case


def _case(control: Control, entry: Any, where: str) -> Case:
    if not isinstance(entry, dict) or not {"name", "input", "expect"} <= set(entry):
        raise InputError(f"{where}: a case is a mapping with name, input and expect")
    unknown = sorted(set(entry) - _CASE_KEYS)
    expect, config = entry["expect"], entry.get("config") or {}
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_CASE_KEYS)})")
    if not isinstance(entry["name"], str) or not entry["name"]:
        raise InputError(f"{where}: name must be a non-empty string")
    if not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS or "status" not in expect:
        raise InputError(f"{where}: expect is a mapping of status and optional reason, severity")
    if expect["status"] not in VERDICT_STATUSES:
        raise InputError(f"{where}: expect.status must be one of {', '.join(VERDICT_STATUSES)}")
    if expect.get("severity", SEVERITIES[0]) not in SEVERITIES:
        raise InputError(f"{where}: expect.severity must be one of {', '.join(SEVERITIES)}")
    if not isinstance(expect.get("reason", ""), str):
        raise InputError(f"{where}: expect.reason must be a string")
    config_from_mapping(config, source=f"{where} ({entry['name']}): config")  # validates it
    return Case(control, entry["name"], entry["input"], dict(expect), dict(config))


def problem(case: Case, verdict: Verdict | EngineError) -> str | None:
    """Why verdict does not meet the case's expectation, or None when it does."""
    expect = case.expect
    if isinstance(verdict, EngineError):
        return f"expected {expect['status']}, got an engine error: {verdict}"
    if not isinstance(verdict, dict):
        return f"expected {expect['status']}, got a malformed verdict: {verdict!r}"
    status, severity, reason = summary(case, verdict)
    if status != expect["status"]:
        return f"expected {expect['status']}, got {status}: {reason}"
    if expect.get("reason", "") not in reason:
        return f"expected a reason containing {expect['reason']!r}, got {reason!r}"
    if "severity" in expect and severity != expect["severity"]:
        return f"expected severity {expect['severity']}, got {severity}"
    return None


def summary(case: Case, verdict: Verdict | EngineError) -> tuple[str, str, str]:
    """(status, severity, reason) as results record them; an engine error as ERROR."""
    if isinstance(verdict, EngineError):
        return "ERROR", case.control.severity, str(verdict)
    if not isinstance(verdict, dict):
        return "ERROR", case.control.severity, f"malformed verdict {verdict!r}"
    severity = str(verdict.get("severity") or case.control.severity)
    return str(verdict.get("status")), severity, str(verdict.get("reason") or "")


EngineFactory = Callable[[dict[str, str], dict[str, Any], list[str]], Engine]


def run_cases(
    cases: Sequence[Case], policies: PolicySet, factory: EngineFactory, *, per_control: bool = True
) -> list[Verdict | EngineError]:
    """Each case's verdict on one engine, in order.

    One engine per control and configuration, holding only the modules that control can reach
    (what the embedded engine compiles for it anyway): twenty configurations then compile twenty
    small policy sets, not twenty copies of every control. per_control=False gives every engine
    the whole set: an OPA server names uploaded modules by their place in the set, so it must
    always see the same set."""
    engines: dict[tuple[str, str], Engine] = {}
    verdicts: list[Verdict | EngineError] = []
    try:
        for case in cases:
            entrypoint = case.control.entrypoint
            key = (entrypoint if per_control else "", json.dumps(case.config, sort_keys=True))
            if key not in engines:
                wanted = [entrypoint] if per_control else [c.entrypoint for c in policies.controls]
                engines[key] = engine_for(factory, policies, wanted, case.config)
            [answer] = engines[key].verdicts([entrypoint], [case.document])
            verdicts.append(answer[entrypoint])
    finally:
        for engine in engines.values():
            engine.close()
    return verdicts


def engine_for(
    factory: EngineFactory, policies: PolicySet, entrypoints: list[str], config: Mapping[str, Any]
) -> Engine:
    """An engine for these controls under config (merged over the defaults), holding only the
    modules they can reach."""
    reached = {path for e in entrypoints for path in entrypoint_modules(e, policies.modules)}
    modules = {path: source for path, source in policies.modules.items() if path in reached}
    data = {"ecrscan": {"config": config_from_mapping(dict(config)).policy_data()}}
    return factory(modules, data, entrypoints)

"""`ecrscan test`: run every control's cases (cases.yaml beside it) on the chosen engines, like
`opa test` or `conftest verify`; report each failing case, and each case the engines judge
differently."""

import argparse
from pathlib import Path

from scanner.cli.options import emit
from scanner.engines import (
    ENGINE_NAMES,
    GO_OPA_WHEEL,
    NO_ENGINE,
    EngineError,
    available_engines,
    choose_engine,
)
from scanner.errors import ExitCode
from scanner.evaluate.cases import (
    CASES_FILE,
    Case,
    load_cases,
    problem,
    run_cases,
    summary,
    without_cases,
)
from scanner.evaluate.catalog import load_policies
from scanner.resources import policy_dir
from scanner.text_safety import for_terminal  # control characters escaped: one inert line


def register(commands) -> None:
    parser = commands.add_parser(
        "test",
        help="run every control's cases on the chosen engines",
        description="Feed each case of each control's cases.yaml (input documents and the "
        "verdict each must get) to the chosen engines. Prints one line per failing case, and "
        "one per case the engines judge differently, then a total; exits 1 on any of them.",
    )
    parser.add_argument(
        "--policy-dir", metavar="DIR", type=Path, help="test the controls in DIR instead"
    )
    parser.add_argument(
        "--engine",
        action="append",
        choices=ENGINE_NAMES,
        metavar="NAME",
        help=f"an engine to run the cases on ({', '.join(ENGINE_NAMES)}); repeat for several "
        "(default: every in-process engine that can run here: regopy and opa-embedded)",
    )
    parser.add_argument(
        "--opa-url", metavar="URL", help="the OPA server for --engine opa (the cases upload)"
    )
    parser.add_argument("--controls", metavar="IDS", help="comma-separated control ids to test")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    policies = load_policies(args.policy_dir or policy_dir())
    policies = policies.select([i.strip() for i in (args.controls or "").split(",") if i.strip()])
    cases = load_cases(policies)
    engines = _engine_names(args)
    verdicts = {
        name: run_cases(
            cases,
            policies,
            choose_engine(name, opa_url=args.opa_url).factory,
            per_control=name != "opa",  # a server must always be sent the same policy set
        )
        for name in engines
    }
    untested = without_cases(policies)
    lines = [f"NO CASES {c.id}: no {CASES_FILE} beside {c.path}" for c in untested]
    failed = 0
    for index, case in enumerate(cases):
        problems = {name: problem(case, verdicts[name][index]) for name in engines}
        found = [(name, text) for name, text in problems.items() if text is not None]
        lines += [f"FAIL {case.label} [{name}]: {for_terminal(text)}" for name, text in found]
        failed += bool(found)
    differ = _disagreements(cases, verdicts)
    lines += differ
    lines.append(_total(len(cases), engines, failed, len(differ), len(untested)))
    emit("\n".join(lines) + "\n", None)
    return ExitCode.FAILURES if failed or differ or untested else ExitCode.OK


def _engine_names(args: argparse.Namespace) -> list[str]:
    asked = args.engine or available_engines()
    if not asked:
        raise EngineError(NO_ENGINE)
    names = [choose_engine(name, opa_url=args.opa_url).name for name in asked]
    return list(dict.fromkeys(names))  # auto may resolve to one already named


def _disagreements(cases: list[Case], verdicts: dict[str, list]) -> list[str]:
    lines = []
    for index, case in enumerate(cases):
        seen = {name: summary(case, found[index]) for name, found in verdicts.items()}
        if len(set(seen.values())) > 1:
            said = "; ".join(
                f"{name} says {status} ({severity}): {for_terminal(reason)}"
                for name, (status, severity, reason) in seen.items()
            )
            lines.append(f"DIFFER {case.label}: {said}")
    return lines


def _total(cases: int, engines: list[str], failed: int, differ: int, untested: int) -> str:
    on = f"{cases} cases on {', '.join(engines)}"
    if not (failed or differ or untested):
        # rego-cpp alone cannot show where it differs from OPA: say how to compare.
        extra = f" (compare with Go OPA: {GO_OPA_WHEEL})" if engines == ["regopy"] else ""
        return f"{on}: all passed{extra}"
    parts = [f"{failed} failed"] if failed else []
    parts += [f"{differ} judged differently by the engines"] if differ else []
    parts += [f"{untested} controls without {CASES_FILE}"] if untested else []
    return f"{on}: " + ", ".join(parts)

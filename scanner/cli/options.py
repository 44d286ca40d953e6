"""Options shared by several commands, defined once."""

import argparse
import sys
from pathlib import Path

from scanner.cli.run_options import EngineOptions, OutputOptions, SelectionOptions
from scanner.config import load_config
from scanner.engines import AUTO, ENGINE_NAMES, OPA_URL_VARIABLE, EngineChoice, choose_engine
from scanner.errors import InputError
from scanner.evaluate import shards
from scanner.evaluate.catalog import SEVERITIES, PolicySet, load_policies
from scanner.fileio import write_chunks_atomic, write_stdout
from scanner.render import RENDERERS, display, json_format
from scanner.resources import policy_dir


def add_evaluation_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evaluation")
    group.add_argument(
        "--config",
        metavar="FILE",
        help="YAML configuration (trusted accounts, organisation, VPC scope)",
    )
    group.add_argument(
        "--controls",
        metavar="IDS",
        help="comma-separated control ids to run (default: all)",
    )
    group.add_argument(
        "--skip-controls",
        metavar="IDS",
        help="comma-separated control ids not to run",
    )
    group.add_argument(
        "--min-severity",
        type=str.upper,
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="run only controls of this severity or higher: LOW (default), MEDIUM, HIGH, CRITICAL",
    )
    group.add_argument(
        "--policy-dir",
        metavar="DIR",
        type=Path,
        help="evaluate the Rego controls in DIR instead of the bundled ones",
    )
    add_engine_options(group)
    group.add_argument(
        "--workers", type=int, default=2, metavar="N", help="evaluation threads (default: 2)"
    )
    group.add_argument(
        "--processes",
        action="store_true",
        help="evaluate in --workers forked processes instead of threads: about 1.4 times as "
        "fast on a large estate, about twice the memory (POSIX, regopy engine)",
    )


def add_engine_options(group) -> None:
    group.add_argument(
        "--engine",
        choices=ENGINE_NAMES,
        default=AUTO,
        help="Rego engine: auto (default: the first of the others that can run here), regopy "
        "(rego-cpp embedded), opa-embedded (Go OPA in-process, optional wheel) or opa (an OPA "
        "server at --opa-url)",
    )
    group.add_argument(
        "--opa-url",
        metavar="URL",
        help="the OPA server (or load balancer) for --engine opa, such as http://127.0.0.1:8181 "
        f"(default: ${OPA_URL_VARIABLE}); --engine auto falls back to it when no in-process "
        "engine can run",
    )
    group.add_argument(
        "--opa-no-upload",
        action="store_true",
        help="--engine opa: upload nothing; the server already holds the policies and "
        "configuration as a bundle (`ecrscan bundle`), which is checked against them first",
    )


def add_output_options(parser: argparse.ArgumentParser, gate: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        action=_FormatAction,
        default="table",
        metavar="FORMAT[=FILE]",
        help=f"output format: {', '.join(sorted(RENDERERS))} (default: table); repeat for "
        "several, each FORMAT=FILE to its file (--format table --format sarif=out.sarif)",
    )
    group.add_argument(
        "--output",
        metavar="FILE",
        help="write here instead of stdout: a file is replaced atomically, a symlink is "
        "followed, a FIFO or device is written in place",
    )
    group.add_argument(
        "--wide",
        action="store_true",
        help="draw the table in full, however wide (default: fit the terminal, or 120 columns)",
    )
    group.add_argument(
        "--no-color",
        action="store_true",
        help="no colour, even on a terminal (the NO_COLOR variable does the same)",
    )
    if gate:
        add_gate_option(group)


class _FormatAction(argparse.Action):
    """`--format NAME` or `--format NAME=FILE`, repeatable.

    args.format keeps the last name (commands that render one format read it); args.formats
    lists every (name, file or None) in order.
    """

    def __call__(self, parser, namespace, value, option_string=None):
        name, _, path = str(value).partition("=")
        if name not in RENDERERS:
            parser.error(
                f"argument --format: invalid choice: {name!r} (choose from "
                f"{', '.join(sorted(RENDERERS))})"
            )
        if "=" in str(value) and not path:
            parser.error(f"argument --format: {value!r} names no file after '='")
        namespace.format = name
        namespace.formats = [*(getattr(namespace, "formats", None) or []), (name, path or None)]


def emit_all(results, output: OutputOptions) -> None:
    """Render the results in every requested format, each to its file or stdout."""
    for name, path in output.targets:
        if name in _STREAMED:
            emit_chunks(_STREAMED[name](results), path)
        elif name in _DRAWN:
            emit(RENDERERS[name](results, _display(output, path)), path)
        else:
            emit(RENDERERS[name](results), path)


# The human views: their width and colour depend on where they go.
_DRAWN = {"table", "framework", "cost"}


def _display(output: OutputOptions, path: str | None) -> display.Display:
    return display.choose(
        to_terminal=path is None and sys.stdout.isatty(), wide=output.wide, no_color=output.no_color
    )


# Formats written piece by piece: the same text as their renderer's, never one string in memory
# (a 100,000-repository results file is hundreds of megabytes).
_STREAMED = {"json": json_format.chunks}


def emit_chunks(chunks, output: str | None) -> None:
    """emit() for text that comes in pieces; a file is still replaced atomically."""
    if output:
        write_chunks_atomic(chunks, output)
    else:
        write_stdout(chunks)


def add_gate_option(group) -> None:
    group.add_argument(
        "--fail-on",
        type=str.upper,
        choices=SEVERITIES,
        default="LOW",
        metavar="SEVERITY",
        help="exit 1 for failures of this severity or higher: LOW (default), MEDIUM, HIGH, "
        "CRITICAL",
    )
    group.add_argument(
        "--errors-follow-fail-on",
        action="store_true",
        help="ERROR cells of controls below --fail-on do not make the exit code 3 (a gate on "
        "HIGH is not blocked by an undecided MEDIUM cell)",
    )
    group.add_argument(
        "--soft-fail",
        action="store_true",
        help="report, then exit 0 whatever the verdicts (usage errors still exit 2)",
    )
    group.add_argument(
        "--baseline",
        metavar="RESULTS",
        help="an earlier results file (--format json): its failures and ERROR cells (same "
        "control and resource) stay visible but do not fail the gate; only new ones do",
    )


def policies_from(selection: SelectionOptions, catalogue: PolicySet | None = None) -> PolicySet:
    """The controls --controls, --skip-controls and --min-severity leave to run."""
    policies = catalogue or load_policies(selection.policy_dir or policy_dir())
    selected = policies.select(selection.controls)
    skipped = set(selection.skip_controls)
    policies.select(sorted(skipped))  # an unknown id to skip is a typo: refuse it the same way
    floor = SEVERITIES.index(selection.min_severity)
    controls = tuple(
        c
        for c in selected.controls
        if c.id not in skipped and SEVERITIES.index(c.severity) >= floor
    )
    if not controls:
        raise InputError("--controls, --skip-controls and --min-severity leave no control to run")
    return PolicySet(selected.modules, controls)


def catalogue_from(selection: SelectionOptions) -> PolicySet:
    """Every control of the policy directory, selected or not (waivers and suppressions may
    name any of them)."""
    return load_policies(selection.policy_dir or policy_dir())


def config_from(selection: SelectionOptions):
    return load_config(selection.config)


def engine_from(engine: EngineOptions):
    """The factory of the engine --engine (and --opa-url, --opa-no-upload) chose."""
    choice = engine_choice(engine)
    if engine.opa_url and choice.name != "opa":
        # auto takes an embedded engine first: say so, never ignore the flag in silence.
        print(
            f"ecrscan: note: --engine auto chose {choice.name}; --opa-url is used only when no "
            "embedded engine is installed (--engine opa to evaluate on that server)",
            file=sys.stderr,
        )
    return choice.factory


def engine_choice(engine: EngineOptions) -> EngineChoice:
    if engine.opa_url and engine.name in ("regopy", "opa-embedded"):
        raise InputError(f"--opa-url is only used with --engine opa (or auto), not {engine.name}")
    choice = choose_engine(engine.name, opa_url=engine.opa_url, upload=engine.upload)
    if not engine.upload and choice.name != "opa":
        raise InputError(
            "--opa-no-upload is only used with --engine opa: the server serves the bundle "
            f"(`ecrscan bundle`); --engine {engine.name} chose {choice.name}"
        )
    return choice


def check_workers(engine: EngineOptions) -> None:
    """Refuse --processes where it cannot run, before any work."""
    if engine.processes:
        if not shards.fork_available():
            raise InputError("--processes needs fork, which this platform lacks; drop it")
        name = engine_choice(engine).name
        if name != "regopy":
            raise InputError(
                f"--processes runs the embedded engine (regopy), not {name}; drop it or use "
                "--engine regopy"
            )


def emit(text: str, output: str | None) -> None:
    emit_chunks([text], output)

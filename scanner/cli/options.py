"""Options shared by several commands, defined once."""

import argparse
import sys
from pathlib import Path

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


def output_targets(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) per --format; a bare format goes to --output."""
    specs = getattr(args, "formats", None) or [(args.format, None)]
    if args.output and any(path for _, path in specs):
        raise InputError(
            "--output cannot be combined with --format FORMAT=FILE; name every file in --format"
        )
    targets = [(name, path or args.output) for name, path in specs]
    to_stdout = [name for name, path in targets if path is None]
    if len(to_stdout) > 1:
        raise InputError(
            f"formats {', '.join(to_stdout)} would all go to stdout; give all but one a file "
            "(--format sarif=results.sarif)"
        )
    files = [path for _, path in targets if path is not None]
    if len(files) != len(set(files)):
        raise InputError("two formats would be written to the same file; give each its own")
    return targets


def emit_all(results, args: argparse.Namespace) -> None:
    """Render the results in every requested format, each to its file or stdout."""
    for name, path in output_targets(args):
        if name in _STREAMED:
            emit_chunks(_STREAMED[name](results), path)
        elif name in _DRAWN:
            emit(RENDERERS[name](results, _display(args, path)), path)
        else:
            emit(RENDERERS[name](results), path)


# The human views: their width and colour depend on where they go.
_DRAWN = {"table", "framework", "cost"}


def _display(args: argparse.Namespace, path: str | None) -> display.Display:
    return display.choose(
        to_terminal=path is None and sys.stdout.isatty(),
        wide=getattr(args, "wide", False),
        no_color=getattr(args, "no_color", False),
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


def policies_from(args: argparse.Namespace, catalogue: PolicySet | None = None) -> PolicySet:
    """The controls --controls, --skip-controls and --min-severity leave to run."""
    if args.controls is not None and not _ids(args.controls):
        raise InputError("--controls names no control; leave it out to run every control")
    policies = catalogue or load_policies(args.policy_dir or policy_dir())
    selected = policies.select(_ids(args.controls))
    skipped = set(_ids(getattr(args, "skip_controls", None)))
    policies.select(sorted(skipped))  # an unknown id to skip is a typo: refuse it the same way
    floor = SEVERITIES.index(getattr(args, "min_severity", None) or "LOW")
    controls = tuple(
        c
        for c in selected.controls
        if c.id not in skipped and SEVERITIES.index(c.severity) >= floor
    )
    if not controls:
        raise InputError("--controls, --skip-controls and --min-severity leave no control to run")
    return PolicySet(selected.modules, controls)


def _ids(text: str | None) -> list[str]:
    return [i.strip() for i in (text or "").split(",") if i.strip()]


def config_from(args: argparse.Namespace):
    return load_config(args.config)


def engine_from(args: argparse.Namespace):
    """The factory of the engine --engine (and --opa-url, --opa-no-upload) chose."""
    return engine_choice(args).factory


def engine_choice(args: argparse.Namespace) -> EngineChoice:
    if args.opa_url and args.engine in ("regopy", "opa-embedded"):
        raise InputError(f"--opa-url is only used with --engine opa (or auto), not {args.engine}")
    upload = not getattr(args, "opa_no_upload", False)
    choice = choose_engine(args.engine, opa_url=args.opa_url, upload=upload)
    if not upload and choice.name != "opa":
        raise InputError(
            "--opa-no-upload is only used with --engine opa: the server serves the bundle "
            f"(`ecrscan bundle`); --engine {args.engine} chose {choice.name}"
        )
    return choice


def check_workers(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if getattr(args, "processes", False):
        if not shards.fork_available():
            raise InputError("--processes needs fork, which this platform lacks; drop it")
        engine = engine_choice(args).name
        if engine != "regopy":
            raise InputError(
                f"--processes runs the embedded engine (regopy), not {engine}; drop it or use "
                "--engine regopy"
            )


def emit(text: str, output: str | None) -> None:
    emit_chunks([text], output)

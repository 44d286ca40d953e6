"""The options of a run, parsed once from the command line into one typed value.

argparse stays in scanner.cli; what judges, audits, gates and writes (scanner.cli.pipeline,
scanner.cli.audit_trail, the Lambda's re-checks) takes a RunOptions, so every option it honours
is named here, typed and defaulted in one place, and a caller that is not the command line (a
test, the continuous mode) builds one without faking a Namespace.
"""

import argparse
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from scanner.audit.waivers import MAX_WAIVER_DAYS
from scanner.engines import AUTO
from scanner.errors import InputError


@dataclass(frozen=True)
class SelectionOptions:
    """Which controls run, with which configuration (--config, --controls, ...)."""

    config: str | None = None
    controls: tuple[str, ...] | None = None  # None: every control
    skip_controls: tuple[str, ...] = ()
    min_severity: str = "LOW"
    policy_dir: Path | None = None


@dataclass(frozen=True)
class EngineOptions:
    """Which Rego engine answers, and with how many workers."""

    name: str = AUTO
    opa_url: str | None = None
    upload: bool = True  # False: --opa-no-upload, the server already holds the bundle
    workers: int = 2
    processes: bool = False


@dataclass(frozen=True)
class AuditOptions:
    """Waivers and the history database."""

    waivers: str | None = None
    as_of: dt.date | None = None
    max_waiver_days: int = MAX_WAIVER_DAYS
    history_db: str | None = None  # the database's path; None is the default database
    record_history: bool = False


@dataclass(frozen=True)
class GateOptions:
    """What the exit code says."""

    fail_on: str = "LOW"
    errors_follow_fail_on: bool = False
    soft_fail: bool = False
    baseline: str | None = None


@dataclass(frozen=True)
class OutputOptions:
    """Every (format, file or None for stdout) to write, and how the human views are drawn."""

    targets: tuple[tuple[str, str | None], ...] = (("table", None),)
    wide: bool = False
    no_color: bool = False


@dataclass(frozen=True)
class RunOptions:
    selection: SelectionOptions = field(default_factory=SelectionOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)
    audit: AuditOptions = field(default_factory=AuditOptions)
    gate: GateOptions = field(default_factory=GateOptions)
    output: OutputOptions = field(default_factory=OutputOptions)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "RunOptions":
        """The options the command registered, validated; what it did not register keeps its
        default (`report` has no engine, `demo` no gate)."""
        return cls(
            selection=_selection(args),
            engine=_engine(args),
            audit=_audit(args),
            gate=_gate(args),
            output=_output(args),
        )


def _selection(args: argparse.Namespace) -> SelectionOptions:
    controls = getattr(args, "controls", None)
    if controls is not None and not ids(controls):
        raise InputError("--controls names no control; leave it out to run every control")
    return SelectionOptions(
        config=getattr(args, "config", None),
        controls=tuple(ids(controls)) if controls is not None else None,
        skip_controls=tuple(ids(getattr(args, "skip_controls", None))),
        min_severity=getattr(args, "min_severity", None) or "LOW",
        policy_dir=getattr(args, "policy_dir", None),
    )


def ids(text: str | None) -> list[str]:
    """The ids of a comma-separated list, blanks dropped."""
    return [i.strip() for i in (text or "").split(",") if i.strip()]


def _engine(args: argparse.Namespace) -> EngineOptions:
    workers = getattr(args, "workers", 2)
    if workers < 1:
        raise InputError("--workers must be at least 1")
    return EngineOptions(
        name=getattr(args, "engine", AUTO),
        opa_url=getattr(args, "opa_url", None),
        upload=not getattr(args, "opa_no_upload", False),
        workers=workers,
        processes=getattr(args, "processes", False),
    )


def _audit(args: argparse.Namespace) -> AuditOptions:
    db = getattr(args, "db", None)
    return AuditOptions(
        waivers=getattr(args, "waivers", None),
        as_of=getattr(args, "as_of", None),
        max_waiver_days=getattr(args, "max_waiver_days", MAX_WAIVER_DAYS),
        history_db=db,
        record_history=bool(getattr(args, "history", False) or db),
    )


def _gate(args: argparse.Namespace) -> GateOptions:
    return GateOptions(
        fail_on=getattr(args, "fail_on", "LOW"),
        errors_follow_fail_on=getattr(args, "errors_follow_fail_on", False),
        soft_fail=getattr(args, "soft_fail", False),
        baseline=getattr(args, "baseline", None),
    )


def _output(args: argparse.Namespace) -> OutputOptions:
    return OutputOptions(
        targets=tuple(output_targets(args)),
        wide=getattr(args, "wide", False),
        no_color=getattr(args, "no_color", False),
    )


def output_targets(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) per --format; a bare format goes to --output."""
    output = getattr(args, "output", None)
    specs = getattr(args, "formats", None) or [(getattr(args, "format", "table"), None)]
    if output and any(path for _, path in specs):
        raise InputError(
            "--output cannot be combined with --format FORMAT=FILE; name every file in --format"
        )
    targets = [(name, path or output) for name, path in specs]
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

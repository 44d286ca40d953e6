"""The `ecrscan` command line: a thin layer over collect, evaluate and render.

Every user-facing failure ends here as one line on stderr and a documented exit code.
"""

import argparse
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__, signals
from scanner.cli import (
    bundle_cmd,
    collect_cmd,
    controls_cmd,
    demo_cmd,
    diff_cmd,
    doctor_cmd,
    evaluate_cmd,
    export_cmd,
    history_cmd,
    iac_cmd,
    iam_cmd,
    merge_cmd,
    test_cmd,
)
from scanner.engines.base import EngineError
from scanner.errors import EcrscanError, ExitCode
from scanner.signals import Terminated
from scanner.text_safety import for_terminal

EPILOG = """\
exit codes:
  0  no failures at or above --fail-on
  1  failures at or above --fail-on
  2  usage error or unusable input (file missing, not JSON, wrong schema, unknown control)
  3  the run is incomplete: collection errors or ERROR cells
  4  internal error in ecrscan (a bug: please report it)
  130 interrupted (SIGINT), 143 terminated (SIGTERM): no partial file is left behind
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecrscan",
        description="Policy-as-code compliance scanner for Amazon ECR: collect a snapshot of "
        "every repository and VPC endpoint, judge it with Rego controls, report a matrix.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ecrscan {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        collect_cmd,
        evaluate_cmd,
        history_cmd,
        diff_cmd,
        merge_cmd,
        export_cmd,
        iac_cmd,
        controls_cmd,
        test_cmd,
        bundle_cmd,
        iam_cmd,
        doctor_cmd,
        demo_cmd,
    ):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    signals.reset()
    previous = signal.signal(signal.SIGTERM, signals.raise_terminated)
    try:
        code = int(args.handler(args))
        if signals.terminated():  # the exception was lost on the way (see scanner.signals)
            return _fail("terminated", ExitCode.TERMINATED)
        return code
    except EcrscanError as exc:
        return _fail(str(exc), exc.exit_code)
    except EngineError as exc:
        if signals.terminated():  # a worker pool broken by the same SIGTERM
            return _fail("terminated; no output was written", ExitCode.TERMINATED)
        return _fail(str(exc), ExitCode.USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted; no output was written", ExitCode.INTERRUPTED)
    except Terminated:
        return _fail("terminated; no output was written", ExitCode.TERMINATED)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head); nothing left to say
        return ExitCode.OK
    except Exception as exc:  # the one place every unexpected failure ends
        return _internal_error(exc)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signals.reset()  # the flag speaks of this run only


def _internal_error(exc: Exception) -> int:
    """A bug, not a verdict: exit 4 and one line, so CI never reads it as "failures found" (1).
    ECRSCAN_DEBUG=1 prints the traceback for the report."""
    if os.environ.get("ECRSCAN_DEBUG"):
        traceback.print_exc()
    where = _innermost_frame(exc)
    return _fail(
        f"internal error: {type(exc).__name__}{where}: {_one_line(str(exc))} (a bug in ecrscan "
        f"{__version__}: rerun with ECRSCAN_DEBUG=1 and file the traceback on the project's "
        "issue tracker, README 'Reporting bugs')",
        ExitCode.INTERNAL,
    )


def _innermost_frame(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {Path(last.filename).name}:{last.lineno}"


def _one_line(text: str, limit: int = 200) -> str:
    flat = for_terminal(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fail(message: str, code: ExitCode) -> int:
    print(f"ecrscan: error: {for_terminal(message)}", file=sys.stderr)  # names from files
    return int(code)

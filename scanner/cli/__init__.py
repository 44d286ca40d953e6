"""The `ecrscan` command line: a thin layer over collect, evaluate and render.

Every user-facing failure ends here as one line on stderr and a documented exit code.
"""

import argparse
import signal
import sys
from collections.abc import Sequence

from scanner import __version__
from scanner.cli import (
    collect_cmd,
    controls_cmd,
    demo_cmd,
    diff_cmd,
    doctor_cmd,
    evaluate_cmd,
    history_cmd,
    iac_cmd,
    iam_cmd,
    merge_cmd,
)
from scanner.errors import EcrscanError, ExitCode
from scanner.evaluate.engine import EngineError

EPILOG = """\
exit codes:
  0  no failures at or above --fail-on
  1  failures at or above --fail-on
  2  usage error or unusable input (file missing, not JSON, wrong schema, unknown control)
  3  collection errors left cells undecided (ERROR cells)
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
        iac_cmd,
        controls_cmd,
        iam_cmd,
        doctor_cmd,
        demo_cmd,
    ):
        module.register(commands)
    return parser


class Terminated(Exception):
    """SIGTERM arrived: unwind like Ctrl-C, so no half-written file replaces a good one."""


def _raise_terminated(signum, frame):
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return int(args.handler(args))
    except EcrscanError as exc:
        return _fail(str(exc), exc.exit_code)
    except EngineError as exc:
        return _fail(str(exc), ExitCode.USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted; no output was written", ExitCode.INTERRUPTED)
    except Terminated:
        return _fail("terminated; no output was written", ExitCode.TERMINATED)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head); nothing left to say
        return ExitCode.OK
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(message: str, code: ExitCode) -> int:
    print(f"ecrscan: error: {message}", file=sys.stderr)
    return int(code)

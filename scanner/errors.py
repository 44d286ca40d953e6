"""Exit codes and the one exception type that the CLI turns into a clean message.

Exit codes are part of the interface (CI jobs branch on them); the README documents them.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURES = 1  # failures at or above --fail-on
    USAGE = 2  # bad arguments or unreadable input
    UNDECIDED = 3  # the run is incomplete: ERROR cells or collection errors
    INTERNAL = 4  # a bug in ecrscan: an exception nothing anticipated
    INTERRUPTED = 130  # SIGINT (128 + 2)
    TERMINATED = 143  # SIGTERM (128 + 15)


class EcrscanError(Exception):
    """An error the user can act on: printed as one line, never as a traceback."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, exit_code: ExitCode | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(EcrscanError):
    """A file or value the user gave us cannot be used (not JSON, wrong schema, unknown id)."""


class CollectionError(EcrscanError):
    """Collection could not start at all (no credentials, the account cannot be identified)."""

    exit_code = ExitCode.UNDECIDED

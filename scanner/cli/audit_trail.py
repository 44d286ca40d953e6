"""What turns fresh verdicts into audit evidence: the evidence header, waivers, history.

`evaluate`, `scan` and `report` call `finish` once, right after their results exist, so the
commands themselves stay a few lines each.
"""

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any

from scanner.audit import history
from scanner.audit.evidence import attach_evidence
from scanner.audit.waivers import (
    MAX_WAIVER_DAYS,
    WaiverFile,
    apply_waivers,
    check_rules,
    load_waivers,
    today_utc,
)
from scanner.cli.run_options import AuditOptions
from scanner.evaluate.results import Results
from scanner.text_safety import for_terminal


def add_waiver_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("waivers (docs/waivers.md)")
    group.add_argument(
        "--waivers",
        metavar="FILE",
        help="YAML waiver file: selected failures become WAIVED until the waiver expires",
    )
    group.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="judge waiver expiry on this date (default: today, UTC)",
    )
    group.add_argument(
        "--max-waiver-days",
        type=_days,
        default=MAX_WAIVER_DAYS,
        metavar="DAYS",
        help=f"refuse a waiver that expires more than DAYS after --as-of (default: "
        f"{MAX_WAIVER_DAYS})",
    )


def add_history_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("history")
    group.add_argument(
        "--history",
        action="store_true",
        help=f"record this scan in the history database ({history.default_db_path()})",
    )
    group.add_argument(
        "--db", metavar="FILE", help="record this scan in this history database (implies --history)"
    )


@dataclass(frozen=True)
class AuditTrail:
    """The waiver file and history database of a run, checked before any work."""

    options: AuditOptions
    waiver_file: WaiverFile | None = None

    def finish(
        self,
        results: Results,
        *,
        snapshot: dict[str, Any] | None = None,
        evaluation_started_at: str | None = None,
        collection_finished_at: str | None = None,
    ) -> Results:
        """Add evidence (fresh results only), apply waivers, record history, as asked."""
        if snapshot is not None:
            started = evaluation_started_at or results.metadata.get("evaluated_at")
            attach_evidence(
                results,
                snapshot,
                evaluation_started_at=started,
                collection_finished_at=collection_finished_at,
            )
        if self.waiver_file is not None:
            outcome = apply_waivers(results, self.waiver_file, self.options.as_of or today_utc())
            for line in outcome.warnings():
                print(f"ecrscan: warning: {for_terminal(line)}", file=sys.stderr)
        if self.options.record_history:
            with history.open_history(self.options.history_db) as connection:
                scan_id, _ = history.record(connection, results)
            print(f"ecrscan: recorded as scan {scan_id} in the history database", file=sys.stderr)
        return results


def prepare(options: AuditOptions, known_controls: set[str]) -> AuditTrail:
    """Read the waiver file and open the history database before any work: a typo found after
    a long organisation-wide scan would waste it. known_controls: every control id a waiver may
    name (the catalogue's, and for a stored results file also the ones it was judged with)."""
    waiver_file = load_waivers(options.waivers) if options.waivers else None
    if waiver_file is not None:
        today = options.as_of or today_utc()
        check_rules(waiver_file, known_controls, today, options.max_waiver_days)
    if options.record_history:
        with history.open_history(options.history_db):
            pass
    return AuditTrail(options, waiver_file)


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days (1 or more)")
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None

"""Scan history: results kept in a local SQLite database, so scans can be listed and compared.

One row per scan (when, what it covered, the digests that make it evidence, the whole results
metadata as JSON) and one row per result. A results file recorded twice is recognised by the
digest of its content and kept once. The default database lives at
`$XDG_DATA_HOME/ecrscan/history.sqlite3` (`~/.local/share/ecrscan/history.sqlite3` when
XDG_DATA_HOME is unset); `--db` names another.
"""

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scanner.audit.evidence import canonical_digest
from scanner.clock import utc_now
from scanner.errors import InputError
from scanner.evaluate.results import RESULT_FIELDS, Result, Results

SCHEMA_VERSION = 1
_RESULT_COLUMNS = RESULT_FIELDS
_JSON_COLUMNS = ("source", "exception")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    collected_at TEXT,
    evaluated_at TEXT,
    account_id TEXT,
    accounts TEXT NOT NULL,
    regions TEXT NOT NULL,
    tool_version TEXT,
    policy_digest TEXT,
    config_digest TEXT,
    snapshot_digest TEXT,
    results_digest TEXT NOT NULL UNIQUE,
    metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    control_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT,
    exception TEXT
);
CREATE INDEX IF NOT EXISTS results_by_scan ON results (scan_id);
"""


@dataclass(frozen=True)
class ScanRow:
    """One stored scan, as `ecrscan history` lists it."""

    id: int
    recorded_at: str
    collected_at: str | None
    evaluated_at: str | None
    account_id: str | None
    accounts: list[str]
    regions: list[str]
    policy_digest: str | None
    snapshot_digest: str | None
    counts: dict[str, int]


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ecrscan" / "history.sqlite3"


@contextlib.contextmanager
def open_history(path: str | Path | None) -> Iterator[sqlite3.Connection]:
    """The history database at path (created when missing), in one transaction."""
    target = Path(path) if path else default_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(target, timeout=30)
    except sqlite3.Error as exc:
        raise InputError(f"{target}: cannot open the history database ({exc})") from None
    try:
        with connection:
            _prepare(connection, target)
            yield connection
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{target}: not a usable ecrscan history database ({exc})") from None
    finally:
        connection.close()


def record(connection: sqlite3.Connection, results: Results) -> tuple[int, bool]:
    """Store a scan; returns (scan id, True) or, for a scan already stored, (its id, False)."""
    document = results.to_document()
    digest = canonical_digest(document)
    existing = connection.execute(
        "SELECT id FROM scans WHERE results_digest = ?", (digest,)
    ).fetchone()
    if existing:
        return existing[0], False
    cursor = connection.execute(
        "INSERT INTO scans (recorded_at, collected_at, evaluated_at, account_id, accounts,"
        " regions, tool_version, policy_digest, config_digest, snapshot_digest, results_digest,"
        " metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), *_scan_columns(results.metadata), digest, json.dumps(results.metadata)),
    )
    scan_id = cursor.lastrowid
    connection.executemany(
        f"INSERT INTO results (scan_id, {', '.join(_RESULT_COLUMNS)})"
        f" VALUES (?, {', '.join('?' * len(_RESULT_COLUMNS))})",
        ((scan_id, *_result_row(result)) for result in results.results),
    )
    return scan_id, True


def list_scans(connection: sqlite3.Connection) -> list[ScanRow]:
    counts: dict[int, dict[str, int]] = {}
    for scan_id, status, count in connection.execute(
        "SELECT scan_id, status, COUNT(*) FROM results GROUP BY scan_id, status"
    ):
        counts.setdefault(scan_id, {})[status] = count
    rows = connection.execute(
        "SELECT id, recorded_at, collected_at, evaluated_at, account_id, accounts, regions,"
        " policy_digest, snapshot_digest FROM scans ORDER BY id"
    )
    return [
        ScanRow(
            *row[:5],
            accounts=json.loads(row[5]),
            regions=json.loads(row[6]),
            policy_digest=row[7],
            snapshot_digest=row[8],
            counts=counts.get(row[0], {}),
        )
        for row in rows
    ]


def load_scan(connection: sqlite3.Connection, scan_id: int) -> Results:
    row = connection.execute("SELECT metadata FROM scans WHERE id = ?", (scan_id,)).fetchone()
    if row is None:
        raise InputError(f"no scan {scan_id} in the history database")
    results = [
        _result(values)
        for values in connection.execute(
            f"SELECT {', '.join(_RESULT_COLUMNS)} FROM results WHERE scan_id = ? ORDER BY rowid",
            (scan_id,),
        )
    ]
    return Results(json.loads(row[0]), results)


def same_evidence(connection: sqlite3.Connection, scan_id: int) -> list[int]:
    """Other scans that judged the same snapshot with the same policies and configuration (a
    results file evaluated again, or recorded by `--history` and then imported)."""
    rows = connection.execute(
        "SELECT other.id FROM scans AS this JOIN scans AS other"
        " ON other.snapshot_digest = this.snapshot_digest"
        " AND other.policy_digest IS this.policy_digest"
        " AND other.config_digest IS this.config_digest"
        " WHERE this.id = ? AND other.id != this.id AND this.snapshot_digest IS NOT NULL"
        " ORDER BY other.id",
        (scan_id,),
    )
    return [row[0] for row in rows]


def latest_ids(connection: sqlite3.Connection, count: int) -> list[int]:
    """The ids of the newest `count` scans, newest first."""
    rows = connection.execute("SELECT id FROM scans ORDER BY id DESC LIMIT ?", (count,))
    return [row[0] for row in rows]


def _prepare(connection: sqlite3.Connection, target: Path) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION):
        raise InputError(
            f"{target}: history database version {version} is not supported "
            f"(this ecrscan reads version {SCHEMA_VERSION})"
        )
    connection.execute("PRAGMA foreign_keys = ON")
    if version == 0:
        connection.executescript(_SCHEMA)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _scan_columns(metadata: dict[str, Any]) -> tuple:
    evidence = metadata.get("evidence") or {}
    snapshot = metadata.get("snapshot") or {}
    accounts = evidence.get("accounts") or [snapshot.get("account_id")]
    return (
        snapshot.get("collected_at"),
        metadata.get("evaluated_at"),
        snapshot.get("account_id"),
        json.dumps([a for a in accounts if a]),
        json.dumps(evidence.get("regions") or snapshot.get("regions") or []),
        (metadata.get("tool") or {}).get("version"),
        metadata.get("policy_digest"),
        evidence.get("config_digest"),
        evidence.get("snapshot_digest"),
    )


def _result_row(result: Result) -> tuple:
    row = asdict(result)
    for column in _JSON_COLUMNS:
        row[column] = None if row[column] is None else json.dumps(row[column])
    return tuple(row[column] for column in _RESULT_COLUMNS)


def _result(values: tuple) -> Result:
    row = dict(zip(_RESULT_COLUMNS, values, strict=True))
    for column in _JSON_COLUMNS:
        row[column] = None if row[column] is None else json.loads(row[column])
    return Result(**row)

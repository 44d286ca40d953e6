"""The results of each run in S3, and the latest state of the account kept up to date.

`latest/<account>.json` is the last full scan with every later re-check folded in by
(control, resource) (scanner.audit.overlay): what an auditor reads for "now". Read, overlay and
write are not atomic, so the deployment runs one invocation at a time (reserved concurrency 1);
events wait in Lambda's queue meanwhile.
"""

import datetime as dt
import json
import re
from typing import Any

from scanner.audit.overlay import overlay
from scanner.collect.session import ClientFactory
from scanner.errors import InputError
from scanner.evaluate.results import Results, parse_results
from scanner.export.results_store import S3Location, get_text, put_text
from scanner.render.json_format import render

JSON = "application/json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def run_key(location: S3Location, account: str, what: str, event_id: str) -> str:
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-{_safe(what)}-{_safe(event_id) or 'run'}.json"
    return location.key("runs", account, now.strftime("%Y-%m-%d"), name)


def latest_key(location: S3Location, account: str) -> str:
    return location.key("latest", f"{account}.json")


def keep(
    clients: ClientFactory,
    location: S3Location,
    region: str,
    results: Results,
    *,
    account: str,
    what: str,
    event_id: str,
    full: bool,
) -> dict[str, Any]:
    """Write the run's results; fold them into latest. Returns what was written where."""
    s3 = clients.client("s3", region)
    key = run_key(location, account, what, event_id)
    put_text(s3, location.bucket, key, render(results), JSON)
    written: dict[str, Any] = {"run": location.url(key)}
    latest = latest_key(location, account)
    if full:
        put_text(s3, location.bucket, latest, render(results), JSON)
        written["latest"] = location.url(latest)
        return written
    base_text = get_text(s3, location.bucket, latest)
    if base_text is None:
        written["latest"] = None
        written["latest_skipped"] = "no full scan yet: the scheduled scan writes latest first"
        return written
    try:
        base = parse_results(json.loads(base_text), location.url(latest))
        merged = overlay(base, results, label="this re-check")
    except (InputError, ValueError) as exc:
        written["latest"] = None
        written["latest_skipped"] = f"latest not updated: {exc}"
        return written
    put_text(s3, location.bucket, latest, render(merged), JSON)
    written["latest"] = location.url(latest)
    return written


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text)[:80].strip("-")

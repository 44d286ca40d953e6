"""Waivers: an auditor's accepted failures, read from a YAML file and applied to results.

A waiver names one control and selects resources (account, region, repository or VPC glob,
resource ARN or ARN glob). A FAIL it selects becomes WAIVED and keeps its reason, with the
waiver's reason, approver and expiry beside it. The rule for expiry: a waiver is valid through
its `expires` date, judged in UTC, so `expires: 2026-12-31` still applies on 31 December and no
longer on 1 January. An expired waiver leaves the FAIL standing and says so in the result's
`exception`. A waiver that selects no failing result is stale: the finding was fixed, the
resource is gone, or the selector is wrong; it is reported so the file gets cleaned up.

Only FAIL is ever waived: an ERROR means the audit is incomplete, and no waiver makes it complete.
"""

import dataclasses
import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from scanner import strict_yaml
from scanner.errors import InputError
from scanner.evaluate import metadata as results_metadata
from scanner.evaluate.results import Result, Results
from scanner.fileio import read_text

# Selector keys and the result field each one is matched against (glob, case-sensitive).
SELECTOR_FIELDS = {
    "account": "account_id",
    "region": "region",
    "repository": "resource_name",
    "vpc": "resource_name",
    "resource": "resource_id",
}
# `repository` and `vpc` also pin the resource type, so `repository: "*"` never selects a VPC.
_SELECTOR_TYPES = {"repository": "repository", "vpc": "vpc"}
_TEXT_FIELDS = ("control", "reason", "approver")
KNOWN_KEYS = (*_TEXT_FIELDS, "expires", "all", *SELECTOR_FIELDS)
MAX_WAIVER_DAYS = 365  # how far ahead an expiry may lie, unless the auditor allows more
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Loader(strict_yaml.StrictLoader):
    """StrictLoader that leaves dates as text, so a bad date is reported against its waiver."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Waiver:
    number: int  # 1-based position in the file, how messages and reports name it
    control: str
    selector: dict[str, str]
    reason: str
    approver: str
    expires: dt.date
    everything: bool = False  # `all: true`: every resource of the control, said on purpose

    def active_on(self, today: dt.date) -> bool:
        return today <= self.expires

    def selects(self, result: Result) -> bool:
        if result.control_id != self.control:
            return False
        for key, pattern in self.selector.items():
            wanted_type = _SELECTOR_TYPES.get(key)
            if wanted_type and result.resource_type != wanted_type:
                return False
            if not fnmatchcase(getattr(result, SELECTOR_FIELDS[key]), pattern):
                return False
        return True

    def exception(self, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
            "selector": self.described_selector(),
            "waiver": self.number,
        }

    def described_selector(self) -> dict[str, Any]:
        return {"all": True} if self.everything else dict(self.selector)


@dataclass(frozen=True)
class WaiverFile:
    source: str
    digest: str
    waivers: tuple[Waiver, ...]


@dataclass
class _Tally:
    waived: int = 0
    expired_matches: int = 0
    matched_failures: int = 0


@dataclass(frozen=True)
class WaiverOutcome:
    """What applying a waiver file did, for metadata and for warnings on stderr."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stale(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["stale"]]

    def warnings(self) -> list[str]:
        lines = []
        for entry in self.entries:
            name = f"waiver {entry['waiver']} ({entry['control']}, {_describe(entry['selector'])})"
            if entry["stale"]:
                lines.append(f"{name} is stale: {entry['stale_reason']}")
            elif entry["expired_matches"]:
                lines.append(
                    f"{name} expired on {entry['expires']}; "
                    f"{entry['expired_matches']} result(s) fail again"
                )
        return lines


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_waivers(path: str | Path) -> WaiverFile:
    """Read and validate a waiver file; any fault is an InputError naming the entry and field."""
    text = read_text(path, "waiver file")
    source = str(path)
    raw = strict_yaml.load(text, "waiver file", source, loader=_Loader)  # dates stay text
    lines = _entry_lines(text)
    entries = _entries(raw, source)
    waivers = tuple(
        _waiver(entry, number, f"{source}: waiver {number}{_at_line(lines, number)}")
        for number, entry in enumerate(entries, start=1)
    )
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return WaiverFile(source, digest, waivers)


def check_rules(
    waiver_file: WaiverFile, known_controls: set[str], today: dt.date, max_days: int
) -> None:
    """What a waiver file must also respect to be used: controls that exist (a typo would
    otherwise leave a failure standing while the file looks reviewed), and an expiry no further
    ahead than the auditor allows (waivers are renewed on purpose, not set for a decade)."""
    try:
        limit = today + dt.timedelta(days=max_days)
    except OverflowError:  # --as-of 9999-12-31: nothing lies further ahead
        limit = dt.date.max
    for waiver in waiver_file.waivers:
        where = f"{waiver_file.source}: waiver {waiver.number}"
        if waiver.control not in known_controls:
            close = difflib.get_close_matches(waiver.control, sorted(known_controls), n=1)
            hint = f"; did you mean {close[0]}?" if close else " (see `ecrscan controls`)"
            raise InputError(f"{where}: unknown control {waiver.control!r}{hint}")
        if waiver.expires > limit:
            raise InputError(
                f"{where}: expires {waiver.expires.isoformat()} is more than {max_days} days "
                f"after {today.isoformat()}; renew waivers instead, or raise --max-waiver-days"
            )


def apply_waivers(results: Results, waiver_file: WaiverFile, today: dt.date) -> WaiverOutcome:
    """Waive the FAILs that an active waiver selects; record what each waiver did.

    Waivers applied earlier (a results file read back by `report`) are undone first, so a file
    is always judged against the waivers and date given now.
    """
    results.results = [_unwaived(r) for r in results.results]
    tallies = {w.number: _Tally() for w in waiver_file.waivers}
    results.results = [_judge(r, waiver_file.waivers, today, tallies) for r in results.results]
    evaluated = {c["id"] for c in results.controls}
    outcome = WaiverOutcome(
        [_entry(w, tallies[w.number], today, evaluated) for w in waiver_file.waivers]
    )
    results_metadata.record(
        results,
        "waivers",
        {
            "file": waiver_file.source,
            "digest": waiver_file.digest,
            "as_of": today.isoformat(),
            "rule": "a waiver applies through its expiry date (UTC), inclusive",
            "entries": outcome.entries,
            "stale": [e["waiver"] for e in outcome.stale],
        },
    )
    return outcome


def exception_summary(exception: dict[str, Any] | None) -> str:
    """One line for tables and CSV: who waived what until when, or that the waiver lapsed."""
    if not exception:
        return ""
    kind = exception.get("kind")
    if kind == "waiver":
        return (
            f"waived until {exception.get('expires')} by {exception.get('approver')}: "
            f"{exception.get('reason')}"
        )
    if kind == "expired-waiver":
        return (
            f"waiver expired {exception.get('expires')} (approved by "
            f"{exception.get('approver')}): {exception.get('reason')}"
        )
    return f"{kind}: {exception.get('reason', '')}".strip()


def _unwaived(result: Result) -> Result:
    kind = (result.exception or {}).get("kind")
    if result.status == "WAIVED" and kind == "waiver":
        return dataclasses.replace(result, status="FAIL", exception=None)
    if kind == "expired-waiver":
        return dataclasses.replace(result, exception=None)
    return result


def _judge(
    result: Result, waivers: tuple[Waiver, ...], today: dt.date, tallies: dict[int, _Tally]
) -> Result:
    if result.status != "FAIL":
        return result
    selecting = [w for w in waivers if w.selects(result)]
    for waiver in selecting:
        tallies[waiver.number].matched_failures += 1
    active = next((w for w in selecting if w.active_on(today)), None)
    if active is not None:
        tallies[active.number].waived += 1
        return dataclasses.replace(result, status="WAIVED", exception=active.exception("waiver"))
    if selecting:
        lapsed = max(selecting, key=lambda w: w.expires)
        tallies[lapsed.number].expired_matches += 1
        return dataclasses.replace(result, exception=lapsed.exception("expired-waiver"))
    return result


def _entry(waiver: Waiver, tally: _Tally, today: dt.date, evaluated: set[str]) -> dict[str, Any]:
    stale_reason = ""
    if waiver.control not in evaluated:
        stale_reason = f"control {waiver.control} was not evaluated"
    elif not tally.matched_failures:
        stale_reason = "it selects no failing result"
    return {
        "waiver": waiver.number,
        "control": waiver.control,
        "selector": waiver.described_selector(),
        "reason": waiver.reason,
        "approver": waiver.approver,
        "expires": waiver.expires.isoformat(),
        "expired": not waiver.active_on(today),
        "waived": tally.waived,
        "expired_matches": tally.expired_matches,
        "stale": bool(stale_reason),
        "stale_reason": stale_reason,
    }


def _describe(selector: dict[str, Any]) -> str:
    if selector.get("all") is True:
        return "every resource"
    return ", ".join(f"{key} {value}" for key, value in selector.items())


def _entries(raw: Any, source: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, dict) or set(raw) - {"waivers"}:
        raise InputError(f"{source}: a waiver file is a mapping with one key, 'waivers'")
    entries = raw.get("waivers")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError(f"{source}: 'waivers' must be a list of waivers")
    return entries


def _entry_lines(text: str) -> list[int]:
    """The line on which each waiver starts, so messages can point at it."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "waivers" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _at_line(lines: list[int], number: int) -> str:
    return f" (line {lines[number - 1]})" if number <= len(lines) else ""


def _waiver(entry: Any, number: int, where: str) -> Waiver:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: a waiver is a mapping of keys to values")
    unknown = sorted(str(k) for k in set(entry) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})")
    text = {name: _text(entry.get(name), name, where) for name in _TEXT_FIELDS}
    selector = {
        key: _selector_value(key, entry[key], where) for key in SELECTOR_FIELDS if key in entry
    }
    everything = _everything(entry.get("all", False), selector, where)
    if "repository" in selector and "vpc" in selector:
        raise InputError(f"{where}: a waiver selects a repository or a VPC, not both")
    expires = _date(entry.get("expires"), where)
    return Waiver(number, selector=selector, expires=expires, everything=everything, **text)


def _everything(value: Any, selector: dict[str, str], where: str) -> bool:
    """A waiver covers a whole control only when it says `all: true`: never through a selector
    that happens to match everything (`repository: '*'`), nor through no selector at all."""
    if value not in (True, False):
        raise InputError(f"{where}: all must be true or false")
    if value and selector:
        raise InputError(f"{where}: all: true selects every resource; drop the selectors")
    if value:
        return True
    if not selector:
        raise InputError(
            f"{where}: name at least one of {', '.join(SELECTOR_FIELDS)}, or say all: true; "
            "a waiver never covers a whole control everywhere by accident"
        )
    if all(_matches_anything(pattern) for pattern in selector.values()):
        key, pattern = next(iter(selector.items()))
        raise InputError(
            f"{where}: {key} {pattern!r} selects every resource of the control; say all: true "
            "if that is meant"
        )
    return False


def _matches_anything(pattern: str) -> bool:
    """A glob of only `*` (and at most one `?`, since no name is empty) matches any name."""
    return "*" in pattern and not pattern.replace("*", "").replace("?", "", 1)


def _text(value: Any, name: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {name} is required (a non-empty string)")
    return value.strip()


def _selector_value(key: str, value: Any, where: str) -> str:
    if key == "account" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # YAML reads an unquoted account id as a number
        if not _ACCOUNT_ID.match(value):
            raise InputError(f"{where}: account {value} is not 12 digits; quote account ids")
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {key} must be a non-empty string (a glob)")
    return value.strip()


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if value is None:
        raise InputError(f"{where}: expires is required (YYYY-MM-DD); waivers never last forever")
    raise InputError(f"{where}: expires {value!r} is not a date (YYYY-MM-DD)")

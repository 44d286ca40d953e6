"""docs/performance.md's figures, written from bench/results/latest.json.

`python -m bench.report` (also run by `make docs`) replaces the part of docs/performance.md
between its `bench:start` and `bench:end` markers with tables of the last `make bench` run, so the
figures a reader sees are the ones the benchmark wrote; a test fails when they are stale. The
prose around the markers (how the benchmark works, what made evaluation fast) is written by hand.
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
DOC = ROOT / "docs" / "performance.md"
_REGION = re.compile(r"(<!-- bench:start [^>]*-->\n).*?(<!-- bench:end -->)", re.S)


def figures(report: dict[str, Any]) -> str:
    """Markdown tables of one bench run, with when and how it was run."""
    machine = report.get("machine") or {}
    parts = [
        f"Run `{report.get('command', 'python -m bench')}` at {report.get('when', '?')} on "
        f"{machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}.",
        _section("Collection (moto's server on loopback)", _collection(report)),
        _section("Evaluation", _evaluation(report)),
        _section("HTML report", _html(report)),
        _section("Collection under throttling", _throttling(report)),
        _section("What consumer collection adds", _consumers(report)),
        _targets(report),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _section(title: str, table: str) -> str:
    return f"### {title}\n\n{table}" if table else f"### {title}\n\nNot measured in this run."


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return ""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _collection(report: dict[str, Any]) -> str:
    rows = [
        [
            c["repositories"],
            c.get("requests"),
            c.get("requests_per_repository"),
            c.get("wall_seconds"),
            c.get("floor_seconds"),
            c.get("wall_over_floor"),
            _listed(c.get("wall_over_floor_rounds")),
            c.get("server_ceiling_requests_per_second"),
            c.get("wall_over_busy_floor"),
            _listed(c.get("wall_over_busy_floor_rounds")),
            _busy(c.get("server_busy_rounds")),
            c.get("server_cpu_ms_per_request"),
            _cpus(c.get("cpus")),
            c.get("peak_rss_mb"),
        ]
        for c in report.get("collection") or ()
    ]
    headers = ["repositories", "requests", "per repository", "wall s", "floor s"]
    headers += ["wall / floor (median round)", "each round", "server ceiling (requests/s)"]
    headers += ["wall / busy floor (median)", "each round", "server busy: collection / replay"]
    headers += ["server CPU ms per request"]
    headers += ["CPUs (server / collector)", "peak RSS MB"]
    return _table(headers, rows)


def _listed(values: list | None) -> str | None:
    return ", ".join(str(v) for v in values) if values else None


def _busy(rounds: list[dict[str, float]] | None) -> str | None:
    return _listed([f"{r['collection']} / {r['replay']}" for r in rounds or ()])


def _cpus(split: dict[str, list[int]] | None) -> str:
    if not split:
        return "shared"
    return f"{','.join(map(str, split['server']))} / {','.join(map(str, split['clients']))}"


def _evaluation(report: dict[str, Any]) -> str:
    rows = [
        [
            e["repositories"],
            e.get("controls"),
            f"{e.get('workers')} {'processes' if e.get('processes') else 'threads'}",
            e.get("repositories_per_second"),
            e.get("end_to_end_repositories_per_second"),
            e.get("repositories_per_cpu_second"),
            e.get("peak_pss_mb"),
        ]
        for e in report.get("evaluation") or ()
    ]
    headers = ["repositories", "controls", "workers", "repositories/s evaluating"]
    headers += ["repositories/s end to end", "per CPU-second", "peak PSS MB"]
    return _table(headers, rows)


def _html(report: dict[str, Any]) -> str:
    rows = [
        [
            h["repositories"],
            h.get("verdicts"),
            h.get("megabytes"),
            h.get("ready_ms", h.get("chromium")),
            h.get("headless_seconds"),
            h.get("render_seconds"),
        ]
        for h in report.get("html") or ()
    ]
    headers = ["repositories", "verdicts", "HTML MB", "interactive ms (in page)"]
    headers += ["headless run s", "render s"]
    return _table(headers, rows)


def _throttling(report: dict[str, Any]) -> str:
    rows = [
        [
            r["repositories"],
            r.get("throttled_answers"),
            r.get("clean_seconds"),
            r.get("throttled_seconds"),
            r.get("collection_errors"),
            "yes" if r.get("same_verdicts") else "no",
        ]
        for r in report.get("throttling") or ()
    ]
    headers = ["repositories", "throttled answers", "clean s", "throttled s", "errors"]
    return _table([*headers, "same verdicts"], rows)


def _consumers(report: dict[str, Any]) -> str:
    rows = []
    for row in report.get("consumers") or ():
        c = row.get("consumers") or {}
        rows.append(
            [
                row["repositories"],
                c.get("services"),
                c.get("functions"),
                c.get("ecs_requests_per_service"),
                c.get("lambda_requests_per_function"),
                c.get("image_lookups_per_consumer"),
                c.get("added_requests"),
            ]
        )
    headers = ["repositories", "services", "functions", "ECS requests per service"]
    headers += ["Lambda requests per function", "image look-ups per consumer", "added requests"]
    return _table(headers, rows)


def _targets(report: dict[str, Any]) -> str:
    targets = report.get("targets") or {}
    if not targets:
        return ""
    listed = ", ".join(f"`{name}` {value}" for name, value in sorted(targets.items()))
    return f"Targets the run is judged against: {listed}."


def regenerate(doc: str, report: dict[str, Any]) -> str:
    if not _REGION.search(doc):
        raise ValueError("docs/performance.md has no bench:start/bench:end markers")
    return _REGION.sub(lambda m: m.group(1) + figures(report) + m.group(2), doc)


def main() -> int:
    report = json.loads(RESULTS.read_text(encoding="utf-8"))
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8"), report), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)} from {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The HTML report at scale: its size, and how soon headless Chromium makes it interactive.

For each size a fresh process generates a synthetic estate, evaluates it (as `ecrscan evaluate`)
and renders the report (as `ecrscan report --format html`); then Debian's headless Chromium opens
it offline, three times. Figures, not tests (issue 17's targets at 100,000 repositories: at
most 25 MB, interactive within 10 s):
- `ready_ms`: from navigation start to the first page of rows drawn and laid out, filters
  wired, as the page itself reports (performance.now());
- `headless_seconds`: the whole `chromium --headless --dump-dom` run (start, load, script,
  serialising the DOM back), and `blank_page_seconds`, the same for an empty page.
"""

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.measure import in_child, own_peak_rss_kb

REPOSITORIES_PER_ACCOUNT = 500
RUNS = 3
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def run(sizes: list[int]) -> list[dict[str, Any]]:
    return [measure(size) for size in sizes]


def measure(repositories: int, runs: int = RUNS) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ecrscan-bench-html-") as scratch:
        page = Path(scratch) / "report.html"
        figures = in_child("bench.html", "--render", str(repositories), str(page))
        figures.update(repositories=repositories, megabytes=round(page.stat().st_size / 1e6, 1))
        figures.update(_in_chromium(page, Path(scratch), runs))
    return figures


def _in_chromium(page: Path, scratch: Path, runs: int) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"chromium": "not installed"}
    blank = scratch / "blank.html"
    blank.write_text("<!doctype html><title>blank</title><body></body>", encoding="utf-8")
    ready, walls, blanks = [], [], []
    for run_number in range(runs):
        seconds, dom = _open(chromium, page, scratch / f"profile-{run_number}")
        ready.append(_ready_ms(dom))
        walls.append(seconds)
        blanks.append(_open(chromium, blank, scratch / f"blank-{run_number}")[0])
    return {
        "ready_ms": round(statistics.median(ready)),
        "ready_ms_runs": ready,
        "headless_seconds": round(statistics.median(walls), 2),
        "blank_page_seconds": round(statistics.median(blanks), 2),
    }


def _open(chromium: str, page: Path, profile: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return time.perf_counter() - started, done.stdout


def _ready_ms(dom: str) -> int:
    marker = 'data-ready-ms="'
    start = dom.find(marker)
    if start < 0 or 'data-ready="true"' not in dom:
        raise RuntimeError("the report's script did not finish")
    return int(dom[start + len(marker) : dom.index('"', start + len(marker))])


def render(repositories: int, path: str) -> None:
    """In the child: estate, evaluation, then the HTML report, timed."""
    from scanner.config import Config
    from scanner.evaluate.catalog import load_policies
    from scanner.evaluate.evaluator import evaluate_snapshot
    from scanner.fileio import write_text_atomic
    from scanner.render import html_format
    from scanner.resources import policy_dir

    accounts = max(1, repositories // REPOSITORIES_PER_ACCOUNT)
    snapshot = synthetic.snapshot(repositories, accounts=accounts)
    results = evaluate_snapshot(snapshot, load_policies(policy_dir()), Config(), workers=2)
    started = time.perf_counter()
    text = html_format.render(results)
    write_text_atomic(text, path)
    seconds = time.perf_counter() - started
    figures = {"verdicts": len(results.results), "render_seconds": round(seconds, 1)}
    print(json.dumps({**figures, "ru_maxrss_kb": own_peak_rss_kb()}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:
        render(int(sys.argv[2]), sys.argv[3])

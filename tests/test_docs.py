"""The documentation a newcomer reads stays true: its links resolve, it names every format,
and the performance figures are the ones `make bench` last wrote."""

import json
import re
from pathlib import Path

from bench import report
from scanner.render import RENDERERS

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_resolves():
    for page in PAGES:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name}: {target} does not exist"


def test_the_readme_lists_every_page_and_every_format():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, f"README does not link docs/{page.name}"
    for name in RENDERERS:
        assert f"`{name}`" in readme, f"README does not name --format {name}"


def test_performance_figures_are_the_last_bench_run():
    """Run `make docs` when this fails: docs/performance.md is written from latest.json."""
    doc = report.DOC.read_text(encoding="utf-8")
    latest = json.loads(report.RESULTS.read_text(encoding="utf-8"))
    assert report.regenerate(doc, latest) == doc, "docs/performance.md is stale: make docs"

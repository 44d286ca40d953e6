"""The HTML report: one self-contained file, everything from AWS escaped, and, in a real headless
Chromium, a grid that renders and filters that work."""

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from bench.html import CHROMIUM_FLAGS
from scanner.evaluate.results import RESULTS_FORMAT, Result, Results
from scanner.render import RENDERERS
from tests import results_factory

ACCOUNT, OTHER = "111122223333", "444455556666"
# Markup that AWS strings can carry (repository names cannot, but tags, Sids and reasons can).
SCRIPT = "<script>document.body.dataset.pwned = 'script'</script>"
ATTRIBUTE = '"><img src=x onerror="document.title=\'pwned\'">'
CONTROLS = [
    {
        "id": "ecr-a",
        "title": "Tags are immutable",
        "description": "Mutable tags <b>let</b> anyone replace an image.",
        "severity": "MEDIUM",
        "resource_type": "repository",
        "frameworks": {"aws-fsbp": ["ECR.2"]},
        "remediation": {
            "cli": "aws ecr put-image-tag-mutability --image-tag-mutability IMMUTABLE",
            "terraform": 'resource "aws_ecr_repository" "app" {\n  x = "<y>"\n}',
        },
    },
    {
        "id": "ecr-b",
        "title": "Policies grant least privilege",
        "description": "",
        "severity": "HIGH",
        "resource_type": "repository",
        "frameworks": {},
        "remediation": {},
    },
    {
        "id": "vpc-c",
        "title": "VPCs reach ECR privately",
        "description": "",
        "severity": "MEDIUM",
        "resource_type": "vpc",
        "frameworks": {"aws-fsbp": ["EC2.55"]},
        "remediation": {},
    },
]
WAIVER = {
    "kind": "waiver",
    "reason": f"accepted {ATTRIBUTE}",
    "approver": "alice@example.com",
    "expires": "2026-12-31",
    "selector": {"repository": "legacy/*"},
    "waiver": 1,
}


def _result(control, name, status, *, account=ACCOUNT, region="eu-west-1", reason="", **extra):
    kind = "vpc" if control.startswith("vpc") else "repository"
    severity = extra.pop("severity", "MEDIUM")
    return Result(
        control,
        f"arn:aws:ecr:{region}:{account}:{kind}/{name}",
        kind,
        name,
        account,
        region,
        status,
        severity,
        reason or f"{status.lower()} reason",
        **extra,
    )


RESULTS = Results(
    {
        "format": RESULTS_FORMAT,
        "tool": {"name": "ecrscan", "version": "0.1.0"},
        "engine": "regopy",
        "evaluated_at": "2026-11-28T09:05:00+00:00",
        "snapshot": {"collected_at": "2026-11-28T09:00:00+00:00", "account_id": ACCOUNT},
        "policy_digest": "sha256:policy",
        "evidence": {
            "caller": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/audit/{SCRIPT}"},
            "accounts": [ACCOUNT, OTHER],
            "regions": ["eu-west-1", "us-east-1"],
            "config_digest": "sha256:config",
            "snapshot_digest": "sha256:snapshot",
            "collection": {"started_at": "2026-11-28T09:00:00+00:00", "finished_at": None},
            "evaluation": {"started_at": "2026-11-28T09:04:00+00:00"},
        },
        "waivers": {
            "file": "waivers.yaml",
            "digest": "sha256:waivers",
            "as_of": "2026-11-28",
            "rule": "a waiver applies through its expiry date (UTC), inclusive",
            "entries": [
                {
                    "waiver": 1,
                    "control": "ecr-a",
                    "selector": {"repository": "legacy/*"},
                    "reason": WAIVER["reason"],
                    "approver": "alice@example.com",
                    "expires": "2026-12-31",
                    "expired": False,
                    "waived": 1,
                    "stale": False,
                    "stale_reason": "",
                },
                {
                    "waiver": 2,
                    "control": "ecr-b",
                    "selector": {"account": OTHER},
                    "reason": "gone",
                    "approver": "bob",
                    "expires": "2025-01-31",
                    "expired": True,
                    "waived": 0,
                    "stale": True,
                    "stale_reason": "it selects no failing result",
                },
            ],
            "stale": [2],
        },
        "controls": CONTROLS,
    },
    [
        _result("ecr-a", "team/api", "PASS"),
        _result("ecr-b", "team/api", "FAIL", severity="CRITICAL", reason=f"Sid {SCRIPT} public"),
        _result("ecr-a", "legacy/monolith", "WAIVED", reason="MUTABLE", exception=WAIVER),
        _result("ecr-b", "legacy/monolith", "PASS"),
        _result("ecr-a", ATTRIBUTE, "FAIL", region="us-east-1", reason=ATTRIBUTE),
        _result("ecr-b", ATTRIBUTE, "ERROR", region="us-east-1"),
        _result("ecr-a", "data/etl", "FAIL", account=OTHER, region="us-east-1"),
        # data/etl has no ecr-b verdict at all: a "not judged" cell, never a pass.
        _result("vpc-c", "vpc-0a1", "PASS"),
        _result("vpc-c", "vpc-0b2", "N/A", account=OTHER, region="us-east-1"),
    ],
)


class Elements(HTMLParser):
    """Every element's tag and attributes, and the text of the element with id="shown"."""

    def __init__(self, markup):
        super().__init__()
        self.elements, self.text, self._in_shown = [], {}, False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        self._in_shown = attributes.get("id") == "shown"

    def handle_endtag(self, tag):
        self._in_shown = False

    def handle_data(self, data):
        if self._in_shown:
            self.text["shown"] = self.text.get("shown", "") + data

    def tags(self, name):
        return [attrs for tag, attrs in self.elements if tag == name]

    def rows(self, section):
        """Grid rows (data-account) after the given matrix section's start, before the next."""
        inside, out = False, []
        for tag, attrs in self.elements:
            if tag == "section":
                inside = attrs.get("id") == section
            elif inside and tag == "tr" and "data-account" in attrs:
                out.append(attrs)
        return out


@pytest.fixture(scope="module")
def page():
    return RENDERERS["html"](RESULTS)


def _data(page):
    """The report's JSON data block, parsed."""
    return json.loads(
        re.search(
            r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S
        ).group(1)
    )


def test_everything_from_aws_is_escaped(page):
    parsed = Elements(page)
    assert len(parsed.tags("script")) == 2  # the data block and the report's own script
    assert parsed.tags("img") == []
    assert not any(any(k.startswith("on") for k in attrs) for _, attrs in parsed.elements)
    assert SCRIPT not in page and ATTRIBUTE not in page
    assert "&lt;script&gt;document.body.dataset.pwned" in page  # the caller, in the evidence
    assert "Mutable tags &lt;b&gt;let&lt;/b&gt;" in page  # metadata is escaped too
    block = re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    data = _data(page)
    assert ATTRIBUTE in [row[3] for row in data["rows"]]  # exact, once parsed: shown as text


def test_self_contained_and_locked_down(page):
    parsed = Elements(page)
    assert parsed.tags("link") == [] and parsed.tags("iframe") == []
    assert not any("src" in attrs for _, attrs in parsed.elements)
    assert all(a["href"].startswith("#") for a in parsed.tags("a"))  # filters, not fetches
    [csp] = [a["content"] for a in parsed.tags("meta") if a.get("http-equiv")]
    assert "default-src 'none'" in csp and "img-src 'none'" in csp
    script = re.search(r"<script>(.*)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # only this exact script may run


def test_every_verdict_is_in_the_data_once(page):
    data = _data(page)
    assert len(data["rows"]) == 6  # 4 repositories, 2 VPCs: one row per resource
    cells = sum(len(row[4]) for row in data["rows"])
    assert cells == 4 * 2 + 2  # every (resource, control) pair, judged or not
    assert sum(row[4].count("-") for row in data["rows"]) == 1  # data/etl x ecr-b: not judged
    assert sum(1 for row in data["rows"] for c in row[4] if c != "-") == len(RESULTS.results)


def test_static_structure(page):
    for text in (
        "sha256:snapshot",
        "sha256:config",
        "sha256:policy",
        "sha256:waivers",
        "aws ecr put-image-tag-mutability",
        'resource "aws_ecr_repository"',
        "waived until 2026-12-31 by alice@example.com",
        "2025-01-31",
        "expired; stale: it selects no failing result",
        "aws-fsbp ECR.2",
        f"{ACCOUNT}, {OTHER}",
        "Summary by account",
    ):
        assert text.replace('"', "&quot;") in page or text in page, text
    headings = re.findall(r"<h[2-4][^>]*>([^<]+)", page)
    assert all(h.strip()[0].isupper() for h in headings), headings  # consistently capitalised


def test_the_incomplete_notice_is_a_banner():
    error = {"operation": "DescribeRegions", "code": "AccessDenied", "message": "<b>no</b>"}
    incomplete = Results({**RESULTS.metadata, "snapshot_errors": [error]}, RESULTS.results)
    page = RENDERERS["html"](incomplete)
    banner = re.search(r'<section id="incomplete".*?</section>', page, re.S).group(0)
    assert "DescribeRegions AccessDenied" in banner and "&lt;b&gt;no&lt;/b&gt;" in banner
    assert '<section id="incomplete"' not in RENDERERS["html"](RESULTS)


# In a real browser. Debian's chromium; .ci/run installs it. No network is needed or used.

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)"
)


def _dom(tmp_path, page, fragment="", budget=2000):
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    command = [
        CHROMIUM,
        *CHROMIUM_FLAGS,  # headless, offline, no first-run work: as `make bench` opens it
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--virtual-time-budget={budget}",
        "--dump-dom",
        report.as_uri() + fragment,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    parsed = Elements(done.stdout)
    [body] = parsed.tags("body")
    assert body.get("data-ready") == "true", "the report's script did not run"
    assert "data-pwned" not in body
    assert parsed.tags("img") == []
    assert "<title>ecrscan report" in done.stdout  # not rewritten to 'pwned'
    return parsed


def _visible(rows):
    return [r for r in rows if "hidden" not in r]


def _findings(dom):
    return [a for a in dom.tags("tr") if a.get("class") == "finding"]


@needs_chromium
def test_browser_renders_the_grid_with_passing_rows_folded(tmp_path, page):
    dom = _dom(tmp_path, page)
    assert len(_visible(dom.rows("matrix-repository"))) == 4
    assert dom.rows("matrix-vpc") == []  # both VPCs pass or do not apply: folded
    assert dom.text["shown"] == "4 of 6 resources shown"
    assert not any("dim" in a.get("class", "") for a in dom.tags("td"))
    cells = [a for a in dom.tags("td") if "cell" in a.get("class", "")]
    assert sum("s-none" in a["class"] for a in cells) == 1  # data/etl x ecr-b: not judged
    assert {a["data-status"] for a in cells if "data-status" in a} == {
        "PASS",
        "FAIL",
        "WAIVED",
        "ERROR",
    }
    # FAIL, ERROR, WAIVED: everything but the passes and the N/A.
    assert len(_findings(dom)) == 5
    dom = _dom(tmp_path, page, "#passing=yes")
    assert dom.text["shown"] == "6 of 6 resources shown"
    assert len(dom.rows("matrix-vpc")) == 2


@needs_chromium
def test_browser_filters_by_status_and_account(tmp_path, page):
    dom = _dom(tmp_path, page, f"#status=FAIL&account={ACCOUNT}")
    visible = _visible(dom.rows("matrix-repository"))
    # team/api (FAIL on ecr-b) and the hostile name (FAIL on ecr-a); data/etl is OTHER's.
    assert len(visible) == 2 and all(r["data-account"] == ACCOUNT for r in visible)
    assert dom.text["shown"] == "2 of 6 resources shown"
    vpc_section = next(a for t, a in dom.elements if t == "section" and a.get("id") == "matrix-vpc")
    assert "hidden" in vpc_section  # no VPC failed
    cells = [a for a in dom.tags("td") if "cell" in a.get("class", "")]
    for cell in cells:
        assert ("dim" in cell["class"]) == (cell.get("data-status") != "FAIL")
    assert {(f["data-status"], f["data-account"]) for f in _findings(dom)} == {("FAIL", ACCOUNT)}


@needs_chromium
def test_browser_filters_by_control_region_and_severity(tmp_path, page):
    dom = _dom(tmp_path, page, "#control=ecr-b&region=us-east-1&severity=MEDIUM")
    visible = _visible(dom.rows("matrix-repository"))
    assert [r["data-region"] for r in visible] == ["us-east-1"]  # the ERROR on ecr-b
    columns = [a for a in dom.tags("th") if "data-column" in a]
    assert [c["data-column"] for c in columns if "hidden" not in c] == ["ecr-b"]
    articles = dom.tags("article")
    assert [a["data-control"] for a in articles if "hidden" not in a] == ["ecr-b"]
    assert [f["data-control"] for f in _findings(dom)] == ["ecr-b"]
    # An unknown value in the fragment is ignored rather than hiding everything.
    dom = _dom(tmp_path, page, "#status=BOGUS")
    assert dom.text["shown"] == "4 of 6 resources shown"


@needs_chromium
def test_browser_opens_and_filters_a_20000_repository_report(tmp_path):
    """The scale the issue measured (112 MB, 76 s before): one page of rows drawn, filters
    that find every match. Sizes and times are figures in `make bench`, not asserted here."""
    results = results_factory.estate(20_000)
    page = RENDERERS["html"](results)
    account = results.results[0].account_id
    expected = {
        r.resource_id for r in results.results if r.status == "ERROR" and r.account_id == account
    }
    dom = _dom(tmp_path, page, f"#status=ERROR&account={account}", budget=5000)
    assert dom.text["shown"] == f"{len(expected):,} of 20,000 resources shown"
    rows = dom.rows("matrix-repository")
    assert 0 < len(rows) <= 100 and all(r["data-account"] == account for r in rows)
    findings = _findings(dom)
    assert findings and {f["data-status"] for f in findings} == {"ERROR"}


def test_the_data_rebuilds_every_reason_and_id_as_the_script_does():
    """The page's script fills the markers back in: each cell must read as the reason it
    stands for (digests shortened), each row as its resource id."""
    from scanner.render.display import short_digests
    from scanner.render.html_data import NAME, report_data
    from scanner.text_safety import for_terminal

    digest = "sha256:" + "ab12" * 16
    [control] = [c for c in results_factory.controls() if c["id"] == "ecr-image-vulnerabilities"]
    rows = [
        results_factory.result(control, name, "FAIL", reason=f"{name}: newest image {digest}")
        for name in ["team/a", "rule", "x\n<b>", "team/a-2"]
    ]
    results = Results(results_factory.metadata([control]), rows)
    data = report_data(results)
    rebuilt = {}
    for row in data["rows"]:
        extra = row[6] if len(row) > 6 else {}
        name = extra.get("n", row[3])
        text = (
            data["reasons"][row[5][0]]
            .replace(NAME, name)
            .replace("\u0002", "sha256:" + extra.get("d", ""))
        )
        template = data["idTemplates"][row[0]]
        resource_id = extra.get("i") or template.replace(NAME, name).replace(
            "\u0003", data["accounts"][row[1]]
        ).replace("\u0004", data["regions"][row[2]])
        rebuilt[resource_id] = text
    assert rebuilt == {
        for_terminal(r.resource_id): short_digests(for_terminal(r.reason)) for r in rows
    }
    assert len(data["reasons"]) == 1  # shared, once the name and digest are markers

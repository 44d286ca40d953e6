"""The progress line: drawn only on a terminal, throttled, and never in a CI log."""

import io

from scanner.cli import main
from scanner.collect.progress import Progress
from tests.test_multi_account import FakeTerminal

REDRAW = "\r\x1b[K"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_drawn_only_on_a_terminal_and_not_when_quiet():
    assert Progress.on(FakeTerminal()).enabled
    assert not Progress.on(FakeTerminal(), quiet=True).enabled
    assert not Progress.on(io.StringIO()).enabled  # a file, a pipe, a CI log


def test_counts_and_the_final_line():
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(terminal, interval=1.0, clock=clock)
    progress.add_accounts(2)
    progress.add_regions(3)
    progress._listed(parsed={"repositories": [{}, {}, {}]})
    progress.region_done(repositories=3, errors=0)
    progress.region_done(repositories=0, errors=2)
    progress.account_done()
    progress.close()
    assert terminal.text.endswith(
        REDRAW + "ecrscan: accounts 1/2, regions 2/3, repositories 3/3, 2 error(s)\n"
    )


def test_redraws_are_throttled_but_the_last_counts_always_show():
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(terminal, interval=1.0, clock=clock)
    progress.add_accounts(1)
    for _ in range(50):
        progress.add_regions(1)
    assert terminal.text.count(REDRAW) == 1  # everything within one interval: one draw
    clock.now = 1.5
    progress.add_regions(1)
    assert terminal.text.count(REDRAW) == 2
    progress.close()
    assert terminal.text.endswith("regions 0/51, repositories 0/0\n")


def test_repositories_done_never_exceed_the_total_shown():
    """A region whose listing was not watched still counts its repositories as known."""
    progress = Progress(FakeTerminal())
    progress.region_done(repositories=5, errors=0)
    assert "repositories 5/5" in progress.line()


def test_a_disabled_display_writes_nothing():
    stream = io.StringIO()
    progress = Progress.on(stream)
    progress.add_accounts(3)
    progress.region_done(repositories=2, errors=1)
    progress.close()
    assert stream.getvalue() == ""


def test_a_collection_that_never_drew_ends_no_line():
    terminal = FakeTerminal()
    Progress(terminal).close()
    assert terminal.text == ""


def test_cli_collect_draws_on_a_terminal_stderr_only(moto_session, monkeypatch, tmp_path):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    moto_session.client("ecr").create_repository(repositoryName="app")
    argv = ["collect", "--region", "us-east-1", "--output", str(tmp_path / "s.json")]
    assert main(argv) == 0
    assert terminal.text.endswith("ecrscan: accounts 1/1, regions 1/1, repositories 1/1\n")
    terminal.text = ""
    assert main([*argv, "--quiet"]) == 0
    assert terminal.text == ""

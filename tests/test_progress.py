"""Progress: a line redrawn on a terminal, plain lines on a timer in a CI log, never an ESC."""

import io
import threading

from hypothesis import given
from hypothesis import strategies as st

from scanner.cli import main
from scanner.collect.progress import Progress
from tests.test_multi_account import FakeTerminal

REDRAW = "\r"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_redrawn_on_a_terminal_plain_lines_elsewhere_nothing_when_quiet():
    terminal = Progress.on(FakeTerminal())
    assert terminal.enabled and not terminal.logging
    log = Progress.on(io.StringIO())  # a file, a pipe, a CI log
    assert log.enabled and log.logging
    assert not Progress.on(FakeTerminal(), quiet=True).enabled
    assert not Progress.on(io.StringIO(), quiet=True).enabled


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
        REDRAW + "ecrscan: accounts 1/2, regions 2/3, repositories 3/3, 2 errors\n"
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
    assert terminal.text.endswith("regions 0/51, repositories 0/0, 0 errors\n")


def test_repositories_done_never_exceed_the_total_shown():
    """A region whose listing was not watched still counts its repositories as known."""
    progress = Progress(FakeTerminal())
    progress.region_done(repositories=5, errors=0)
    assert "repositories 5/5" in progress.line()


def test_a_disabled_display_writes_nothing():
    stream = io.StringIO()
    progress = Progress.on(stream, quiet=True)
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
    assert terminal.text.endswith(
        "ecrscan: accounts 1/1, regions 1/1, repositories 1/1, 0 errors\n"
    )
    assert "\x1b" not in terminal.text
    terminal.text = ""
    assert main([*argv, "--quiet"]) == 0
    assert terminal.text == ""


def test_a_shorter_line_covers_a_longer_one_with_spaces():
    terminal, clock = FakeTerminal(), Clock()
    progress = Progress(terminal, interval=0.0, clock=clock)
    progress.errors = 12_345
    progress.add_regions(0)
    progress.errors = 0
    progress.add_regions(0)
    first, second = terminal.text.split(REDRAW)[1:]
    assert len(second) == len(first) and second.endswith(" " * 5)


def test_in_a_log_each_tick_is_one_plain_line_and_updates_write_nothing():
    stream = io.StringIO()
    progress = Progress(stream, log_every=30)
    progress.add_accounts(2)
    progress.region_done(repositories=1_200, errors=1)
    assert stream.getvalue() == ""
    progress.tick()
    assert stream.getvalue() == (
        "ecrscan: accounts 0/2, regions 1/0, repositories 1,200/1,200, 1 error\n"
    )
    progress.close()  # a line was shown, so the final counts end the log
    assert stream.getvalue().count("\n") == 2 and "\r" not in stream.getvalue()


def test_a_quick_collection_in_a_log_writes_nothing():
    stream = io.StringIO()
    progress = Progress(stream, log_every=30)
    progress.start()
    progress.add_accounts(1)
    progress.close()
    assert stream.getvalue() == ""


class _Signalling(io.StringIO):
    """A log that tells when a line arrived."""

    def __init__(self):
        super().__init__()
        self.wrote = threading.Event()

    def write(self, text):
        self.wrote.set()
        return super().write(text)


def test_the_heartbeat_writes_lines_until_closed():
    stream = _Signalling()
    progress = Progress(stream, log_every=0.01)
    progress.start()
    assert stream.wrote.wait(timeout=60), "the heartbeat wrote nothing"
    progress.close()
    written = stream.getvalue()
    assert written.endswith("repositories 0/0, 0 errors\n")
    assert all(line.startswith("ecrscan: accounts ") for line in written.splitlines())
    stream.wrote.clear()
    assert not stream.wrote.wait(timeout=0.05), "a line after close"


def test_cli_collect_in_a_ci_log_is_never_silent(moto_session, monkeypatch, tmp_path):
    """stderr is a pipe: plain progress lines while the collection runs. The first AWS call
    waits for the first line, so the test does not race the heartbeat."""
    log = _Signalling()
    monkeypatch.setattr("sys.stderr", log)
    monkeypatch.setattr("scanner.collect.progress.LOG_INTERVAL", 0.01)
    moto_session.client("ecr").create_repository(repositoryName="app")

    def first_line_first(**_):
        log.wrote.wait(timeout=60)  # returns None: the call goes ahead

    moto_session.events.register("before-call.sts.GetCallerIdentity", first_line_first)
    monkeypatch.setattr("scanner.collect.open_session", lambda profile: moto_session)
    argv = ["collect", "--region", "us-east-1", "--output", str(tmp_path / "s.json")]
    assert main(argv) == 0
    lines = log.getvalue().splitlines()
    assert lines and all(line.startswith("ecrscan: accounts ") for line in lines), lines
    assert lines[-1] == "ecrscan: accounts 1/1, regions 1/1, repositories 1/1, 0 errors"
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    log.truncate(0)
    log.seek(0)
    assert main([*argv, "--quiet"]) == 0
    assert log.getvalue() == ""


@given(
    counts=st.lists(st.integers(min_value=0, max_value=10**12), min_size=7, max_size=7),
    terminal=st.booleans(),
)
def test_no_line_ever_carries_an_escape_or_begins_a_workflow_command(counts, terminal):
    stream = FakeTerminal() if terminal else io.StringIO()
    progress = Progress(stream, interval=0.0, log_every=None if terminal else 30)
    progress.accounts, progress.regions = counts[0:2], counts[2:4]
    progress.repositories, progress.errors = counts[4:6], counts[6]
    progress.add_regions(0)
    if not terminal:
        progress.tick()
    progress.close()
    text = stream.text if terminal else stream.getvalue()
    assert "\x1b" not in text
    assert all(line.lstrip("\r").startswith("ecrscan: ") for line in text.splitlines() if line)


@given(st.text())
def test_escaped_text_holds_no_control_character(text):
    from scanner.text_safety import for_terminal

    escaped = for_terminal(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in escaped)
    assert "\u202e" not in escaped

"""Writing never harms what --output points at (issue 12, point 4).

Every special file here is made in a temporary directory (a FIFO, a symlink, a pseudo-terminal,
a pipe of our own); no test points at the machine's /dev/null or /dev/stdout.
"""

import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.errors import InputError
from scanner.fileio import inherited_descriptor, write_chunks_atomic, write_text_atomic
from tests import results_factory


@pytest.fixture
def results_file(tmp_path):
    summaries = results_factory.controls()
    document = {
        "metadata": results_factory.metadata(summaries),
        "results": [],
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _report(results_file, output, *extra):
    return main(["report", str(results_file), "--format", "csv", "--output", str(output), *extra])


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path, results_file):
    target = tmp_path / "reports" / "2026-11.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    assert _report(results_file, link) == 0
    assert link.is_symlink() and link.readlink() == target
    assert target.read_text().startswith("control_id,")


def test_a_relative_dangling_symlink_creates_its_target(tmp_path):
    (tmp_path / "out").mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to("out/new.txt")
    write_text_atomic("hello\n", link)
    assert link.is_symlink() and (tmp_path / "out" / "new.txt").read_text() == "hello\n"


def test_a_link_into_a_missing_folder_builds_no_folders(tmp_path, results_file, capsys):
    """Parents are made along the named path only: a planted link to a/b/c/out.csv must not
    make ecrscan create a/b/c wherever the link points."""
    link = tmp_path / "planted.csv"
    link.symlink_to(tmp_path / "elsewhere" / "deep" / "out.csv")
    assert _report(results_file, link) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecrscan: error: ") and err.count("\n") == 1
    assert "whose folder does not exist" in err
    assert not (tmp_path / "elsewhere").exists()


def test_missing_folders_of_the_named_path_are_created(tmp_path, results_file):
    output = tmp_path / "reports" / "2026" / "12.csv"
    assert _report(results_file, output) == 0
    assert output.read_text().startswith("control_id,")


def test_a_fifo_is_written_in_place(tmp_path, results_file):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert _report(results_file, fifo) == 0
    reader.join(timeout=10)
    assert received and received[0].startswith("control_id,")
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not a file named pipe
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_character_device_is_written_in_place():
    """A pseudo-terminal's device node, made for this test, stands for /dev/null or a tty."""
    leader, follower = os.openpty()
    try:
        device = Path(os.ttyname(follower))
        before = device.stat()
        write_text_atomic("to the terminal\n", device)
        assert b"to the terminal" in os.read(leader, 1024)
        after = device.stat()
        assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    finally:
        os.close(leader)
        os.close(follower)


def test_an_inherited_descriptor_is_written_as_it_is(tmp_path):
    read_end, write_end = os.pipe()
    try:
        write_chunks_atomic(["one ", "two\n"], f"/dev/fd/{write_end}")
        link = tmp_path / "to-fd"
        link.symlink_to(f"/proc/self/fd/{write_end}")
        write_text_atomic("three\n", link)
        assert os.read(read_end, 1024) == b"one two\nthree\n"
        assert link.is_symlink()
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize(
    ("path", "fd"),
    [("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/7", 7), ("/proc/self/fd/9", 9)],
)
def test_descriptor_paths_are_recognised_without_opening_them(path, fd):
    assert inherited_descriptor(path) == fd
    assert inherited_descriptor("/dev/stdout.json") is None
    assert inherited_descriptor("out/dev/stdout") is None


def test_a_directory_is_exit_2_and_one_line(tmp_path, results_file, capsys):
    assert _report(results_file, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a directory" in err and "Traceback" not in err


def test_an_unwritable_path_is_exit_2_and_one_line(tmp_path, results_file, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert _report(results_file, blocker / "out.csv") == 2
    err = capsys.readouterr().err
    assert err.startswith("ecrscan: error: ") and err.count("\n") == 1
    assert "cannot write" in err


def test_a_socket_is_refused(tmp_path, results_file, capsys):
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert _report(results_file, path) == 2
        assert "is a socket" in capsys.readouterr().err
    finally:
        server.close()


def test_a_block_device_is_refused_never_written(tmp_path):
    node = tmp_path / "disk"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 200))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a block device node here: {exc}")
    with pytest.raises(InputError, match="is a block device"):
        write_text_atomic("x", node)


def test_new_files_honour_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    previous = os.umask(0o027)
    try:
        write_text_atomic("a", tmp_path / "new.txt")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_text_atomic("new", kept)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "new"


def test_a_value_no_encoder_can_write_is_escaped_not_a_traceback(tmp_path):
    write_text_atomic("lone \ud800 surrogate\n", tmp_path / "x.txt")
    assert (tmp_path / "x.txt").read_text() == "lone \\ud800 surrogate\n"

"""Every file firestats writes stays inside the output folder and never goes through a link; a disk that
refuses (read-only, full, forbidden, a file in the way) is named in one line; one batch holds a folder."""

from __future__ import annotations

import errno
import os
import threading
import time

import pytest

from firestats.errors import OutputError
from firestats.files import OutputFolder


def test_a_folder_linked_inside_the_output_folder_is_refused_and_nothing_lands_outside(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "2024").symlink_to(elsewhere)
    with pytest.raises(OutputError, match=r"out/2024: a symbolic link inside the output folder"):
        OutputFolder(out).write(out / "2024" / "城东站.html", b"<html>")
    assert list(elsewhere.iterdir()) == []


def test_a_link_planted_in_a_files_place_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    (out / "2024").mkdir(parents=True)
    planted = out / "2024" / "支队总览.failed.ipynb"
    planted.symlink_to(victim)
    folder = OutputFolder(out)
    with pytest.raises(OutputError, match="symbolic link"):
        folder.write(planted, b"{}")
    with pytest.raises(OutputError, match="symbolic link"):
        folder.remove(planted)
    assert victim.read_text(encoding="utf-8") == "keep" and planted.is_symlink()


@pytest.mark.parametrize("path", ["../escaped.html", "2024/../../escaped.html", "/tmp/escaped.html", "."])
def test_paths_that_lead_outside_the_folder_are_refused(path, tmp_path):
    with pytest.raises(OutputError, match="outside the output folder"):
        OutputFolder(tmp_path / "out").write(path, b"x")
    assert not (tmp_path / "escaped.html").exists()


def test_the_output_folder_may_itself_be_a_link_the_user_named(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "named").symlink_to(real)
    OutputFolder(tmp_path / "named").write(tmp_path / "named" / "2024" / "a.html", b"x")
    assert (real / "2024" / "a.html").read_bytes() == b"x"


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"a-file: cannot write \(a file is in the way, not a folder\)"):
        OutputFolder(tmp_path / "a-file")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "2024").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"out/2024: cannot write \(a file is in the way"):
        OutputFolder(tmp_path / "out").write("2024/城东站.html", b"x")
    (tmp_path / "out" / "index.html").mkdir()
    with pytest.raises(OutputError, match=r"out/index.html: cannot write \(a folder is in the way\)"):
        OutputFolder(tmp_path / "out").write("index.html", b"x")


def test_a_file_is_replaced_whole_and_readable_by_others(tmp_path):
    folder = OutputFolder(tmp_path)
    folder.write("2024/城东站.json", b"old")
    path = folder.write("2024/城东站.json", b"new")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("code, cause", [(errno.EROFS, "the disk is read-only"), (errno.EACCES, "permission denied"),
                                         (errno.ENOSPC, "no space left on the disk")])
def test_a_disk_that_refuses_is_named_in_one_line(code, cause, tmp_path, refusing_disk):
    out = tmp_path / "out"
    folder = OutputFolder(out)
    refusing_disk(out, code)
    with pytest.raises(OutputError) as refused:
        folder.write(out / "城东站.html", b"x")
    assert str(refused.value) == f"{out / '城东站.html'}: cannot write ({cause})"
    assert not list(out.rglob("*.tmp"))  # the half-written temporary file is gone


def test_a_read_only_folder_is_refused_before_any_work(tmp_path, refusing_disk):
    (tmp_path / "exists").mkdir()
    refusing_disk(tmp_path, errno.EROFS)
    with pytest.raises(OutputError, match=r"/ro: cannot write \(the disk is read-only\)"):
        OutputFolder(tmp_path / "ro")
    with pytest.raises(OutputError, match=r"/exists: cannot write \(the disk is read-only\)"):
        OutputFolder(tmp_path / "exists")


def test_a_second_batch_on_a_folder_waits_for_the_first(tmp_path):
    first, second = OutputFolder(tmp_path), OutputFolder(tmp_path)
    said, entered = [], threading.Event()

    def run_second() -> None:
        with second.lock(said.append):
            entered.set()

    with first.lock(said.append):
        thread = threading.Thread(target=run_second)
        thread.start()
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        assert said == [f"another batch is writing to {tmp_path}; waiting for it to finish "
                        f"({tmp_path / '.firestats.lock'})"]
        assert not entered.wait(0.3)  # still held by the first
    thread.join(5)
    assert entered.is_set()

"""A batch killed mid-way leaves no half-written report, and the next run finishes the rest."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from firestats.request import Request
from firestats.run.render import render_station

pytestmark = pytest.mark.slow  # real kernels, browsers or real data: `pytest -m "not slow"` skips them

FIRESTATS = [sys.executable, "-m", "firestats.cli"]


def test_killed_batch_finishes_on_the_next_run(prepared, tmp_path):
    out = tmp_path / "reports"
    command = [*FIRESTATS, "batch", "--data", str(prepared), "--out", str(out), "--year", "2024", "--workers", "2"]
    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (out / "manifest.json").is_file() and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the batch, its workers and their kernels, mid-way
    first.wait()
    finished_before = len(json.loads((out / "manifest.json").read_text("utf-8")))
    assert 0 < finished_before < 7, "the kill should land between the first and the last report"
    for page in out.rglob("*.html"):
        assert page.read_text("utf-8").rstrip().endswith("</html>"), page  # never half-written

    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(manifest) == 7 and all(entry["status"] == "ok" for entry in manifest.values())
    assert f"unchanged {finished_before}" in second.stdout
    pages = sorted(p.name for p in (out / "2024").glob("*.html"))
    assert pages == ["城东站.html", "城北站.html", "城南站.html", "城西站.html", "支队总览.html", "高新区站.html"]
    assert all(p.read_text("utf-8").rstrip().endswith("</html>") for p in out.rglob("*.html"))
    assert not list(out.rglob("*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_a_worker_keeps_no_kernel_sockets_open_from_report_to_report(prepared, tmp_path):
    """A batch worker renders hundreds of reports in one process: each must close what it opened."""
    render_station(Request.of("城东站", 2024, prepared), tmp_path)  # the first report loads what every later one shares
    files, threads = len(os.listdir("/proc/self/fd")), threading.active_count()
    for _ in range(2):
        render_station(Request.of("城东站", 2024, prepared), tmp_path)
    # The last kernel may still be stopping; waiting on both counts, not on threads alone, because a
    # thread an earlier test left behind may end meanwhile and hide the stopping one.
    deadline = time.monotonic() + 10
    while ((len(os.listdir("/proc/self/fd")) > files or threading.active_count() > threads)
           and time.monotonic() < deadline):
        time.sleep(0.05)
    assert len(os.listdir("/proc/self/fd")) <= files, _open_files()
    assert threading.active_count() <= threads, threading.enumerate()


def _open_files() -> list[str]:
    """What this process holds open, for a failure's message."""
    return sorted(os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                  if os.path.exists(f"/proc/self/fd/{fd}"))

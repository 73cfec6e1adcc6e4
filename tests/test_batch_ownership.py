"""A batch owns its processes and its output folder: killed, it leaves nothing rendering; two at once on one
folder both end in its manifest and index; hostile station names render as distinct, safe, redacted reports."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from html import escape
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import write_exports
from test_batch import failing_notebook

from firestats.errors import OutputError
from firestats.ingest.stations import full_name
from firestats.periods import Period
from firestats.publish.paths import BESIDE, report_name, report_path
from firestats.request import Request
from firestats.run.batch import read_manifest
from firestats.run.render import render_station
from firestats.store.preparation import prepare

pytestmark = pytest.mark.slow  # real kernels and batches: `pytest -m "not slow"` skips them

FIRESTATS = [sys.executable, "-m", "firestats.cli"]
MARK = "FIRESTATS_TEST_MARK"


def marked(mark: str) -> list[int]:
    """Live processes (not zombies) started with ``MARK=mark`` in their environment: a batch, its pool workers,
    its resource tracker and its kernels all inherit it."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
        if f"{MARK}={mark}".encode() in environ and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="finds the batch's processes through /proc")
def test_a_batch_killed_outright_leaves_no_process_rendering(prepared, tmp_path):
    out, mark = tmp_path / "reports", uuid.uuid4().hex
    batch = subprocess.Popen([*FIRESTATS, "batch", "--data", str(prepared), "--out", str(out), "--year", "2024",
                              "--workers", "2"], env={**os.environ, MARK: mark},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(out.glob("2024/*.html")) and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert batch.poll() is None and len(marked(mark)) > 2, "the kill should land while workers are rendering"
    os.kill(batch.pid, signal.SIGKILL)  # the main process alone, as an OOM killer or `kill -9` would
    batch.wait()
    deadline = time.monotonic() + 10
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked(mark) == []
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    time.sleep(2)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == written  # nothing writes for a dead batch


def test_two_batches_on_one_folder_both_end_in_its_manifest_and_index(prepared, tmp_path):
    out = tmp_path / "reports"
    runs = [subprocess.Popen([*FIRESTATS, "batch", "--data", str(prepared), "--out", str(out), "--year", "2024",
                              "--station", station, "--workers", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for station in ("城东", "城西")]
    errors = [run.communicate(timeout=600)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    assert sum("waiting for it to finish" in error for error in errors) == 1
    manifest = read_manifest(out)
    assert {"2024/城东站", "2024/城西站", "2024/支队总览"} <= set(manifest)
    assert all(manifest[name]["status"] == "ok" for name in manifest)
    index = (out / "index.html").read_text("utf-8")
    assert ">城东站</a>" in index and ">城西站</a>" in index


HOSTILE = ["城东/站", "城东_站", "城东:站", "站" * 300, "城$\\foo$西站", "CON"]
TYPED = ["138-0013-8000", "13800138000", "110101 19900307 1234", "110101199003071234", "+86 137 0013 7000",
         "13700137000"]


def _text(path: Path) -> str:
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
            return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
    return path.read_text("utf-8-sig")


def test_hostile_station_names_render_as_distinct_safe_redacted_reports(tmp_path):
    ledger = [("城东_站", "获奖", "联系人 138-0013-8000，身份证 110101 19900307 1234")]
    prepare([write_exports(tmp_path / "raw", HOSTILE, ledger, address="人民路1号 +86 137 0013 7000")],
            tmp_path / "data")
    out = tmp_path / "reports"
    run = subprocess.run([*FIRESTATS, "batch", "--data", str(tmp_path / "data"), "--out", str(out), "--workers", "2"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    manifest = read_manifest(out)
    assert len(manifest) == len(HOSTILE) + 2 and all(entry["status"] == "ok" for entry in manifest.values())
    pages = [report_path(out, station, Period(2024)) for station in HOSTILE]
    assert len(set(pages)) == len(HOSTILE) and not (out / "2024" / "CON.html").exists()
    assert all(page.is_file() and len(page.name.encode("utf-8")) <= 255 for page in pages)
    index = (out / "index.html").read_text("utf-8")
    for station, page in zip(HOSTILE, pages):
        assert escape(full_name(station)) in page.read_text("utf-8")  # each page is its own station's
        assert f'<a href="{escape(quote(report_name(station, Period(2024))))}.html">{escape(station)}</a>' in index
    assert "城$\\foo$西站" in (out / "2024" / "支队总览.html").read_text("utf-8")
    redacted = report_path(out, "城东_站", Period(2024))
    for path in [redacted, *(redacted.with_suffix(suffix) for suffix in BESIDE)]:
        text = _text(path)
        assert not [typed for typed in TYPED if typed in text], path.suffix
    assert "[证件号已隐去]" in _text(redacted.with_suffix(".json"))


def test_a_link_planted_as_the_kept_notebook_is_refused_not_followed(prepared, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    out = tmp_path / "reports"
    (out / "2024").mkdir(parents=True)
    (out / "2024" / "城东站.failed.ipynb").symlink_to(victim)
    with pytest.raises(OutputError, match="城东站.failed.ipynb: a symbolic link"):
        render_station(Request.of("城东", 2024, prepared), out, notebook=failing_notebook(tmp_path, "城东站"))
    assert victim.read_text(encoding="utf-8") == "keep"

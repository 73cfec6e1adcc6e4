"""Shared fixtures: the sample's truth, its exports, and prepared data folders."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings

from firestats import sample
from firestats.ingest.mapping import load_mapping
from firestats.store.preparation import prepare

# The property tests' examples: few in the everyday loop, many where `make test` asks for them with
# Hypothesis's own option `--hypothesis-profile=full` (which loads after this default). No deadline: it is
# wall-clock time, and on two cores shared with other test runs an example of test_training took 349 ms,
# past the 200 ms default, and failed a correct test.
settings.register_profile("full", max_examples=150, deadline=None)
settings.register_profile("fast", max_examples=20, deadline=None)
settings.load_profile("fast")


REPO = Path(__file__).resolve().parent.parent
BUNDLED_RAW = REPO / "data" / "raw"


@pytest.fixture(scope="session")
def truth() -> sample.Sample:
    """What the bundled sample exports mean."""
    return sample.generate()


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """The sample exports, freshly generated into a temporary folder."""
    out = tmp_path_factory.mktemp("raw")
    sample.write_sample(out)
    return out


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Path:
    """The bundled sample exports prepared into a temporary data folder."""
    out = tmp_path_factory.mktemp("processed")
    prepare([BUNDLED_RAW], out)
    return out


LFB_HEADER = ("IncidentNumber,DateOfCall,TimeOfCall,IncidentGroup,StopCodeDescription,IncGeo_BoroughName,"
              "Postcode_district,IncidentStationGround,FirstPumpArriving_AttendanceTime,NumPumpsAttending,Latitude,Longitude,"
              "Easting_rounded,Northing_rounded")
# Soho's 2023 in London's layout: 20 false alarms, 6 fires and 4 special services, the first pump's attendance time in
# seconds from the call, and no dispatch time (London's export has none); a point in Soho for two in three (London
# leaves a dwelling's blank) and the centre of its 100 m square of the British National Grid for every one.
LFB_GROUPS = ["False Alarm"] * 20 + ["Fire"] * 6 + ["Special Service"] * 4


@pytest.fixture(scope="session")
def english_prepared(tmp_path_factory) -> Path:
    """A London export (the lfb mapping: language en, three incident types) of one station's year, prepared."""
    raw = tmp_path_factory.mktemp("lfb") / "incidents.csv"
    rows = [f"{n:06d}-2023,2023-{n % 12 + 1:02d}-{n % 27 + 1:02d},1{n % 10}:0{n % 6}:00,{group},{group},WESTMINSTER,"
            f"W1D,Soho,{240 + 7 * n},{1 + n % 3},"
            + (f"{51.510 + n % 7 / 1000:.4f},{-0.135 - n % 5 / 1000:.4f}" if n % 3 else ",")
            + f",{529550 + 100 * (n % 3)},181050"
            for n, group in enumerate(LFB_GROUPS)]
    # its first incident exported twice: a problem row (merged) whose reason an English workbook gives in English
    raw.write_text("\n".join([LFB_HEADER, *rows, rows[0]]) + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("lfb-processed")
    prepare([raw], out, load_mapping("lfb"))
    return out


@pytest.fixture(scope="session")
def batch(prepared, tmp_path_factory, worker_id) -> Path:
    """Every sample report, the overviews and the index, rendered by `firestats batch` for real: once a run, the
    xdist workers sharing it (each rendered its own, 45 s a worker) through a lock in their common folder."""
    if worker_id == "master":
        return _render_batch(prepared, tmp_path_factory.mktemp("reports"))
    common = tmp_path_factory.getbasetemp().parent  # this run's, above each worker's own
    with FileLock(common / "batch.lock"):
        out = common / "reports"
        return out if (out / "index.html").is_file() else _render_batch(prepared, out)


def _render_batch(prepared: Path, out: Path) -> Path:
    run = subprocess.run([sys.executable, "-m", "firestats.cli", "batch", "--data", str(prepared), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    return out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network: without the background ones Chromium keeps calling home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by playwright; skips where none could be installed."""
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (make test installs Debian's chromium where it can)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def visit(browser, path: Path) -> dict:
    """Open a page; return what it requested, what it logged as errors, and its state (``drawn``: the alt text of
    each image it drew)."""
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    page.goto(path.as_uri(), wait_until="load")
    state = page.evaluate("""() => ({
        images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
        drawn: Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).map(i => i.alt),
        h1: (document.querySelector('h1') || {innerText: ''}).innerText,
        title: document.title,
        pwned: window.__pwned === undefined ? null : window.__pwned,
        text: document.body.innerText,
    })""")
    return {"page": page, "requests": requests, "errors": errors, **state}


def everyday(cases: list, keep: int = 1) -> list:
    """Parametrised cases (a tuple: one value per name) with the first ``keep`` in the everyday loop (`pytest -m
    "not slow"`) and the rest marked slow, so `make test` runs them all: each case of a truth test costs a compute
    or a prepare, and the loop has 45 s."""
    return [*cases[:keep], *(pytest.param(*(c if isinstance(c, tuple) else (c,)), marks=pytest.mark.slow)
                             for c in cases[keep:])]


def pairs(dataset) -> list[tuple[str, int]]:
    """Every (station, year) a Dataset has records in, by year then station."""
    return [(station, period.year) for station, period in dataset.station_periods("year")]


INCIDENT_HEADER = "警情编号,出动站,接警时间,出动时间,到场时间,警情类型,地址,抢救人数"
LEDGER_HEADER = "日期,站,类别,内容,数量,备注"


def write_exports(folder: Path, stations: list[str], ledger: list[tuple[str, str, str]] = (),
                  address: str = "人民路1号", year: int = 2024) -> Path:
    """A small detachment's exports made here: two incidents of ``year`` for each station (with ``address``),
    and ledger rows (station, category, content); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [f'{station}-{n},"{station}",{year}-03-0{n + 1} 10:00:00,{year}-03-0{n + 1} 10:01:00,'
            f'{year}-03-0{n + 1} 10:05:00,火灾,"{address}",{n}' for station in stations for n in range(2)]
    (folder / "警情.csv").write_text("\n".join([INCIDENT_HEADER, *rows]) + "\n", encoding="utf-8")
    if ledger:
        lines = [f'{year}-05-01,"{station}",{category},"{content}",1,' for station, category, content in ledger]
        (folder / "台账.csv").write_text("\n".join([LEDGER_HEADER, *lines]) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def refusing_disk(monkeypatch):
    """Make the disk under a folder refuse as a real one does: ``refuse(folder, errno.EROFS)`` fails every
    file or folder created there (a read-only or forbidden disk); ``refuse(folder, errno.ENOSPC, "manifest")``
    fails the writes into files created there whose name holds "manifest" (a full disk: creating an empty
    file still works). firestats' own code runs unchanged down to these system calls."""
    real_open, real_mkdir, real_write, real_close = os.open, os.mkdir, os.write, os.close

    def refuse(folder: Path, code: int, only: str = "") -> None:
        doomed: set[int] = set()

        def hit(path) -> bool:
            name = os.path.abspath(os.fsdecode(path))
            return Path(name).is_relative_to(folder) and only in Path(name).name

        def open_(path, flags, mode=0o777, *, dir_fd=None):
            if flags & os.O_CREAT and hit(path) and code != errno.ENOSPC:
                raise OSError(code, os.strerror(code), os.fsdecode(path))
            fd = real_open(path, flags, mode, dir_fd=dir_fd)
            if flags & os.O_CREAT and hit(path):
                doomed.add(fd)
            return fd

        def mkdir(path, mode=0o777, *, dir_fd=None):
            if hit(path) and not os.path.lexists(path) and code != errno.ENOSPC:
                raise OSError(code, os.strerror(code), os.fsdecode(path))
            return real_mkdir(path, mode, dir_fd=dir_fd)

        def write(fd, data):
            if fd in doomed:
                raise OSError(code, os.strerror(code))
            return real_write(fd, data)

        def close(fd):
            doomed.discard(fd)  # the number may be reused for another file
            return real_close(fd)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "close", close)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "write", write)

    return refuse

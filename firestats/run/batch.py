"""Render every station and year, in parallel, incrementally, carrying on past failures.

Each report runs in its own papermill kernel, on a local process pool or a dask.distributed
cluster. A manifest beside the reports records each report's input hash (its data slice, the
notebook, the parameters, the settings and the firestats version), so a re-run renders only
what changed. Every file is written atomically: a batch killed half-way leaves no half-written
report, and the next run finishes the rest.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

import firestats
from firestats.compute.compare import value_at
from firestats.files import write_atomic
from firestats.ingest.layout import read_quality
from firestats.ingest.store import Dataset, load
from firestats.publish import index_page
from firestats.publish.paths import overview_path, report_path
from firestats.run.render import OVERVIEW_NOTEBOOK, STATION_NOTEBOOK, one_line, render_overview, render_station

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Job:
    """One report to render: a station's year, or a year's detachment overview (station None)."""

    data_dir: str
    out_dir: str
    year: int
    station: str | None
    notebook: str
    key: str  # hash of everything the report is made from
    timeout_s: int = 600
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        """The report's place in the manifest and index: ``2024/城东站``."""
        target = report_path(self.out_dir, self.station, self.year) if self.station else overview_path(
            self.out_dir, self.year)
        return f"{self.year}/{target.stem}"


@dataclass
class BatchOutcome:
    """Which reports were written, skipped as unchanged, or failed (with the error each met)."""

    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    # Row numbers are left out: reports never show them, and a row added above would shift them all.
    if frame.empty:
        return b""
    shown = frame.drop(columns=["source_row"], errors="ignore").reset_index(drop=True)
    return pd.util.hash_pandas_object(shown, index=False).to_numpy().tobytes()


def _settings_bytes() -> bytes:
    """Everything shipped that shapes a report: data files, templates (changed ones re-render)."""
    root = resources.files("firestats")
    folders = (Path(str(root / folder)) for folder in ("data", "publish/templates"))
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())
    return b"".join(p.read_bytes() for p in files)


def input_key(dataset: Dataset, station: str | None, year: int, notebook: Path, options: dict[str, Any]) -> str:
    """The hash a report is rendered from: its data slice (this year and last), the notebook,
    the parameters, the settings and the firestats version."""
    mine = dataset.narrow(station, (year, year - 1))
    parts = [
        *(_frame_bytes(frame) for frame in mine.records().values()),
        _frame_bytes(mine.problems), str(dataset.quality["unattributed"]).encode(),
        notebook.read_bytes(), json.dumps(options, sort_keys=True).encode(), firestats.__version__.encode(),
        _settings_bytes(), *(Path(f).read_bytes() for f in (options.get("score_table"), options.get("docx_template"))
                             if f and Path(f).is_file()),
    ]
    return _digest(*parts)


def plan(data_dir: Path | str, out_dir: Path | str, years: Iterable[int] = (), stations: Iterable[str] = (),
         notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600, **options: Any) -> list[Job]:
    """Every report a batch renders: each station's year in the data (or those named), and each
    year's detachment overview."""
    dataset = load(data_dir)
    wanted_years, wanted = set(years), {dataset.resolve_station(s) for s in stations}
    pairs = [(s, y) for s, y in dataset.station_years()
             if (not wanted_years or y in wanted_years) and (not wanted or s in wanted)]
    jobs = [Job(str(data_dir), str(out_dir), y, s, str(notebook), input_key(dataset, s, y, Path(notebook), options),
                timeout_s, tuple(sorted(options.items()))) for s, y in pairs]
    for year in sorted({y for _, y in pairs}):
        key = input_key(dataset, None, year, OVERVIEW_NOTEBOOK, {})
        jobs.append(Job(str(data_dir), str(out_dir), year, None, str(OVERVIEW_NOTEBOOK), key, timeout_s))
    return jobs


def run_job(job: Job) -> dict[str, Any]:
    """Render one report; never raises: the result says ok or the error (one line, failing cell's)."""
    started = time.perf_counter()
    on_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if on_main:  # the whole report's time limit, where a signal can deliver it (a pool worker)
        signal.signal(signal.SIGALRM, _out_of_time)
        signal.alarm(job.timeout_s)
    try:
        if job.station is None:
            render_overview(job.data_dir, job.year, job.out_dir, Path(job.notebook), job.timeout_s)
        else:
            render_station(job.data_dir, job.station, job.year, job.out_dir, Path(job.notebook), job.timeout_s,
                           **dict(job.options))
        status, error = "ok", ""
    except Exception as exc:  # one report's failure must not stop the others
        status, error = "failed", one_line(exc)
    finally:
        if on_main:
            signal.alarm(0)
    return {"name": job.name, "key": job.key, "status": status, "error": error,
            "seconds": round(time.perf_counter() - started, 2)}


def _out_of_time(signum, frame) -> None:
    raise TimeoutError("report ran past its time limit")


def _local(jobs: list[Job], workers: int) -> Iterator[dict[str, Any]]:
    # Spawned workers start clean: forking a parent that holds Arrow's threads can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for future in as_completed([pool.submit(run_job, job) for job in jobs]):
            yield future.result()


def _cluster(jobs: list[Job], address: str) -> Iterator[dict[str, Any]]:
    from distributed import Client
    from distributed import as_completed as completed

    with Client(address) as client:
        for future in completed(client.map(run_job, jobs, pure=False)):
            yield future.result()


def render_all(data_dir: Path | str, out_dir: Path | str, years: Iterable[int] = (), stations: Iterable[str] = (),
               workers: int | None = None, scheduler: str | None = None, force: bool = False,
               notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600, progress: bool = True,
               **options: Any) -> BatchOutcome:
    """Render every report that changed (all with ``force``), then the index page.

    ``workers`` local processes (default: the cores), or the dask scheduler at ``scheduler``;
    ``timeout_s`` bounds each report, in seconds; ``options`` go to every station report
    (show_names, score_table).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.rglob(".*.tmp"):  # left by a batch killed mid-write; never a finished file
        stale.unlink(missing_ok=True)
    manifest = read_manifest(out)
    jobs = plan(data_dir, out, years, stations, notebook, timeout_s, **options)
    outcome = BatchOutcome()
    todo = []
    for job in jobs:
        before = manifest.get(job.name, {})
        done = before.get("key") == job.key and before.get("status") == "ok" and _present(out, job.name)
        (outcome.skipped.append(job.name) if done and not force else todo.append(job))
    runner: Callable[[], Iterator[dict[str, Any]]] = (
        (lambda: _cluster(todo, scheduler)) if scheduler else (lambda: _local(todo, workers or os.cpu_count() or 1)))
    results = runner() if todo else iter(())
    for result in tqdm(results, total=len(todo), desc="reports", unit="report", disable=not progress):
        manifest[result["name"]] = {**manifest.get(result["name"], {}), **result, "headline": _headline(out, result)}
        if result["status"] == "ok":
            outcome.rendered.append(result["name"])
        else:
            outcome.failed[result["name"]] = result["error"]
        write_manifest(out, manifest)  # after each report, so a killed batch loses none that finished
    index_page.write(out, manifest, read_quality(data_dir))
    return outcome


def _present(out: Path, name: str) -> bool:
    return (out / f"{name}.html").is_file()


def _headline(out: Path, result: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for a report (read from its JSON export)."""
    saved = out / f"{result['name']}.json"
    if result["status"] != "ok" or not saved.is_file():
        return {}
    figures = json.loads(saved.read_text("utf-8"))
    return {name: value_at(figures, key) for name, key in index_page.HEADLINE.items()}


def read_manifest(out: Path) -> dict[str, dict[str, Any]]:
    """The manifest of a report folder (empty when there is none yet)."""
    path = out / MANIFEST
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def write_manifest(out: Path, manifest: dict[str, dict[str, Any]]) -> None:
    """Write the manifest atomically."""
    write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

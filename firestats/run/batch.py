"""Render every station and year, in parallel, incrementally, carrying on past failures.

Each worker of a local process pool or a dask.distributed cluster runs its reports with papermill
on one warm kernel (``kernels.py``), reset between reports. A manifest beside the reports records
each report's input hash (its data slice, the notebook, the parameters, the settings and the
firestats version), so a re-run renders only what changed. The batch owns its output folder and
its processes: one batch writes a folder at a time (a second waits), every file is written
atomically inside the folder, and pool workers end with the batch, so a batch killed half-way
leaves no half-written report and nothing rendering, and the next run finishes the rest.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tqdm import tqdm

import firestats
from firestats.errors import ClusterError, NoRecords, OutputError
from firestats.files import OutputFolder
from firestats.periods import KINDS, Period
from firestats.privacy import printable, redact
from firestats.publish import index_page
from firestats.publish.paths import report_files, report_name, safe_name
from firestats.publish.template_schema import check_template
from firestats.request import Options, Request
from firestats.run.kernels import Kernel
from firestats.run.render import (
    OVERVIEW_NOTEBOOK,
    OVERVIEW_PRELOAD,
    STATION_NOTEBOOK,
    STATION_PRELOAD,
    one_line,
    preflight,
    render_overview,
    render_station,
)
from firestats.settings import settings, use_settings
from firestats.store import StoreIndex, check_partitions, match_station, read_index, read_quality
from firestats.vocabulary.hierarchy import Level, levels, whose
from firestats.vocabulary.messages import _

MANIFEST = "manifest.json"
# How often a pool worker looks for the batch that started it, in seconds: a killed batch's
# workers stop within this, and their kernels (ipykernel polls its parent each second) follow.
WATCH_S = 0.5
# A worker's kernel imports what both notebooks and the reset between reports need as it starts.
PRELOAD = (STATION_PRELOAD, OVERVIEW_PRELOAD, "firestats.run.reset")
_warm = threading.local()  # each worker's kernel (each thread's, on a dask worker running several)
_settled = threading.Event()  # this worker's lasting objects are out of the garbage collector's way


@dataclass(frozen=True)
class Job:
    """One report to render: a request for a station's period, or for its detachment overview (station None)."""

    request: Request  # resolved: the station as the store names it
    out_dir: str
    notebook: str
    key: str  # hash of everything the report is made from
    timeout_s: int = 600

    @property
    def name(self) -> str:
        """The report's place in the manifest and index: ``2024/城东站`` (``2024-Q3/城东站``)."""
        return report_name(self.request.station, self.request.period, self.request.level)

    def outputs(self) -> list[str]:
        """Every file the report writes, relative to the output folder: its HTML and, for a station, the
        exports beside it."""
        return report_files(self.request.station, self.request.period, self.request.level)


@dataclass
class BatchOutcome:
    """Which reports were written, skipped as unchanged, or failed (with the error each met)."""

    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def say(message: str) -> None:
    """A notice for whoever runs the batch, on one line of stderr (beside the progress bar)."""
    tqdm.write(f"firestats: {printable(message)}", file=sys.stderr)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _settings_bytes() -> bytes:
    """Everything shipped that shapes a report: data files, templates (changed ones re-render)."""
    root = resources.files("firestats")
    folders = (Path(str(root / folder)) for folder in ("data", "publish/templates"))
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())
    return b"".join(p.read_bytes() for p in files)


def input_key(index: StoreIndex, quality: dict[str, Any], request: Request, notebook: Path) -> str:
    """The hash a report is rendered from: its data slices (the partitions of its station, or of every station
    for an overview, in the years its period is compared over), the months any station has records in those
    years, the notebook, the request, the settings and the firestats version.

    The partitions' content hashes were taken at prepare time, so planning reads no data: a batch of thousands
    of reports plans in time linear in their number.
    """
    years = request.period.years_compared()
    # The months any station has records in: a report's coverage reads them (see compute.station.Coverage).
    months = sorted(m for m in index.months if int(m[:4]) in years)
    parts = [
        *(h.encode() for h in index.content_hashes(whose(request, index.station_years()), years)),
        str(quality["unattributed"]).encode(), " ".join(months).encode(),
        notebook.read_bytes(), json.dumps(asdict(request.options), sort_keys=True).encode(),
        firestats.__version__.encode(), _settings_bytes(), *(f.read_bytes() for f in request.options.files()),
    ]
    return _digest(*parts)


def plan(data_dir: Path | str, out_dir: Path | str, years: Iterable[int] = (), stations: Iterable[str] = (),
         kind: str = "year", options: Options = Options(), notebook: Path = STATION_NOTEBOOK,
         timeout_s: int = 600) -> list[Job]:
    """Every report a batch renders: each station's periods of ``kind`` (year, half, quarter or month) with
    records, of the ``years`` and ``stations`` named (all when none are), the reports of the levels (支队, 大队) with
    records then (when no station is named), and each such period's detachment overview (made with the unit's
    settings and the score table its stations are graded with). Read from the store's index alone."""
    use_settings(options.settings)  # the unit's detachment and brigades
    data_dir = str(Path(data_dir).resolve())
    index, quality = read_index(data_dir), read_quality(data_dir)
    check_partitions(data_dir, index)  # a damaged store is refused before any report starts
    known = set(index.station_years())
    wanted_years, wanted = set(years), {match_station(s, known) for s in stations}
    found = [(s, p) for s, p in index.station_periods(kind)
             if (not wanted_years or p.year in wanted_years) and (not wanted or s in wanted)]
    overview = Options(settings=options.settings, score_table=options.score_table)

    def job(station: str | None, period: Period, level: str | None = None) -> Job:
        request = Request(station, period, data_dir, options if station else overview, level)
        book = Path(notebook) if station else OVERVIEW_NOTEBOOK
        return Job(request, str(out_dir), str(book), input_key(index, quality, request, book), timeout_s)

    if found:
        check_template(options.docx_template, found[0][1])  # before any worker starts a kernel
    alike: dict[str, set[str]] = {}
    for station, _period in found:  # Windows and macOS see Soho.html and SOHO.html as one file: neither is written
        alike.setdefault(safe_name(station).casefold(), set()).add(station)
    twins = next((sorted(names) for names in alike.values() if len(names) > 1), None)
    if twins:
        raise OutputError(f"stations {'、'.join(map(redact, twins))} differ only in case (or in a number file names "
                          "never show): their reports would be one file on Windows and macOS; spell them alike in "
                          "the exports and prepare again")
    # A batch of named stations renders those: a level's report is of all its stations, rendered with them all.
    levelled = [] if wanted else [job(level.name, p, level.kind) for level, p in _levels(index, found)]
    return [job(s, p) for s, p in found] + levelled + [job(None, p) for p in sorted({p for _, p in found})]


def _levels(index: StoreIndex, found: list[tuple[str, Period]]) -> list[tuple[Level, Period]]:
    """Each level (the detachment and the brigades of the settings in use) and each period of ``found`` any of its
    stations there has records in."""
    held = set(found)
    return [(level, period) for period in sorted({p for _, p in found}) for level in levels(index.station_years())
            if any((member, period) in held for member in level.members)]


def reports_of(index: StoreIndex) -> dict[str, Period]:
    """Every report the data makes (each station's years, halves, quarters and months, each such period's levels'
    and its overview), by name, with the period it is of: what the index lists, whatever an earlier run on other data
    left in the manifest."""
    found = [(s, p) for kind in KINDS for s, p in index.station_periods(kind)]
    return ({report_name(station, p): p for s, p in found for station in (s, None)}
            | {report_name(level.name, p, level.kind): p for level, p in _levels(index, found)})


def run_job(job: Job) -> dict[str, Any]:
    """Render one report on this worker's warm kernel; never raises: the result says ok or the error (one line,
    the failing cell's)."""
    started = time.perf_counter()
    try:
        render = render_station if job.request.station else render_overview
        render(job.request, job.out_dir, Path(job.notebook), job.timeout_s, kernel=_kernel())
        status, error = "ok", ""
    except Exception as exc:  # one report's failure must not stop the others
        status, error = "failed", one_line(exc)
    result = {"name": job.name, "station": job.request.station, "key": job.key, "status": status, "error": error,
              "seconds": round(time.perf_counter() - started, 2)}
    _settle()
    return result


def _settle() -> None:
    """Once this worker's first report is done, freeze what it holds out of the garbage collector's way.

    That report loaded what every later one uses (papermill, nbconvert's compiled templates, the Word draft's page:
    some 230,000 objects), and every full collection walked them all again: 0.27 s about every tenth report, all
    collections together some 30 ms a report; frozen, each report's collections walk its own objects (6 ms). The
    kernel freezes what it loaded as it starts, for the same reason.
    """
    if not _settled.is_set():
        _settled.set()
        gc.collect()  # what the first report left behind is freed, not frozen
        gc.freeze()


def _kernel() -> Kernel:
    """This worker's kernel, made at its first report and stopped when the worker ends."""
    if not hasattr(_warm, "kernel"):
        # The shipped notebooks' folder: a warm kernel's working folder, as JupyterLab's would be.
        _warm.kernel = Kernel(STATION_NOTEBOOK.parent, PRELOAD, int(settings()["batch"]["reports_per_kernel"]))
        # A pool worker ends with os._exit, which skips atexit; multiprocessing's finalizers still run.
        multiprocessing.util.Finalize(None, _warm.kernel.close, args=(True,), exitpriority=10)
    return _warm.kernel


def _die_with(parent: int) -> None:
    """A pool worker's first act: watch for the batch that started it, and end this worker (its kernel
    follows) as soon as that batch is gone, killed or not, so nothing renders for a batch that died."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="firestats-watch-batch", daemon=True).start()


def _local(jobs: list[Job], workers: int) -> Iterator[dict[str, Any]]:
    # Spawned workers start clean: forking a parent that holds Arrow's threads can deadlock.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with,
                               initargs=(os.getpid(),))
    try:
        with _without_the_callers_script():  # the workers start as they are submitted
            futures = [pool.submit(run_job, job) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
    finally:  # stopped early (Ctrl-C, an error): reports not yet started are not started
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _without_the_callers_script() -> Iterator[None]:
    """Workers spawned meanwhile do not run the caller's script again.

    A spawned worker runs the parent's ``__main__`` file before it takes work: a plain script calling
    ``render_all`` without ``if __name__ == "__main__":`` would start a batch in every worker (each waiting for
    the parent's lock), and one read from stdin cannot be run again at all. A worker needs only firestats, so it
    is started with an empty ``__main__``.
    """
    script = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = script


def _cluster(jobs: list[Job], address: str) -> Iterator[dict[str, Any]]:
    """The jobs' results from the dask scheduler at ``address``, connected to now (refused in one line if it
    cannot be reached, before any progress is shown)."""
    from distributed import Client

    try:
        client = Client(address)
    except OSError as exc:  # refused, unreachable, timed out
        raise ClusterError(f"--scheduler {address}: cannot reach the scheduler ({one_line(exc)})") from exc
    return _on_cluster(client, jobs)


def _on_cluster(client: Any, jobs: list[Job]) -> Iterator[dict[str, Any]]:
    from distributed import as_completed as completed

    with client:
        for future in completed(client.map(run_job, jobs, pure=False)):
            yield future.result()


def render_all(data_dir: Path | str, out_dir: Path | str, *, years: Iterable[int] = (), stations: Iterable[str] = (),
               kind: str = "year", options: Options = Options(), workers: int | None = None,
               scheduler: str | None = None, force: bool = False, notebook: Path = STATION_NOTEBOOK,
               timeout_s: int = 600, progress: bool = True) -> BatchOutcome:
    """Render every report that changed (all with ``force``), then the index page.

    ``kind`` year (default), half, quarter or month: every station's periods of that kind with
    records, of the ``years`` and ``stations`` named (all when none are), and their overviews;
    ``options`` go to every station report; ``workers`` local processes (default: the cores), or
    the dask scheduler at ``scheduler``; ``timeout_s`` bounds each report, in seconds. One batch
    writes an output folder at a time: a second one on the same folder waits for the first, then
    renders what is left.

    >>> import firestats as fs
    >>> fs.render_all("data/processed", "reports", workers=2).failed  # doctest: +SKIP
    {}
    """
    folder = OutputFolder(out_dir)
    jobs = plan(data_dir, folder.root, years, stations, kind, options.whole(), notebook, timeout_s)
    for path in (MANIFEST, index_page.INDEX):
        folder.check(path)
    for job in jobs:  # a link or a folder in a report's place is refused before any report is rendered
        preflight(folder, job.request.station, job.request.period, job.request.level)
    outcome = BatchOutcome()
    with folder.lock(say):
        folder.remove_stale()
        manifest = read_manifest(folder.root)
        todo = []
        for job in jobs:
            done = unchanged(job, manifest.get(job.name), folder.root)
            (outcome.skipped.append(job.name) if done and not force else todo.append(job))
        # Overviews and levels first: each takes as long as several stations (15 s of 30 stations' 1.6 s each), and
        # started last they ran alone while the other workers stood idle.
        todo.sort(key=lambda job: job.request.station is not None and job.request.level is None)
        runner: Callable[[], Iterator[dict[str, Any]]] = (
            (lambda: _cluster(todo, scheduler)) if scheduler
            else (lambda: _local(todo, workers or os.cpu_count() or 1)))
        results = runner() if todo else iter(())
        for result in tqdm(results, total=len(todo), desc=_("reports"), unit="report", disable=not (progress and todo)):
            exported = _exported(folder.root, result)
            manifest[result["name"]] = {**manifest.get(result["name"], {}), **result,
                                        "headline": _headline(exported), "coverage": exported.get("coverage")}
            if result["status"] == "ok":
                outcome.rendered.append(result["name"])
            else:
                outcome.failed[result["name"]] = result["error"]
            write_manifest(folder, manifest)  # after each report, so a killed batch loses none that finished
        write_manifest(folder, manifest)  # also when nothing was rendered: a damaged manifest is rebuilt
        current = reports_of(read_index(data_dir))
        shown = {name: entry for name, entry in manifest.items() if name in current}
        folder.write(index_page.INDEX, index_page.render(shown, current, read_quality(data_dir)).encode("utf-8"))
    if not jobs:  # the books are kept, but a batch that renders nothing says why rather than "rendered 0"
        raise _nothing(data_dir, years, stations)
    return outcome


def _nothing(data_dir: Path | str, years: Iterable[int], stations: Iterable[str]) -> NoRecords:
    """The refusal of a batch with no report to render: what it asked for and the years the data has."""
    held = read_index(data_dir).station_years()
    asked = {match_station(s, set(held)) for s in stations}
    have = sorted({year for station in (asked or held) for year in held[station]})
    return NoRecords(_("nothing to render: no records of {stations} in {years}; years with records: {held}").format(
        stations="、".join(sorted(asked)) or _("any station"),
        years="、".join(map(str, sorted(set(years)))) or _("any year"), held="、".join(map(str, have)) or "—"))


def unchanged(job: Job, before: dict[str, Any] | None, out: Path) -> bool:
    """Whether a report can be left as it is: rendered from the same inputs, successfully, and every file
    it writes still there (an export deleted since is written again)."""
    return (before is not None and before.get("key") == job.key and before.get("status") == "ok"
            and all((out / path).is_file() for path in job.outputs()))


def _exported(out: Path, result: dict[str, Any]) -> dict[str, Any]:
    """A rendered report's JSON export: its figures and what its records cover (empty when it cannot be read)."""
    saved = out / f"{result['name']}.json"  # checked to be no link before the batch began
    if result["status"] != "ok" or not saved.is_file():
        return {}
    try:
        exported = json.loads(saved.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return exported if isinstance(exported, dict) else {}


def _headline(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for a report, its numbers only."""
    return {name: value for name, value in index_page.headline(figures).items() if _number(value)}


def read_manifest(out: Path | str, warn: Callable[[str], None] = say) -> dict[str, dict[str, Any]]:
    """The manifest of a report folder (empty when there is none yet).

    A damaged manifest (truncated, not a JSON object, entries that are not objects) is set aside
    with a ``warn``-ing: the reports it no longer vouches for are rendered again and it is rebuilt.
    """
    path = Path(out) / MANIFEST
    if not path.is_file() or path.is_symlink():
        return {}
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        manifest, why = None, one_line(exc)
    else:
        why = f"a JSON {type(manifest).__name__}, not an object"
    if not isinstance(manifest, dict):
        warn(f"{path}: damaged ({why}); every report is rendered again and the manifest rebuilt")
        return {}
    entries = {name: entry for name, entry in manifest.items() if _sound(entry)}
    if len(entries) < len(manifest):
        warn(f"{path}: {len(manifest) - len(entries)} damaged entries set aside; those reports are rendered again")
    return entries


def _sound(entry: Any) -> bool:
    """An entry as a batch writes it: an object whose headline figures are numbers (or missing)."""
    headline = entry.get("headline") or {} if isinstance(entry, dict) else None
    return isinstance(headline, dict) and all(_number(v) for v in headline.values())


def _number(value: Any) -> bool:
    return value is None or isinstance(value, (int, float)) and not isinstance(value, bool)


def write_manifest(folder: OutputFolder, manifest: dict[str, dict[str, Any]]) -> None:
    """Write the manifest atomically into the output folder."""
    folder.write(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))

"""Run a parameterised notebook with papermill on a real kernel and render it to offline HTML."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import List

from firestats.errors import ReportFailed
from firestats.files import OutputFolder
from firestats.ingest.layout import resolve_station_year
from firestats.privacy import redact
from firestats.publish.paths import KEPT_SUFFIX, overview_path, report_files, report_name, report_path
from firestats.run.notebooks import notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

STATION_NOTEBOOK = notebook("station_report.ipynb")
OVERVIEW_NOTEBOOK = notebook("detachment_overview.ipynb")
# The kernel of the interpreter running firestats: jupyter_client starts "python3" with
# sys.executable, so the notebook sees this very library whether or not a kernel is registered.
KERNEL = "python3"
# ipykernel warns on every start that loopback TCP is unencrypted; in a batch that is noise.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)


class _KernelManager(AsyncKernelManager):
    """A kernel manager that remembers the clients it makes, so their channels can be stopped.

    nbclient leaves a client's channels open when it did not start the kernel itself; in a batch
    worker every report would keep its sockets open.
    """

    made = List()

    def client(self, **kwargs: Any) -> Any:
        made = super().client(**kwargs)
        self.made.append(made)
        return made


@contextmanager
def kernel(cwd: Path, preload: str) -> Iterator[AsyncKernelManager]:
    """A fresh kernel in ``cwd`` that imports the module ``preload`` as it starts; shut down on exit.

    Started before papermill and nbconvert are imported here, so that the kernel starts and
    imports the library on another core while this process loads them.
    """
    manager = _KernelManager(kernel_name=KERNEL)
    run_sync(manager.start_kernel)(cwd=str(cwd), extra_arguments=[*KERNEL_ARGUMENTS,
                                                                  f"--IPKernelApp.exec_lines=import {preload}"])
    try:
        yield manager
    finally:
        for client in manager.made:
            client.stop_channels()
        # Stopping polls for the process's end for a tenth of a second: the caller writes the
        # HTML meanwhile. asyncio.run closes the thread's event loop, so nothing stays open.
        threading.Thread(target=asyncio.run, args=(manager.shutdown_kernel(now=True),)).start()


def execute(notebook: Path, parameters: dict, output: Path, timeout_s: int,
            manager: AsyncKernelManager) -> NotebookNode:
    """Execute a notebook with parameters on ``manager``'s kernel; the executed copy goes to ``output``.

    ``timeout_s`` bounds each cell, in seconds. Raises papermill's PapermillExecutionError when a
    cell fails; the executed notebook, error included, is still written.
    """
    import papermill

    return papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, kernel_name=KERNEL, km=manager,
        cwd=str(notebook.parent), progress_bar=False, log_output=False, execution_timeout=timeout_s,
        # Writing the whole notebook before and after every cell (papermill's default) took a
        # tenth of a report's time; it is written once at the end, failed or not.
        request_save_on_cell_execute=False,
    )


def to_html(nb: NotebookNode) -> str:
    """Render an executed notebook as self-contained HTML: Chinese, code hidden, nothing loaded from the network."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    # Cells tagged remove-cell (the notebook's own introduction for JupyterLab users) stay out.
    config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name="firestats",
        extra_template_basedirs=[str(resources.files("firestats.publish") / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",
    )
    html, _ = exporter.from_notebook_node(nb)
    return html


def one_line(exc: BaseException) -> str:
    """An error as one line, identity and phone numbers hidden; for a failing notebook cell, papermill's ename
    and evalue."""
    if isinstance(exc, ReportFailed):
        return str(exc)
    if getattr(exc, "ename", None):
        return redact(f"{exc.ename}: {exc.evalue}".splitlines()[0])
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return redact(f"{type(exc).__name__}: {lines[-1] if lines else ''}")


def _run(notebook: Path, params: dict, target: Path, timeout_s: int, manager: AsyncKernelManager,
         folder: OutputFolder) -> NotebookNode:
    """Execute a notebook for ``target`` on ``manager``'s kernel; if a cell fails, the executed
    notebook is kept beside the target as ``NAME.failed.ipynb`` (error included) and ReportFailed raised."""
    failed = target.with_suffix(KEPT_SUFFIX)
    with tempfile.TemporaryDirectory(prefix="firestats-") as tmp:
        executed_path = Path(tmp) / notebook.name
        try:
            executed = execute(notebook, params, executed_path, timeout_s, manager)
        except BaseException as exc:
            kept = failed if executed_path.is_file() else None
            if kept:
                folder.write(kept, executed_path.read_bytes())
            if isinstance(exc, Exception):
                raise ReportFailed(one_line(exc), kept) from exc
            raise
    folder.remove(failed)
    return executed


def preflight(folder: OutputFolder, station: str | None, year: int) -> None:
    """Refuse now, before a kernel runs, a report whose files cannot be written where they go (a symbolic
    link or a folder in their place, a link on the way); ``station`` None for the detachment overview."""
    for path in [*report_files(station, year), f"{report_name(station, year)}{KEPT_SUFFIX}"]:
        folder.check(path)


def render_station(data_dir: Path | str, station: str, year: int, out_dir: Path | str,
                   notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600, show_names: bool = False,
                   score_table: str | None = None, docx_template: str | None = None) -> Path:
    """Render one station's year to ``OUT/YEAR/STATION.html`` with its exports and Word draft; returns the path.

    ``show_names`` names people in full (default 张*三); ``score_table`` is a score table's
    version or path (default: the settings'); ``docx_template`` a unit's own annual report
    template (default: the shipped one); ``timeout_s`` bounds each cell, in seconds. A year
    with no records of the station is refused.

    >>> import firestats as fs
    >>> fs.render_station("data/processed", "城东", 2025, "reports")  # doctest: +SKIP
    PosixPath('reports/2025/城东站.html')
    """
    from firestats.publish.exports import beside, published

    folder = OutputFolder(out_dir)  # refused now, before a kernel starts, if it cannot be written
    notebook = Path(notebook)
    # The kernel runs in the notebook's folder: paths the user gave are made absolute first.
    score_table = str(Path(score_table).resolve()) if score_table and Path(score_table).is_file() else score_table
    docx_template = str(Path(docx_template).resolve()) if docx_template else None
    with kernel(notebook.parent, "firestats.publish.station_report") as manager:
        name = resolve_station_year(data_dir, station, year)
        preflight(folder, name, year)
        target = report_path(out_dir, name, year)
        params = {"station": name, "year": int(year), "data_dir": str(Path(data_dir).resolve()),
                  "show_names": show_names, "score_table": score_table, "docx_template": docx_template}
        executed = _run(notebook, params, target, timeout_s, manager, folder)
    publication = published(executed) or _computed(data_dir, name, year, show_names, score_table, docx_template)
    for path, data in beside(target, publication, docx_template).items():
        folder.write(path, data)
    folder.write(target, to_html(executed).encode("utf-8"))  # last: the HTML's presence means all is written
    return target


def _computed(data_dir: Path | str, station: str, year: int, show_names: bool, score_table: str | None,
              docx_template: str | None) -> dict[str, Any]:
    # A notebook of one's own need not show the annual data, which publishes the figures.
    from firestats.publish.station_report import station_report

    return station_report(data_dir, station, year, show_names, score_table, docx_template).publication()


def render_overview(data_dir: Path | str, year: int, out_dir: Path | str, notebook: Path = OVERVIEW_NOTEBOOK,
                    timeout_s: int = 600) -> Path:
    """Render the detachment overview of a year to ``OUT/YEAR/支队总览.html`` and return the path."""
    folder = OutputFolder(out_dir)
    preflight(folder, None, year)
    target = overview_path(out_dir, year)
    params = {"year": int(year), "data_dir": str(Path(data_dir).resolve())}
    with kernel(Path(notebook).parent, "firestats.publish.overview") as manager:
        executed = _run(Path(notebook), params, target, timeout_s, manager, folder)
    folder.write(target, to_html(executed).encode("utf-8"))
    return target

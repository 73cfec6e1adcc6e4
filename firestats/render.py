"""Run a parameterised notebook with papermill on a real kernel and render it to offline HTML."""

from __future__ import annotations

import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter
from traitlets.config import Config

import firestats
from firestats.store import write_atomic

# The notebooks live beside the package in a source checkout (the project's layout).
NOTEBOOKS = Path(firestats.__file__).resolve().parent.parent / "notebooks"
STATION_NOTEBOOK = NOTEBOOKS / "station_report.ipynb"
OVERVIEW_NOTEBOOK = NOTEBOOKS / "detachment_overview.ipynb"
OVERVIEW_NAME = "支队总览"
# The kernel of the interpreter running firestats: jupyter_client starts "python3" with
# sys.executable, so the notebook sees this very library whether or not a kernel is registered.
KERNEL = "python3"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(name: str) -> str:
    """A file name for a station that keeps its Chinese characters but no path separators."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")[:100]
    return cleaned or "_"


def report_path(out_dir: Path | str, station: str, year: int) -> Path:
    """Where a station's report goes: ``OUT/YEAR/STATION.html``."""
    return Path(out_dir) / str(int(year)) / f"{safe_name(station)}.html"


def execute(notebook: Path, parameters: dict, output: Path, timeout_s: int = 600) -> nbformat.NotebookNode:
    """Execute a notebook with parameters on a fresh kernel; the executed copy goes to ``output``.

    ``timeout_s`` bounds each cell, in seconds. Raises papermill's PapermillExecutionError when a
    cell fails; the executed notebook, error included, is still written.
    """
    return papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, kernel_name=KERNEL,
        cwd=str(notebook.parent), progress_bar=False, log_output=False, execution_timeout=timeout_s,
        # ipykernel warns on every start that loopback TCP is unencrypted; in a batch that is noise.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )


def to_html(nb: nbformat.NotebookNode) -> str:
    """Render an executed notebook as self-contained HTML: Chinese, code hidden, nothing loaded from the network."""
    config = Config()
    # Cells tagged remove-cell (the notebook's own introduction for JupyterLab users) stay out.
    config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name="firestats",
        extra_template_basedirs=[str(resources.files("firestats") / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",
    )
    html, _ = exporter.from_notebook_node(nb)
    return html


def _run(notebook: Path, params: dict, target: Path, timeout_s: int) -> nbformat.NotebookNode:
    """Execute a notebook for ``target``; if a cell fails, the executed notebook is kept beside
    the target as ``NAME.failed.ipynb`` (error included) and the error is raised."""
    failed = target.with_suffix(".failed.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="firestats-") as tmp:
        executed_path = Path(tmp) / notebook.name
        try:
            executed = execute(notebook, params, executed_path, timeout_s)
        except BaseException:
            if executed_path.is_file():
                shutil.copyfile(executed_path, failed)
            raise
    failed.unlink(missing_ok=True)
    return executed


def render_station(data_dir: Path | str, station: str, year: int, out_dir: Path | str,
                   notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600, show_names: bool = False,
                   score_table: str | None = None) -> Path:
    """Render one station's year to ``OUT/YEAR/STATION.html`` (and its exports) and return the path.

    ``show_names`` names people in full (default 张*三); ``score_table`` is a score table's
    version or path (default: the settings'); ``timeout_s`` bounds each cell, in seconds.
    """
    from firestats.exports import write_beside
    from firestats.present import station_report

    report = station_report(data_dir, station, year, show_names, score_table)  # resolves the spelling too
    target = report_path(out_dir, report.station, year)
    params = {"station": report.station, "year": int(year), "data_dir": str(Path(data_dir).resolve()),
              "show_names": show_names, "score_table": score_table}
    executed = _run(Path(notebook), params, target, timeout_s)
    write_beside(target, report.figures, report.annual_block())
    write_atomic(target, to_html(executed).encode("utf-8"))  # last: the HTML's presence means all is written
    return target


def overview_path(out_dir: Path | str, year: int) -> Path:
    """Where a year's detachment overview goes: ``OUT/YEAR/支队总览.html``."""
    return Path(out_dir) / str(int(year)) / f"{OVERVIEW_NAME}.html"


def render_overview(data_dir: Path | str, year: int, out_dir: Path | str, notebook: Path = OVERVIEW_NOTEBOOK,
                    timeout_s: int = 600) -> Path:
    """Render the detachment overview of a year to ``OUT/YEAR/支队总览.html`` and return the path."""
    target = overview_path(out_dir, year)
    params = {"year": int(year), "data_dir": str(Path(data_dir).resolve())}
    executed = _run(Path(notebook), params, target, timeout_s)
    write_atomic(target, to_html(executed).encode("utf-8"))
    return target

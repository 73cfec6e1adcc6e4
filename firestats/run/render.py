"""Run a parameterised notebook with papermill on a real kernel and render it to offline HTML."""

from __future__ import annotations

import re
import tempfile
from contextlib import nullcontext
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firestats.errors import FirestatsError, ReportFailed
from firestats.files import OutputFolder
from firestats.periods import period_of
from firestats.privacy import redact
from firestats.publish.paths import KEPT_SUFFIX, overview_path, report_files, report_name, report_path
from firestats.run.kernels import Kernel
from firestats.run.notebooks import notebook
from firestats.store import check_partitions, read_index, resolve_station_year
from firestats.wording import overview_title, report_title

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

STATION_NOTEBOOK = notebook("station_report.ipynb")
OVERVIEW_NOTEBOOK = notebook("detachment_overview.ipynb")
# What each notebook's kernel imports as it starts, while this process loads papermill and nbconvert.
STATION_PRELOAD = "firestats.publish.station_report"
OVERVIEW_PRELOAD = "firestats.publish.overview"


def _on(kernel: Kernel | None, notebook: Path, preload: str) -> AbstractContextManager[Kernel]:
    """The kernel a report runs on: the batch worker's warm one, or a fresh one for this report alone, started
    now (before papermill is imported here, so that it starts on another core meanwhile) and stopped after."""
    return nullcontext(kernel) if kernel else Kernel(notebook.parent, (preload,))


def to_html(nb: NotebookNode) -> str:
    """Render an executed notebook as self-contained HTML: Chinese, code hidden, nothing loaded from the network."""
    html, _ = _exporter().from_notebook_node(nb)
    return html


# Every output area, which nbconvert's HTMLExporter makes focusable (tabindex) so a keyboard can scroll it.
_OUTPUT_AREA = re.compile(r'(<div class="[^"]*\bjp-OutputArea-output\b[^"]*")')
# A character written as a numeric reference (nbconvert's Markdown headings write Chinese as &#25454;).
_REFERENCE = re.compile(r"&#(\d+);")


def _as_character(reference: re.Match) -> str:
    """A non-ASCII character as itself (a third the bytes, and searchable in the file); an ASCII one, which
    may be markup (&#60; is <), stays a reference."""
    code = int(reference[1])
    return chr(code) if 127 < code < 0x110000 and not 0xD800 <= code < 0xE000 else reference[0]


@cache
def _exporter() -> HTMLExporter:
    """nbconvert's exporter with the firestats template, made once per process: compiling the templates took
    half of each page's rendering in a batch worker."""
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from traitlets.config import Config

    class PageExporter(HTMLExporter):
        """HTMLExporter without its BeautifulSoup pass over the page, a fifth of a batch worker's time per report.

        The pass gives images without one an alt text (every chart here has its own), makes the output areas
        focusable and, by writing the page out again, turns character references into characters; the last
        two are done here on the template's own markup instead."""

        def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _REFERENCE.sub(_as_character, _OUTPUT_AREA.sub(r'\1 tabindex="0"', html)), resources

    config = Config()
    # Cells tagged remove-cell (the notebook's own introduction for JupyterLab users) stay out.
    config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    config.TagRemovePreprocessor.enabled = True
    exporter = PageExporter(
        config=config,
        template_name="firestats",
        extra_template_basedirs=[str(resources.files("firestats.publish") / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="zh",
    )
    # The lab template names this filter, which HTMLExporter registers per page; no code is shown here.
    exporter.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=exporter))
    return exporter


def one_line(exc: BaseException) -> str:
    """An error as one line, identity and phone numbers hidden; for a failing notebook cell, papermill's ename
    and evalue."""
    if isinstance(exc, FirestatsError):
        return str(exc)
    if getattr(exc, "ename", None):
        return redact(f"{exc.ename}: {exc.evalue}".splitlines()[0])
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return redact(f"{type(exc).__name__}: {lines[-1] if lines else ''}")


def _run(notebook: Path, params: dict, target: Path, timeout_s: int, kernel: Kernel,
         folder: OutputFolder) -> NotebookNode:
    """Execute a notebook for ``target`` on ``kernel``; if a cell fails, the executed
    notebook is kept beside the target as ``NAME.failed.ipynb`` (error included) and ReportFailed raised."""
    failed = target.with_suffix(KEPT_SUFFIX)
    with tempfile.TemporaryDirectory(prefix="firestats-") as tmp:
        executed_path = Path(tmp) / notebook.name
        try:
            executed = kernel.run(notebook, params, executed_path, timeout_s)
        except BaseException as exc:
            kept = failed if executed_path.is_file() else None
            if kept:
                folder.write(kept, executed_path.read_bytes())
            if isinstance(exc, Exception):
                raise ReportFailed(one_line(exc), kept) from exc
            raise
    folder.remove(failed)
    return executed


def preflight(folder: OutputFolder, station: str | None, year: int | str) -> None:
    """Refuse now, before a kernel runs, a report whose files cannot be written where they go (a symbolic
    link or a folder in their place, a link on the way); ``station`` None for the detachment overview."""
    for path in [*report_files(station, year), f"{report_name(station, year)}{KEPT_SUFFIX}"]:
        folder.check(path)


def _placed(year: int, period: str | None) -> tuple[int | str, dict[str, str]]:
    """The folder a report goes to (2024, or 2024-Q3 for a period) and what its notebook is told of the period
    (nothing for a year); a period nobody can mean is refused now, before a kernel starts."""
    when = period_of(year, period)
    return (when.label, {"period": when.label}) if period else (int(year), {})


def render_station(data_dir: Path | str, station: str, year: int, out_dir: Path | str,
                   notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600, show_names: bool = False,
                   score_table: str | None = None, docx_template: str | None = None,
                   kernel: Kernel | None = None, period: str | None = None) -> Path:
    """Render one station's year to ``OUT/YEAR/STATION.html`` with its exports and Word draft; returns the path.

    ``show_names`` names people in full (default 张*三); ``score_table`` is a score table's
    version or path (default: the settings'); ``docx_template`` a unit's own annual report
    template (default: the shipped one); ``timeout_s`` bounds the notebook's run, in seconds;
    ``kernel`` a warm kernel to run on (default: a fresh one); ``period`` a half, quarter or month
    of the year (H1, Q3, 03: ``OUT/2024-Q3/STATION.html``). A year with no records of the station is refused.

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
    label, told = _placed(year, period)
    with _on(kernel, notebook, STATION_PRELOAD) as running:
        index = read_index(data_dir)
        name = resolve_station_year(index, station, year)
        check_partitions(data_dir, index, name, period_of(year, period).years_compared())  # here, not in a cell
        preflight(folder, name, label)
        target = report_path(out_dir, name, label)
        params = {"station": name, "year": int(year), "data_dir": str(Path(data_dir).resolve()),
                  "show_names": show_names, "score_table": score_table, "docx_template": docx_template, **told}
        executed = _run(notebook, params, target, timeout_s, running, folder)
    publication = published(executed) or _computed(data_dir, name, year, show_names, score_table, docx_template,
                                                   period)
    for path, data in beside(target, publication, docx_template).items():
        folder.write(path, data)
    executed.metadata["title"] = report_title(publication["station_name"], period_of(year, period))
    folder.write(target, to_html(executed).encode("utf-8"))  # last: the HTML's presence means all is written
    return target


def _computed(data_dir: Path | str, station: str, year: int, show_names: bool, score_table: str | None,
              docx_template: str | None, period: str | None) -> dict[str, Any]:
    # A notebook of one's own need not show the annual data, which publishes the figures.
    from firestats.publish.station_report import station_report

    return station_report(data_dir, station, year, show_names, score_table, docx_template, period).publication()


def render_overview(data_dir: Path | str, year: int, out_dir: Path | str, notebook: Path = OVERVIEW_NOTEBOOK,
                    timeout_s: int = 600, kernel: Kernel | None = None, period: str | None = None) -> Path:
    """Render the detachment overview of a year to ``OUT/YEAR/支队总览.html`` and return the path (``kernel``
    and ``period`` as for :func:`render_station`: ``OUT/2024-Q3/支队总览.html``)."""
    folder = OutputFolder(out_dir)
    label, told = _placed(year, period)
    preflight(folder, None, label)
    target = overview_path(out_dir, label)
    params = {"year": int(year), "data_dir": str(Path(data_dir).resolve()), **told}
    with _on(kernel, Path(notebook), OVERVIEW_PRELOAD) as running:
        executed = _run(Path(notebook), params, target, timeout_s, running, folder)
    executed.metadata["title"] = overview_title(period_of(year, period))
    folder.write(target, to_html(executed).encode("utf-8"))
    return target

"""Run a parameterised notebook with papermill on a real kernel and render it to offline HTML."""

from __future__ import annotations

import re
import tempfile
from contextlib import nullcontext
from dataclasses import replace
from functools import cache, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firestats.errors import FirestatsError, ReportFailed
from firestats.files import OutputFolder
from firestats.periods import Period
from firestats.privacy import redact
from firestats.publish.paths import KEPT_SUFFIX, report_files, report_name, report_path
from firestats.publish.template_schema import check_template
from firestats.request import Request
from firestats.run.kernels import Kernel
from firestats.run.notebooks import notebook
from firestats.settings import use_settings
from firestats.store import check_partitions, find_prepared, read_index, resolved
from firestats.vocabulary.hierarchy import whose
from firestats.wording import overview_title, report_title

if TYPE_CHECKING:
    from collections.abc import Callable
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
    """Render an executed notebook as self-contained HTML: Chinese, code hidden, nothing loaded from the network.

    ``nb`` is handed over: nbconvert renders it as it is (its cells may change), not a deep copy of it, which took
    half of every page's rendering (some 8 ms); a report's executed notebook is of no use once its page is written.
    """
    from nbformat import NotebookNode

    class HandedOver(NotebookNode):
        def __deepcopy__(self, memo: dict) -> NotebookNode:
            return self

    html, _ = _exporter().from_notebook_node(HandedOver(nb))
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
    from jinja2 import pass_context
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

        @pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            """A Markdown cell as HTML: a cell without attachments, by its text alone, rendered once a process (the
            notebook's headings are the same on every page, and a parser made for each cell again took some 10 ms of
            every page: nearly half its rendering)."""
            if context.get("cell", {}).get("attachments") or self.embed_images:
                return super().markdown2html(context, source)
            return rendered(source)

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
        optimistic_validation=True,  # the notebook validated once, not again after each of the twelve preprocessors
    )
    rendered = lru_cache(maxsize=1024)(partial(HTMLExporter.markdown2html, exporter, {}))
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


def _run(notebook: Path, params: dict, target: Path, timeout_s: int, kernel: Kernel, folder: OutputFolder,
         seen: Callable[[NotebookNode], None] | None = None) -> NotebookNode:
    """Execute a notebook for ``target`` on ``kernel``, each output shown to ``seen`` as it comes; if a cell fails,
    the executed notebook is kept beside the target as ``NAME.failed.ipynb`` (error included) and ReportFailed
    raised."""
    failed = target.with_suffix(KEPT_SUFFIX)
    with tempfile.TemporaryDirectory(prefix="firestats-") as tmp:
        executed_path = Path(tmp) / notebook.name
        try:
            executed = kernel.run(notebook, params, executed_path, timeout_s, seen)
        except BaseException as exc:
            kept = failed if executed_path.is_file() else None
            if kept:
                folder.write(kept, executed_path.read_bytes())
            if isinstance(exc, Exception):
                raise ReportFailed(one_line(exc), kept) from exc
            raise
    folder.remove(failed)
    return executed


def preflight(folder: OutputFolder, station: str | None, period: Period, level: str | None = None) -> None:
    """Refuse now, before a kernel runs, a report whose files cannot be written where they go (a symbolic
    link or a folder in their place, a link on the way); ``station`` None for the detachment overview, a level's
    name with ``level``."""
    for path in [*report_files(station, period, level), f"{report_name(station, period, level)}{KEPT_SUFFIX}"]:
        folder.check(path)


def render_station(request: Request, out_dir: Path | str, notebook: Path = STATION_NOTEBOOK, timeout_s: int = 600,
                   kernel: Kernel | None = None) -> Path:
    """Render the station report a request asks for to ``OUT/PERIOD/STATION.html`` with its exports and Word
    draft beside it; returns the path.

    ``notebook`` is the station notebook run (its parameters are the request's fields); ``timeout_s``
    bounds its run, in seconds; ``kernel`` a warm kernel to run on (default: a fresh one). A period
    with no records of the station is refused before a kernel starts.

    >>> import firestats as fs
    >>> fs.render_station(fs.Request.of("城东", 2025, "data/processed"), "reports")  # doctest: +SKIP
    PosixPath('reports/2025/城东站.html')
    """
    from firestats.publish.exports import Early, published

    folder = OutputFolder(out_dir)  # refused now, before a kernel starts, if it cannot be written
    notebook = Path(notebook)
    use_settings(request.options.settings)  # the exports and the Word draft are written here
    # The draft's wording, refused now rather than after the notebook ran.
    check_template(request.options.docx_template, request.period)
    with _on(kernel, notebook, STATION_PRELOAD) as running:
        data_dir = find_prepared(request.data_dir)
        index = read_index(data_dir)
        request = resolved(replace(request, data_dir=str(data_dir.resolve())), index)
        # here, not in a cell
        check_partitions(data_dir, index, whose(request, index.station_years()), request.period.years_compared())
        preflight(folder, request.station, request.period, request.level)
        target = report_path(out_dir, request.station, request.period, request.level)
        exports = Early(target, request)
        executed = _run(notebook, request.parameters(), target, timeout_s, running, folder, exports.seen)
    publication = published(executed) or _computed(request)
    for path, data in exports.files(publication).items():
        folder.write(path, data)
    executed.metadata["title"] = report_title(publication["station_name"], request.period)
    folder.write(target, to_html(executed).encode("utf-8"))  # last: the HTML's presence means all is written
    return target


def _computed(request: Request) -> dict[str, Any]:
    # A notebook of one's own need not show the annual data, which publishes the figures.
    from firestats.publish.station_report import station_report

    return station_report(request).publication()


def render_overview(request: Request, out_dir: Path | str, notebook: Path = OVERVIEW_NOTEBOOK,
                    timeout_s: int = 600, kernel: Kernel | None = None) -> Path:
    """Render the detachment overview of a request's period (its station None) to ``OUT/PERIOD/支队总览.html``
    and return the path (``notebook``, ``timeout_s`` and ``kernel`` as for :func:`render_station`)."""
    folder = OutputFolder(out_dir)
    use_settings(request.options.settings)  # the page's title names the unit's detachment
    preflight(folder, None, request.period)
    target = report_path(out_dir, None, request.period)
    params = {"period": request.period.label, "data_dir": str(find_prepared(request.data_dir).resolve()),
              "settings": request.options.settings, "score_table": request.options.score_table}
    with _on(kernel, Path(notebook), OVERVIEW_PRELOAD) as running:
        executed = _run(Path(notebook), params, target, timeout_s, running, folder)
    executed.metadata["title"] = overview_title(request.period)
    folder.write(target, to_html(executed).encode("utf-8"))
    return target

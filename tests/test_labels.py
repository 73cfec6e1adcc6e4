"""Every label a reader sees in a station report's outputs is held by the catalogue (firestats/data/figures.yaml),
so a label typed into code, with words of its own, turns a test red.

What a label is, output by output:

- the page (HTML): each headline card's label; every column heading (th) of every table; and the first cell of
  each row of a table of figures, one whose first heading is 指标, 项目, 环节 or 处理 (its rows are figures,
  response segments or what happened to problem rows; other tables' first column is records: types, items,
  months, people, dates, files). Section titles (h2, h3) are the notebook's prose and chart words are drawn into
  the images: neither is a label here.
- the checking workbook (xlsx): each sheet's heading row, and each figure sheet's 指标 column.
- the CSV: its heading row and its 指标 column.
- the JSON: its keys, each of whose English parts must have a word in the catalogue.
- the Word draft (docx): its title and headings, which must be the report template's (annual_report.yaml, the
  wording a unit may replace); the txt is the draft's paragraphs of figures, sentences with no labels.

A label is held when it is a figure's term or heading (term with unit), the catalogue's label of one of the
report's figures (训练考核·科目·1000米跑·及格率, 3月接处警), a part word, a table heading or an action word.
A calendar name (2025年, 3月) is a date, not a label.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from importlib import resources
from operator import attrgetter
from pathlib import Path

import docx
import nbformat
import openpyxl
import pytest
import yaml

from firestats import catalogue as cat
from firestats.publish import annual, exports
from firestats.publish.station_report import station_report
from firestats.request import Request
from firestats.settings import settings

STATION, YEAR = "城东", 2025
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "station_report.ipynb"
PLANTED = "手写标签"
CALENDAR = re.compile(r"\d{4}年|\d{1,2}月")
PLACE = re.compile(r"^(places\.\w+)\.[^.]+")  # a figure by place's key, up to its place
ROWS_OF_FIGURES = {cat.table_heading(name, language) for name in ("figure", "item", "segment", "action")
                   for language in cat.languages()}


def _shipped(name: str) -> dict:
    return yaml.safe_load(resources.files("firestats").joinpath(f"data/{name}").read_text("utf-8"))


class _Page(HTMLParser):
    """The labels of a page: card labels, column headings, and the first cell of each row of a table of figures."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self._text: str | None = None
        self._heads: list[str] = []  # the current table's column headings
        self._first = False  # the next cell is a row's first

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._heads = []
        elif tag == "tr":
            self._first = True
        elif tag == "th" or tag == "td" and self._first or "fs-card-label" in (dict(attrs).get("class") or ""):
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._text is None or tag not in ("th", "td", "div"):
            return
        text, self._text = self._text.strip(), None
        if tag == "th":
            self._heads.append(text)
            self.labels.add(text)
        elif tag == "td":
            self._first = False
            if self._heads and self._heads[0] in ROWS_OF_FIGURES:
                self.labels.add(text)
        else:
            self.labels.add(text)


def page_labels(html: str) -> set[str]:
    page = _Page()
    page.feed(html)
    return page.labels


def workbook_labels(content: bytes, language: str = "zh") -> set[str]:
    """The workbook's headings (its bold rows, and a table's title above them) and each figure row's 指标 (a row naming
    its basis) on the figure sheets; a table's rows (subjects, months, persons) are data."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    figure_sheets = {cat.sheet_name(name, language) for name in cat.sheets()}
    found = set()
    for sheet in book:
        rows = list(sheet.iter_rows(min_row=2))
        for row, after in zip(rows, [*rows[1:], ()]):
            if row[0].font.b or after and after[0].font.b:
                found |= {str(c.value) for c in row if c.value is not None}
            elif sheet.title in figure_sheets and len(row) > 5 and isinstance(row[5].value, str):
                found.add(str(row[0].value))
    return found


def csv_labels(content: bytes) -> set[str]:
    head, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return {*head, *(row[0] for row in rows)}


def draft_labels(content: bytes) -> set[str]:
    """The Word draft's title and headings: its paragraphs set in the title's or a heading's font (an English
    summary's one font: those in bold)."""
    fonts = {settings()["docx"][kind]["font"] for kind in ("title", "heading1", "heading2")}
    east_asia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    return {p.text for p in docx.Document(io.BytesIO(content)).paragraphs
            if p.runs and (p.runs[0]._element.rPr.rFonts.get(east_asia) in fonts or p.runs[0].bold)}


def labels_of(html: str, files: dict[str, bytes], language: str = "zh") -> dict[str, set[str]]:
    """Every label of a station report's outputs: the page, and the files beside it by suffix (the CSV, for
    machines, keeps the Chinese labels)."""
    return {"html": page_labels(html), ".xlsx": workbook_labels(files[".xlsx"], language),
            ".docx": draft_labels(files[".docx"]), **({".csv": csv_labels(files[".csv"])} if language == "zh" else {})}


def uncatalogued(labels: dict[str, set[str]], files: dict[str, bytes], language: str = "zh") -> dict[str, set[str]]:
    """What the catalogue does not hold in ``language``, by output (empty: every label is the catalogue's): the labels
    it has no word for, the JSON's keys with an English part it has no word for (Chinese), the draft's headings not
    the template's."""
    keys = [key for key, _ in exports.flatten(json.loads(files[".json"]))]
    data = _shipped("figures.yaml")
    words = data if language == "zh" else data["english"]
    held = {*(cat.term(k, language) for k in cat.catalogue()), *(cat.heading(k, language) for k in cat.catalogue()),
            *(cat.label(k, language) for k in keys), *(cat.heading(k, language) for k in keys),
            *(cat.label(k.partition(".")[2], language) for k in keys if "." in k),  # on its family's sheet
            *(w for w in words["parts"].values() if "{" not in w), *words["headings"].values(),
            *words["actions"].values(), *(cat.sheet_name(name, language) for name in cat.sheets()),
            *(cat.sheet_name(t["title"], language) for sheet in data["sheets"].values()
              for t in sheet.get("tables", {}).values())}
    found = {output: {label for label in shown if label not in held and not CALENDAR.fullmatch(label)}
             for output, shown in labels.items() if output != ".docx"}
    # A place's name (a London borough) is data, not a label: its words are the export's.
    found[".json"] = {key for key in keys if re.search(r"[A-Za-z_]{2,}", cat.label(PLACE.sub(r"\1.地", key)))}
    found[".docx"] = {h for h in labels[".docx"] if not any(t.fullmatch(h) for t in _template_headings(language))}
    return {output: shown for output, shown in found.items() if shown}


def _template_headings(language: str = "zh") -> list[re.Pattern]:
    """The report template's title and headings (and its data notes' heading), each placeholder standing for any
    words."""
    template = _shipped(annual.DEFAULT_TEMPLATE if language == "zh" else annual.SUMMARY_TEMPLATES[language])
    texts = [template["title"], *(text if isinstance(text, str) else text["heading"]
                                   for block in template["blocks"] for kind, text in block.items()
                                   if kind in ("heading1", "heading2", "notes"))]
    return [re.compile(".+".join(re.escape(part) for part in re.split(r"\{\w+\}", text))) for text in texts]


def page_of(report) -> str:
    """The page's blocks as the notebook's cells call them (its charts aside: their words are in the images)."""
    calls = re.findall(r"^(?:display\()?report\.([\w.]+)\(\)\)?$",
                       "\n".join(c.source for c in nbformat.read(NOTEBOOK, 4).cells), re.MULTILINE)
    assert len(calls) > 15, calls
    return "".join(attrgetter(name)(report)().data for name in calls if not name.endswith("chart"))


def render(report, out: Path) -> tuple[str, dict[str, bytes]]:
    """A station report's page and the files beside it (JSON, CSV, workbook, text, Word draft), made here."""
    written = exports.beside(out / str(report.year) / f"{report.station}.html", report.publication(), report.request)
    return page_of(report), {path.suffix: content for path, content in written.items()}


@pytest.fixture(scope="module")
def report(prepared):
    """The sample station's year, computed once: the outputs are made from it as `firestats report` makes them."""
    return station_report(Request.of(STATION, YEAR, prepared))


@pytest.fixture(scope="module")
def outputs(report, tmp_path_factory) -> tuple[str, dict[str, bytes]]:
    return render(report, tmp_path_factory.mktemp("labels"))


@pytest.mark.slow
def test_every_label_of_a_station_reports_outputs_is_the_catalogues(outputs):
    html, files = outputs
    labels = labels_of(html, files)
    assert all(labels.values())  # each output shows labels
    assert {"接处警总数", "保留行", "指标", "出动准备"} <= labels["html"]  # a term, an account, a heading, a part word
    assert {"各科目成绩", "及格率", "总体·平均分"} <= labels[".xlsx"]  # a table's title and heading, a figure
    assert "训练考核·科目·1000米跑·及格率" in labels[".csv"]
    assert "一、主要做法及取得成效" in labels[".docx"]
    assert uncatalogued(labels, files) == {}
    text = files[".txt"].decode("utf-8-sig").strip().split("\r\n\r\n")  # sentences, no labels: the draft's
    assert set(text) <= {p.text for p in docx.Document(io.BytesIO(files[".docx"])).paragraphs}


def test_every_label_of_an_english_stations_outputs_is_the_english_catalogues(english_prepared, tmp_path):
    """London's export (language en): its page, workbook and summary are labelled by the catalogue's English words."""
    html, files = render(station_report(Request.of("Soho", 2023, english_prepared)), tmp_path)
    labels = labels_of(html, files, "en")
    assert {"Incidents", "Rows kept", "Figure", "Call to first arrival, mean"} <= labels["html"]
    assert {"False alarms", "Call to first arrival, 4-5 minutes"} <= labels[".xlsx"]  # less its group word
    assert {"Soho — Annual Summary 2023", "Incidents", "Response", "Data notes"} == labels[".docx"]
    assert uncatalogued(labels, files, "en") == {}
    assert uncatalogued(labels, files) != {}  # held against the Chinese words, they are not


def _card(monkeypatch):
    from firestats.publish import station_report as page

    monkeypatch.setattr(page, "term", lambda key, language="zh": PLANTED if key == "incidents.total" else
                        cat.term(key, language))


def _column(monkeypatch):
    from firestats.publish import response_view

    monkeypatch.setattr(response_view, "table_heading", lambda name, language="zh": PLANTED if name == "median" else
                        cat.table_heading(name, language))


def _figure_row(monkeypatch):
    monkeypatch.setattr(exports, "label", lambda key, language="zh": PLANTED if key == "incidents.total" else
                        cat.label(key, language))


def _json_key(monkeypatch):
    real = exports.rounded

    def planted(figures, key=""):  # the top of the figures gains one nobody catalogued
        top = {**figures, "incidents": {**figures["incidents"], "night_share": 0.3}} if not key else figures
        return real(top, key)

    monkeypatch.setattr(exports, "rounded", planted)


def _heading(monkeypatch):
    real = annual.draft
    monkeypatch.setattr(annual, "draft", lambda *a: [*real(*a), annual.Block("heading1", PLANTED)])


@pytest.mark.slow
@pytest.mark.parametrize("plant, output, label", [
    (_card, "html", PLANTED), (_column, "html", PLANTED), (_figure_row, ".xlsx", PLANTED),
    (_figure_row, ".csv", PLANTED), (_json_key, ".json", "incidents.night_share"), (_heading, ".docx", PLANTED)])
def test_a_label_typed_into_code_is_found(report, tmp_path, monkeypatch, plant, output, label):
    plant(monkeypatch)
    html, files = render(report, tmp_path)
    assert label in uncatalogued(labels_of(html, files), files).get(output, set())


@pytest.mark.slow
def test_every_label_of_a_rendered_report_is_the_catalogues(batch):
    """The same, of a page as `firestats batch` rendered it (nbconvert's page of the notebook's outputs)."""
    page = batch / str(YEAR) / "城东站.html"
    files = {suffix: page.with_suffix(suffix).read_bytes() for suffix in (".json", ".csv", ".xlsx", ".docx", ".txt")}
    labels = labels_of(page.read_text("utf-8"), files)
    assert {"接处警总数", "保留行", "指标", "出动准备"} <= labels["html"]
    assert uncatalogued(labels, files) == {}

"""Files beside each report: the figures as JSON and CSV, the checking workbook, the 年度数据 text and the
Word draft (and for a half, quarter or month its 通报 text), so nobody retypes a number.

Numbers are rounded where they are published (seconds to 0.1, shares to 4 decimals); the workbook
gives each figure exact (not rounded down with 余), as the report writes it, with its unit,
definition and the records it was counted from.
"""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from pathlib import Path
from typing import Any

import xlsxwriter

from firestats.catalogue import (
    Sheet,
    Table,
    accounting_rule,
    catalogue,
    definition,
    family_word,
    label,
    languages,
    part_word,
    sheet_name,
    sheets,
    shown_in,
    table_heading,
    term,
    unit_of,
    unit_word,
)
from firestats.compute.compare import value_at
from firestats.periods import Period
from firestats.privacy import redact_all
from firestats.publish import annual, word
from firestats.publish.narrative import bulletin_paragraph, bulletin_title, written_in
from firestats.publish.paths import BESIDE, BULLETIN
from firestats.request import Request

HEADERS = [table_heading(name) for name in ("figure", "value", "unit", "key")]
WORKBOOK_COLUMNS = ("figure", "value", "written", "unit", "definition", "basis")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DECIMALS = {"秒": 1, "比例": 4}
_COMPARISONS = {"同比": "year_on_year", "环比": "period_on_period"}  # a publication's comparisons, by their headings
# The station notebook's 年度数据 output carries what the exports are written from under this type
# as well as its HTML, so `firestats report` writes them without computing anything a second time.
MIME = "application/vnd.firestats.figures+json"


def rounded(figures: Any, key: str = "") -> Any:
    """The figures as published: seconds to 0.1, shares 0..1 to 4 decimals, the rest as they are."""
    if isinstance(figures, dict):
        return {k: rounded(v, f"{key}.{k}" if key else str(k)) for k, v in figures.items()}
    if isinstance(figures, list):
        return [rounded(v, key) for v in figures]
    if isinstance(figures, float) and math.isfinite(figures) and unit_of(key) in _DECIMALS:
        return round(figures, _DECIMALS[unit_of(key)])
    return figures


def flatten(figures: dict[str, Any], keys: tuple[str, ...] | None = None) -> list[tuple[str, Any]]:
    """Every number in the figures (those under ``keys``, default all) as (dotted key, value)."""
    rows: list[tuple[str, Any]] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append((key, value))

    walk({k: v for k, v in figures.items() if k not in ("station", "year") and (keys is None or k in keys)}, "")
    return rows


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @) kept as text with a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def published(notebook: Any) -> dict[str, Any] | None:
    """What an executed notebook published for its exports, or None if none of its outputs did."""
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            found = output.get("data", {}).get(MIME)
            if found is not None:
                return found
    return None


def beside(html: Path, publication: dict[str, Any], request: Request) -> dict[Path, bytes]:
    """STATION.json, .csv, .xlsx, .txt and .docx to write next to STATION.html (and STATION-通报.txt for a
    half, quarter or month): each path with its bytes.

    ``publication`` is what the report of ``request`` published (figures, the 年度数据 sentences, the
    station's full name, notable incidents, findings, files and sources), redacted; the Word draft is
    worded by the request's template (default: the shipped one).
    """
    publication = redact_all(publication)  # also what a notebook of one's own published
    figures = rounded(publication["figures"])
    period = request.period
    language = publication.get("language") or languages()[0]
    template = annual.load_template(request.options.docx_template, period, language, request.level is not None)
    blocks = annual.draft(template, publication, period)
    # What the records cover goes with the figures (the index marks a report whose records cover part of its period).
    covered = {"coverage": publication["coverage"]} if publication.get("coverage") else {}
    contents = {".json": json.dumps(figures | covered, ensure_ascii=False, indent=2).encode("utf-8"),
                ".csv": _csv(figures).encode("utf-8-sig"),
                ".xlsx": workbook(figures, publication, period),
                ".txt": _plain_text(publication["annual"]),
                ".docx": word.document(blocks, english=language != languages()[0])}
    files = {html.with_suffix(suffix): contents[suffix] for suffix in BESIDE}
    if period.kind != "year":
        files[html.with_name(html.stem + BULLETIN)] = _bulletin(publication, period, language)
    return files


class Early:
    """The files :func:`beside` gives for a report's page, begun on a thread of their own as soon as the notebook
    publishes its figures, while the kernel runs the notebook's later cells: made after the kernel had finished,
    the Word draft and the workbook were a sixth of a warm report's time."""

    def __init__(self, html: Path, request: Request) -> None:
        self.html, self.request = html, request
        self.publication: dict[str, Any] | None = None  # what the files are being made from
        self.made: dict[Path, bytes] | None = None
        self.thread: threading.Thread | None = None

    def seen(self, output: Any) -> None:
        """Begin the files with the first of the notebook's outputs that publishes the figures."""
        found = output.get("data", {}).get(MIME)
        if found is None or self.thread is not None:
            return
        self.publication = found
        self.thread = threading.Thread(target=self._make, name="firestats-exports", daemon=True)
        self.thread.start()

    def _make(self) -> None:
        try:
            self.made = beside(self.html, self.publication, self.request)
        except Exception:  # noqa: BLE001 - made again by files(), on the report's own thread, where it is reported
            self.made = None

    def files(self, publication: dict[str, Any]) -> dict[Path, bytes]:
        """The files for ``publication`` (what the executed notebook holds): those begun early when they were
        begun from it (no later output cleared or replaced it), else made now."""
        if self.thread is not None:
            self.thread.join()
        if publication is self.publication and self.made is not None:
            return self.made
        return beside(self.html, publication, self.request)


def _plain_text(paragraphs: list[str]) -> bytes:
    """Paragraphs as a plain text Notepad and WPS open as they are: UTF-8 with its mark, a blank line between."""
    return ("\r\n\r\n".join(paragraphs) + "\r\n").encode("utf-8-sig")


def _bulletin(publication: dict[str, Any], period: Period, language: str) -> bytes:
    """A period's 通报 as a text of its own: a title naming the station and the period's dates, then its paragraph
    (from the figures as computed, so each reads as on the page); an English station's is its summary's title and
    paragraphs of figures."""
    figures, name = publication["figures"], publication["station_name"]
    if language != languages()[0]:
        return _plain_text([annual.document_name(name, period, language), *publication["annual"]])
    title = bulletin_title(period, name, "members" in publication)  # a level's publication lists its stations
    return _plain_text([title, bulletin_paragraph(figures, period, name)])


def _csv(figures: dict[str, Any]) -> str:
    text = io.StringIO()
    rows = [[neutralise(label(key)), value, neutralise(unit_of(key)), neutralise(key)]
            for key, value in flatten(figures)]
    csv.writer(text, lineterminator="\r\n").writerows([HEADERS, *rows])
    return text.getvalue()


def _basis(family: str, publication: dict[str, Any], language: str) -> str:
    """Where a family's figures were counted from: 接处警记录123条（a.csv、b.xlsx）; Incident records: 123 (a.csv)."""
    source = (publication.get("sources") or {}).get(family)
    name = family_word(family, language)
    if language != languages()[0]:
        return f"{name}: {source['records']} ({', '.join(source['files'])})" if source else \
            f"{name}: {table_heading('no_records', language).lower()}"
    if not source:
        return f"{name}（{table_heading('no_records')}）"
    return f"{name}{source['records']}条（{'、'.join(source['files'])}）"


def workbook(figures: dict[str, Any], publication: dict[str, Any], period: Period) -> bytes:
    """The checking workbook of a period, in the station's language (its export's mapping's): a sheet per record
    family (its figures, then its tables), the named incidents, awards and competitions, 同比/环比, and data quality
    with the reasons of the problem rows."""
    language = publication.get("language") or languages()[0]
    buffer = io.BytesIO()
    # In memory: by default each of the workbook's parts is written to a temporary file before it is zipped.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True}
    with xlsxwriter.Workbook(buffer, options) as book:
        name, english = publication["station_name"], language != languages()[0]
        title = annual.document_name(name, period, language) if english else f"{name} {period.title}"
        called = f"{title} — {table_heading('workbook', language)}" if english else \
            f"{name}{period.title}{table_heading('workbook')}"
        book.set_properties({"title": called})
        bold = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#F2F2F2"})
        cells = _Cells(book, language)
        headers = [table_heading(column, language) for column in WORKBOOK_COLUMNS]
        for name, held in sheets().items():
            sheet = _sheet(book, sheet_name(name, language), title, headers, bold, (30, 12, 14, 8, 48, 40))
            basis = _basis(held.family, publication, language)
            rows = sheet_rows(figures, held)
            for number_, (key, value) in enumerate(rows, start=2):
                sheet.write_row(number_, 0, [neutralise(row_label(key, held, language))])
                cells.number(sheet, number_, 1, value, unit_of(key))
                sheet.write_row(number_, 2, [written_in(key, value, language) or table_heading("no_records", language),
                                             unit_word(unit_of(key), language),
                                             definition(key, language) if key in catalogue() else "", basis])
            row = len(rows) + 2
            if held.family == "assessments" and figures.get("assessments"):
                row = _lists(sheet, row, figures["assessments"], basis, language)
            for key, laid_out in held.tables.items():
                row = _table(sheet, row + 1, key, laid_out, value_at(figures, key), bold, cells)
        _members(book, title, bold, publication, cells)
        _named(book, title, bold, publication, language)
        _honours(book, title, bold, figures, language)
        _compared(book, title, bold, publication, cells)
        _quality(book, title, bold, figures, publication, period, language)
    return buffer.getvalue()


class _Cells:
    """Writes a figure into a cell as a number in its unit's format, or "no records" in the workbook's language."""

    def __init__(self, book, language: str) -> None:
        self.language = language
        self.formats = {"比例": book.add_format({"num_format": "0.0%"}), "秒": book.add_format({"num_format": "0.0"}),
                        "": book.add_format({"num_format": "General"})}

    def number(self, sheet, row: int, column: int, value: float | None, unit: str) -> None:
        if value is None:
            sheet.write_string(row, column, table_heading("no_records", self.language))
        else:
            sheet.write_number(row, column, value, self.formats.get(unit, self.formats[""]))


def sheet_rows(figures: dict[str, Any], held: Sheet) -> list[tuple[str, Any]]:
    """The figures a sheet lists a row each (dotted key, value), in order: its groups' numbers, less those it leaves
    out or lays out as a table."""
    apart = tuple(f"{start}." for start in (*held.leave_out, *held.tables))
    return [(key, value) for key, value in flatten(figures, held.groups) if not key.startswith(apart)]


def row_label(key: str, held: Sheet, language: str = "zh") -> str:
    """A figure's label on its family's sheet: the catalogue's term, else its parts' words without the sheet's own
    group word (总体·及格率 on 训练考核, not 训练考核·总体·及格率)."""
    group, _, rest = key.partition(".")
    if key in catalogue() or not rest or group not in held.groups or "{}" in part_word(group):
        return label(key, language)
    return label(rest, language)


def _table(sheet, row: int, key: str, laid_out: Table, values: dict[str, dict[str, Any]] | None, bold,
           cells: _Cells) -> int:
    """A group of figures as a table under a title naming it (科目 × 有效成绩, 及格率 …; 人员 × 1月, 2月 …); the row
    after it."""
    if not values:
        return row
    language = cells.language
    chinese = language == languages()[0]
    columns = list(dict.fromkeys(c for per_row in values.values() for c in per_row))  # the figures' order
    if all(str(c).isdigit() for c in columns):  # months a person has results in, in the calendar's order
        columns.sort(key=int)
    column_word = laid_out.column if chinese else "{}"
    sheet.write_string(row, 0, sheet_name(laid_out.title, language))
    sheet.write_row(row + 1, 0, [table_heading(laid_out.rows, language),
                                 *(column_word.format(c) if laid_out.column else part_word(c, language)
                                   for c in columns)], bold)
    for offset, name in enumerate(values, start=row + 2):
        sheet.write_string(offset, 0, neutralise((laid_out.row if chinese else "{}").format(name)))
        for column, part in enumerate(columns, start=1):
            cells.number(sheet, offset, column, values[name].get(part), unit_of(f"{key}.{name}.{part}"))
    return row + 2 + len(values)


def _sheet(book, name: str, title: str, headers: list[str], bold, widths: tuple[int, ...]):
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, f"{title}·{name}")
    sheet.write_row(1, 0, headers, bold)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(2, 1)
    return sheet


def _score_table_named(table: dict[str, Any]) -> str:
    """A score table as a text names it: its title, and （示例） after an example's whose title does not say so."""
    example = not table["official"] and "示例" not in table["title"]
    return f"{table['title']}（示例）" if example else table["title"]


def _lists(sheet, row: int, assessments: dict[str, Any], basis: str, language: str) -> int:
    """The weakest and strongest items and the score table, as text rows under the numbers; the row after them."""
    table = assessments["score_table"]
    entries = [(table_heading("weakest_items", language), "、".join(assessments["weakest_items"]) or "—"),
               (table_heading("strongest_items", language), "、".join(assessments["strongest_items"]) or "—"),
               (table_heading("score_table", language), _score_table_named(table))]
    for offset, (name, text) in enumerate(entries):
        sheet.write_row(row + offset, 0, [name, neutralise(text), neutralise(text), "", "", basis])
    return row + len(entries)


def _members(book, title: str, bold, publication: dict[str, Any], cells: _Cells) -> None:
    """A level's stations: a sheet per record family, a row per station and the level's total last (computed from
    all its records: its medians and rates are its own, never its stations' averaged), a column per figure of the
    catalogue's ``overview`` view."""
    members = publication.get("members")
    if not members:
        return
    stations = members["table"]
    for family in ("incidents", "assessments", "activities"):
        keys = [e.key for e in shown_in("overview") if _family(e.key) == family]
        sheet = _sheet(book, f"各站{family_word(family)}", title, [table_heading("station"), *map(label, keys)],
                       bold, (16, *(12 for _ in keys)))
        for row, (station, values) in enumerate(stations.items(), start=2):
            sheet.write_string(row, 0, neutralise(station))
            for column, key in enumerate(keys, start=1):
                cells.number(sheet, row, column, values[key], unit_of(key))  # exact, as checked


def _family(key: str) -> str:
    """The record family a figure is counted from, by its key (assessments.…, activities.…, else incidents)."""
    group = key.split(".", 1)[0]
    return group if group in ("assessments", "activities") else "incidents"


def _named(book, title: str, bold, publication: dict[str, Any], language: str) -> None:
    """The incidents the draft names (成功处置了…), each with its date, place and kind."""
    sheet = _sheet(book, sheet_name("典型警情", language), title,
                   [table_heading(name, language) for name in ("date", "place", "kind")], bold, (12, 40, 16))
    named = publication.get("named") or []
    for number_, incident in enumerate(named, start=2):
        sheet.write_row(number_, 0, [neutralise(incident[part]) for part in ("date", "place", "kind")])
    if not named:
        sheet.write_string(2, 0, "—")


def _compared(book, title: str, bold, publication: dict[str, Any], cells: _Cells) -> None:
    """同比 (and 环比 for a part of a year): each headline figure now and then, its change and change in per cent, as
    the page compares them."""
    language = cells.language
    sheet = _sheet(book, sheet_name("同比环比", language), title,
                   [table_heading(name, language) for name in ("comparison", "figure", "this_period", "that_period",
                                                               "change", "change_pct")], bold, (12, 30, 12, 12, 12, 12))
    row = 2
    for other in publication.get("compared") or []:
        kind = table_heading(_COMPARISONS[other["kind"]], language)
        if other.get("rows") is None:
            sheet.write_row(row, 0, [kind, table_heading("no_records", language)])
            row += 1
            continue
        for r in other["rows"]:
            sheet.write_row(row, 0, [kind, term(r["key"], language)])
            for column, part in ((2, "this"), (3, "last"), (4, "change")):
                value = rounded(r[part], r["key"])
                cells.number(sheet, row, column, round(value, 4) if isinstance(value, float) else value, r["unit"])
            cells.number(sheet, row, 5, None if r["change_pct"] is None else round(r["change_pct"] / 100, 4), "比例")
            row += 1


def _honours(book, title: str, bold, figures: dict[str, Any], language: str) -> None:
    sheet = _sheet(book, sheet_name("获奖与比武", language), title,
                   [table_heading(name, language) for name in ("date", "category", "content")], bold, (12, 12, 50))
    activities = figures.get("activities") or {}
    award, competition, placing = (table_heading(name, language) for name in ("award", "competition", "placing"))
    rows = [(e["date"], award, e["content"]) for e in activities.get("awards") or []]
    rows += [(e["date"], competition, e["content"]) for e in activities.get("competitions") or []]
    rows += [(c["date"], placing, table_heading("placed", language).format(person=c["person"], rank=c["rank"]))
             for c in (figures.get("assessments") or {}).get("competitions") or []]
    # By date and kind alone: a competition's placings stay in the order of their ranks (1, 2, 3), not of names.
    for number_, row in enumerate(sorted(rows, key=lambda r: r[:2]), start=2):
        sheet.write_row(number_, 0, [neutralise(cell) for cell in row])
    if not rows:
        sheet.write_string(2, 0, table_heading("no_records", language))


def _quality(book, title: str, bold, figures: dict[str, Any], publication: dict[str, Any], period: Period,
             language: str) -> None:
    """Where every input row went: each file, then the station's incidents, in the catalogue's accounting terms."""
    accounts = shown_in("accounting")
    sheet = _sheet(book, sheet_name("数据质量", language), title,
                   [table_heading("file", language), *(term(e.key, language) for e in accounts)], bold,
                   (36, 10, 10, 10, 10))
    row = 2
    for f in publication.get("files") or []:
        sheet.write_row(row, 0, [neutralise(f["source_file"]), *(f[e.shown["accounting"].name] for e in accounts)])
        row += 1
    mine = table_heading("incidents_here", language).format(this=period.this)
    sheet.write_row(row + 1, 0, [mine, *(value_at(figures, e.key) for e in accounts)])
    sheet.write_string(row + 2, 0, accounting_rule(language))
    sheet.write_row(row + 4, 0, [table_heading(name, language) for name in ("reason", "action", "rows")], bold)
    for offset, problem in enumerate(publication.get("problems") or [], start=row + 5):
        sheet.write_row(offset, 0, [neutralise(problem["reason"]), problem["action"], problem["rows"]])

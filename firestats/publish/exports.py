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
from pathlib import Path
from typing import Any

import xlsxwriter

from firestats.catalogue import (
    accounting_rule,
    catalogue,
    definition,
    family_word,
    label,
    languages,
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
    blocks = annual.draft(annual.load_template(request.options.docx_template, period, language), publication, period)
    contents = {".json": json.dumps(figures, ensure_ascii=False, indent=2).encode("utf-8"),
                ".csv": _csv(figures).encode("utf-8-sig"),
                ".xlsx": workbook(figures, publication, period),
                ".txt": _plain_text(publication["annual"]),
                ".docx": word.document(blocks, english=language != languages()[0])}
    files = {html.with_suffix(suffix): contents[suffix] for suffix in BESIDE}
    if period.kind != "year":
        files[html.with_name(html.stem + BULLETIN)] = _bulletin(publication, period, language)
    return files


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
    return _plain_text([bulletin_title(period, name), bulletin_paragraph(figures, period, name)])


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
    """The checking workbook of a period: a sheet per record family, awards and competitions, and data quality, in
    the station's language (its export's mapping's)."""
    language = publication.get("language") or languages()[0]
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        name, english = publication["station_name"], language != languages()[0]
        title = annual.document_name(name, period, language) if english else f"{name} {period.title}"
        called = f"{title} — {table_heading('workbook', language)}" if english else \
            f"{name}{period.title}{table_heading('workbook')}"
        book.set_properties({"title": called})
        bold = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#F2F2F2"})
        formats = {"比例": book.add_format({"num_format": "0.0%"}), "秒": book.add_format({"num_format": "0.0"}),
                   "": book.add_format({"num_format": "General"})}
        headers = [table_heading(column, language) for column in WORKBOOK_COLUMNS]
        for name, held in sheets().items():
            sheet = _sheet(book, sheet_name(name, language), title, headers, bold, (16, 12, 14, 8, 40, 40))
            basis = _basis(held.family, publication, language)
            rows = flatten(figures, held.groups)
            for number_, (key, value) in enumerate(rows, start=2):
                sheet.write_row(number_, 0, [neutralise(label(key, language))])
                if value is None:
                    sheet.write_string(number_, 1, table_heading("no_records", language))
                else:
                    sheet.write_number(number_, 1, value, formats.get(unit_of(key), formats[""]))
                sheet.write_row(number_, 2, [written_in(key, value, language) or table_heading("no_records", language),
                                             unit_word(unit_of(key), language),
                                             definition(key, language) if key in catalogue() else "", basis])
            if held.family == "assessments" and figures.get("assessments"):
                _lists(sheet, len(rows) + 2, figures["assessments"], basis, language)
        _honours(book, title, bold, figures, language)
        _quality(book, title, bold, figures, publication, period, language)
    return buffer.getvalue()


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


def _lists(sheet, row: int, assessments: dict[str, Any], basis: str, language: str) -> None:
    """The weakest and strongest items and the score table, as text rows under the numbers."""
    table = assessments["score_table"]
    entries = [(table_heading("weakest_items", language), "、".join(assessments["weakest_items"]) or "—"),
               (table_heading("strongest_items", language), "、".join(assessments["strongest_items"]) or "—"),
               (table_heading("score_table", language), _score_table_named(table))]
    for offset, (name, text) in enumerate(entries):
        sheet.write_row(row + offset, 0, [name, neutralise(text), neutralise(text), "", "", basis])


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

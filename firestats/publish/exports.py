"""Files beside each report: the figures as JSON, CSV and Excel with Chinese headers, and the
annual-data block as text, so nobody retypes a number."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import xlsxwriter

from firestats.catalogue import catalogue, label
from firestats.files import write_atomic

HEADERS = ["指标", "数值", "单位", "键"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The station notebook's 年度数据 output carries the figures under this type as well as its HTML,
# so `firestats report` writes the exports without computing them a second time.
MIME = "application/vnd.firestats.figures+json"


def flatten(figures: dict[str, Any]) -> list[list[Any]]:
    """Every number in the figures as a row: Chinese label, value, unit and its dotted key (see HEADERS)."""
    rows = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
            known = catalogue().get(key)
            rows.append([label(key), value, known.unit if known else "", key])

    walk({k: v for k, v in figures.items() if k not in ("station", "year")}, "")
    return rows


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @) kept as text with a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def publication(figures: dict[str, Any], block: list[str]) -> dict[str, Any]:
    """What a notebook output carries under :data:`MIME`: the figures and the annual block's sentences."""
    return {"figures": figures, "annual": block}


def published(notebook: Any) -> tuple[dict[str, Any], list[str]] | None:
    """The figures and annual block an executed notebook published, or None if none of its outputs did."""
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            found = output.get("data", {}).get(MIME)
            if found is not None:
                return found["figures"], found["annual"]
    return None


def write_beside(html: Path, figures: dict[str, Any], block: list[str]) -> list[Path]:
    """Write STATION.json, .csv, .xlsx and .txt next to STATION.html; returns their paths."""
    # Labels, units and keys neutralised; the numbers stay numbers.
    safe = [[neutralise(label), value, neutralise(unit), neutralise(key)]
            for label, value, unit, key in flatten(figures)]
    title = f"{figures['station']} {figures['year']}年度"
    paths = {suffix: html.with_suffix(suffix) for suffix in (".json", ".csv", ".xlsx", ".txt")}
    write_atomic(paths[".json"], json.dumps(figures, ensure_ascii=False, indent=2).encode("utf-8"))
    write_atomic(paths[".csv"], _csv(safe).encode("utf-8-sig"))
    write_atomic(paths[".xlsx"], _xlsx(safe, title))
    write_atomic(paths[".txt"], ("\r\n\r\n".join(block) + "\r\n").encode("utf-8-sig"))
    return list(paths.values())


def _csv(rows: list[list[Any]]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HEADERS, *rows])
    return text.getvalue()


def _xlsx(rows: list[list[Any]], title: str) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        sheet = book.add_worksheet("指标")
        sheet.write_string(0, 0, title)
        sheet.write_row(1, 0, HEADERS, book.add_format({"bold": True, "border": 1, "align": "center"}))
        for number, row in enumerate(rows, start=2):
            sheet.write_row(number, 0, row)
        sheet.set_column(0, 0, 28)
        sheet.set_column(3, 3, 40)
    return buffer.getvalue()

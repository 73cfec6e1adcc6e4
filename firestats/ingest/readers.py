"""Read spreadsheet and CSV exports into raw tables of cells, with the header row found.

Readers only read: they never parse values or drop records. Each returned row carries the
file it came from and its row number as the user sees it in a spreadsheet (1-based).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from firestats.errors import InputError, NoHeaderRow
from firestats.ingest.octets import surely_filled
from firestats.ingest.parse import may_hold_forbidden, most_bytes
from firestats.ingest.text_table import PIECE_BYTES, TextGrid, decode, parse_text, text_encoding, text_pieces
from firestats.ingest.workbook_scan import scan_ods, scan_xls, scan_xlsx
from firestats.privacy import XML_FORBIDDEN
from firestats.schema import aliases
from firestats.settings import header_search_rows
from firestats.vocabulary.messages import _
from firestats.vocabulary.problems import FLAGGED, QUARANTINE
from firestats.vocabulary.spelling import normalise_header, unique_names

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES
READ_PROBLEM_COLUMNS = ["source_row", "action", "reason", "column", "value"]
# A cell longer than this is no field of an export (an Excel cell holds 32,767 characters; this is the csv module's
# own limit): its row is quarantined, shown cut to its first characters, and the other rows read.
CELL_CHARS = 131_072
_SHOWN_CHARS = 40
_FORBIDDEN = re.compile(XML_FORBIDDEN)


@dataclass
class RawTable:
    """The cells of one sheet below its header, as text or as the spreadsheet typed them."""

    path: Path
    frame: pd.DataFrame  # columns: the export's own headers, then source_file, source_row
    source: str  # what source_file says: the file's name (and sheet, see source_name)
    header_row: int  # 1-based row number of the header
    encoding: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)  # sheets with cells but no header row
    # Rows the reader itself found wrong (source_row, action, reason, column, value); quarantined ones
    # are not in ``frame``.
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=READ_PROBLEM_COLUMNS))
    # A large text export's rows after ``frame``'s, a piece at a time: each piece's frame and problem rows.
    pieces: Iterator[tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=lambda: iter(()))



def match_headers(headers: list[str], table: dict[str, list[str]]) -> dict[str, str]:
    """Which export header is each field (``table``: field -> spellings); the first header wins."""
    by_alias = {normalise_header(a): f for f, names in table.items() for a in names}
    found: dict[str, str] = {}
    for h in headers:
        name = by_alias.get(normalise_header(h))
        if name and name not in found:
            found[name] = h
    return found


def find_inputs(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders into the readable export files, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(
                f for f in sorted(p.rglob("*"))
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith((".", "~$"))
            )
        elif p.is_file():
            found.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return list({f.resolve(): f for f in reversed(found)}.values())[::-1]  # a file named twice is read once


def source_name(file_name: str, sheet: str | None) -> str:
    """How rows of a file (and sheet, in a workbook of several) are named: ``警情.xlsx!二月``."""
    return file_name if sheet is None else f"{file_name}!{sheet}"


def read_tables(path: Path, known_headers: set[str], name: str | None = None) -> list[RawTable]:
    """Read one export, locating each header row among the first rows by known header names.

    A CSV gives one table; a workbook one per sheet with a header row. Rows are attributed to
    ``name`` (default: the file's name), with the sheet (see :func:`source_name`) when a workbook
    has more than one sheet that is not blank; sheets with cells but no header row (a 填表说明
    sheet) are listed, so named, in the first table's ``ignored_sheets``.
    """
    name = name or path.name
    suffix = path.suffix.lower()
    encoding, text_grid, shapes = None, None, {}
    try:
        if suffix in EXCEL_SUFFIXES:
            if suffix in (".xlsx", ".xlsm"):
                shapes = scan_xlsx(path)  # before the reader allocates what the file asks for
            elif suffix == ".ods":
                scan_ods(path)
            elif suffix == ".xls":
                scan_xls(path)
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
        elif suffix in TEXT_SUFFIXES and path.stat().st_size > PIECE_BYTES:
            return [_read_pieces(path, known_headers, name, suffix)]
        elif suffix in TEXT_SUFFIXES:
            text, encoding = decode(path)
            text_grid = parse_text(text, _separator(suffix, text))
            sheets = {None: text_grid.cells}
        else:
            raise InputError(f"{path}: not a spreadsheet or CSV export (suffix {path.suffix!r})")
    except InputError:
        raise
    except Exception as exc:  # any reader failure becomes one line naming the file
        raise InputError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc
    filled = {sheet: grid for sheet, grid in sheets.items() if grid.notna().any(axis=None)} or sheets
    if len(filled) == 1:
        sheet, grid = next(iter(filled.items()))
        return [_locate_header(path, grid, known_headers, encoding, name, text=text_grid,
                               merged=_merged_in(shapes, sheet))]
    tables, ignored = [], []
    for sheet, grid in filled.items():
        try:
            tables.append(_locate_header(path, grid, known_headers, encoding, name, str(sheet),
                                         merged=_merged_in(shapes, sheet)))
        except InputError:
            ignored.append(source_name(name, str(sheet)))
    if not tables:
        raise InputError(f"{path}: no sheet has a header row in its first {header_search_rows()} rows "
                         f"(expected column names such as 警情编号, 接警时间, 出动站)")
    tables[0].ignored_sheets = ignored
    return tables


def _locate_header(path: Path, grid: pd.DataFrame, known: set[str], encoding: str | None, name: str,
                   sheet: str | None = None, text: TextGrid | None = None,
                   merged: set[tuple[int, int, int, int]] = frozenset()) -> RawTable:
    grid.index = pd.RangeIndex(1, len(grid) + 1)  # spreadsheet row numbers
    header_row, headers = _header(path, grid, known)
    source = source_name(name, sheet)
    width = text.head_widths[header_row - 1] if text is not None else None
    body, problems = _cells(grid.loc[header_row + 1 :], headers, source, width, text.unclosed if text else {}, merged)
    ignored = [h for h in body.columns[:-2] if normalise_header(h) not in known]
    return RawTable(path=path, frame=body, source=source, header_row=header_row, encoding=encoding,
                    ignored_columns=ignored, problems=problems)


def _header(path: Path, grid: pd.DataFrame, known: set[str]) -> tuple[int, list[str]]:
    """The header's row number (among the first rows, by known header names) and its column names."""
    top = grid.head(header_search_rows()).map(lambda v: "" if pd.isna(v) else str(v).strip())
    # A point alone names no record: a table of 名称, 经度, 纬度 is the stations' positions beside the exports.
    placed = {normalise_header(a) for f in ("latitude", "longitude") for a in aliases()["headers"][f]}
    naming = known - placed
    scores = top.apply(lambda row: sum(normalise_header(v) in naming for v in row if v), axis=1)
    if scores.empty or scores.max() < 2:
        raise NoHeaderRow(_("{path}: no header row found in the first {rows} rows").format(
            path=path, rows=header_search_rows()))
    header_row = int(scores.idxmax())
    headers = list(top.loc[header_row])
    # A two-row header (a merged group title above its columns) scores better read together.
    for upper, lower in ((header_row - 1, header_row), (header_row, header_row + 1)):
        if upper in top.index and lower in top.index:
            joined = _two_row_names(list(top.loc[upper]), list(top.loc[lower]), known)
            if sum(normalise_header(h) in naming for h in joined) > scores[header_row]:
                headers, header_row = joined, lower
                break
    return header_row, headers


def _cells(body: pd.DataFrame, headers: list[str], source: str, width: int | None, unclosed: dict[int, int],
           merged: set[tuple[int, int, int, int]] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows below a header as the table's frame (blank rows and unnamed blank columns left out, with
    source_file and source_row) and the reader's problem rows; ``width``: the header line's fields, for a text
    export whose lines can be broken in ways a workbook's rows cannot."""
    body.columns = range(len(headers))
    if merged:
        body = _fill_merged(body, merged)
    problems = []
    if width is not None:
        body, problems = _broken_lines(body, width, headers, unclosed)
    blank = pd.DataFrame({i: _blank(body[i]) for i in body.columns})
    keep_cols = [i for i in body.columns if headers[i] or not blank[i].all()]
    body = body.loc[~blank.all(axis=1), keep_cols].copy()
    body.columns = unique_names([headers[i] or f"未命名列{i + 1}" for i in keep_cols])
    body, oversized = _oversized(body)
    problems += oversized + _control_characters(body)
    body["source_file"] = source
    body["source_row"] = body.index.astype("int64")
    return body.reset_index(drop=True), pd.DataFrame(problems, columns=READ_PROBLEM_COLUMNS)


def _read_pieces(path: Path, known: set[str], name: str, suffix: str) -> RawTable:
    """A large text export: its first piece read now (header, notes), the others as ``RawTable.pieces``."""
    encoding = text_encoding(path)
    pieces = text_pieces(path, encoding, PIECE_BYTES)
    first = next(pieces)
    sep = _separator(suffix, first)
    grid = parse_text(first, sep)
    table = _locate_header(path, grid.cells, known, encoding, name, text=grid)
    header_row, headers = _header(path, grid.cells, known)
    width = grid.head_widths[header_row - 1]
    table.pieces = _later_pieces(path, pieces, sep, headers, table.source, width, len(grid.cells))
    return table


def _later_pieces(path: Path, pieces: Iterator[str], sep: str, headers: list[str], source: str, width: int,
                  before: int) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each later piece's frame and problem rows, numbered on from the ``before`` rows of the pieces read."""
    try:
        for text in pieces:
            grid = parse_text(text, sep)
            cells = grid.cells.reindex(columns=range(max(len(headers), grid.cells.shape[1])))
            cells.index = pd.RangeIndex(before + 1, before + len(cells) + 1)
            named = headers + [""] * (cells.shape[1] - len(headers))
            yield _cells(cells, named, source, width, {row + before: col for row, col in grid.unclosed.items()})
            before += len(cells)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc


def _separator(suffix: str, text: str) -> str:
    return "\t" if suffix == ".tsv" or (suffix == ".txt" and "\t" in text[:4096]) else ","


def pieces(table: RawTable) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """The table's rows and the reader's problem rows, a piece at a time (one piece but for a large text export)."""
    yield table.frame, table.problems
    yield from table.pieces


def whole(table: RawTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table's rows and the reader's problem rows, every piece read."""
    frames, problems = zip(*pieces(table))
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), line_problems(list(problems))


def line_problems(found: list[pd.DataFrame]) -> pd.DataFrame:
    """The problem rows of a table's pieces, ordered as one read of the whole gives them: broken lines, then
    quotes never closed."""
    if len(found) == 1:
        return found[0]
    every = pd.concat(found, ignore_index=True)
    return every.iloc[np.argsort((every["reason"] == "unclosed_quote").to_numpy(), kind="stable")]


def _merged_in(shapes: dict, sheet: object) -> set[tuple[int, int, int, int]]:
    shape = shapes.get(str(sheet))
    return shape.merged if shape else set()


def _fill_merged(body: pd.DataFrame, merged: set[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Every cell of a merged range given the value its first cell holds, as the sheet shows it
    (出动站 merged over four rows is the station of all four)."""
    body = body.copy()
    for first_row, first_col, last_row, last_col in merged:
        if first_row in body.index and first_col in body.columns:
            rows = body.index[(body.index >= first_row) & (body.index <= last_row)]
            cols = [c for c in body.columns if first_col <= c <= last_col]
            body.loc[rows, cols] = body.at[first_row, first_col]
    return body


def _broken_lines(body: pd.DataFrame, width: int, headers: list[str],
                  unclosed: dict[int, int]) -> tuple[pd.DataFrame, list[dict]]:
    """Lines with more fields than the header line's ``width`` (a comma typed into a cell shifts every
    cell after it: quarantined) and lines with a quote that never closed (read literally: flagged)."""
    beyond = body.loc[:, body.columns >= width]
    spill = ~pd.DataFrame({i: _blank(beyond[i]) for i in beyond.columns}, index=body.index).all(axis=1)
    problems = [{"source_row": row, "action": QUARANTINE, "reason": "extra_fields", "column": "",
                 "value": ",".join(v for v in beyond.loc[row].dropna().astype(str) if v.strip())}
                for row in spill[spill].index]
    problems += [{"source_row": row, "action": FLAGGED, "reason": "unclosed_quote", "column": headers[col],
                  "value": str(body.at[row, col])} for row, col in unclosed.items() if row in body.index]
    return body.loc[~spill, body.columns < width], problems


def _oversized(body: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """The rows without a cell longer than ``CELL_CHARS``, and the others quarantined (each named by its first
    such cell, cut short)."""
    # A cell has no more characters than bytes: only columns with a cell of more bytes are counted in characters.
    lengths = pd.DataFrame({c: body[c].astype("string").str.len().fillna(0) for c in body.columns
                            if not _typed(body[c]) and most_bytes(body[c]) > CELL_CHARS}, index=body.index)
    over = lengths > CELL_CHARS
    rows = over.any(axis=1) if len(over.columns) else pd.Series(False, index=body.index)
    problems = []
    for row in rows[rows].index:
        column = over.columns[over.loc[row]][0]
        shown = f"{str(body.at[row, column])[:_SHOWN_CHARS]}…（{int(lengths.at[row, column]):,} 个字符）"
        problems.append({"source_row": row, "action": QUARANTINE, "reason": "oversized_cell", "column": column,
                         "value": shown})
    return body[~rows], problems


def _control_characters(body: pd.DataFrame) -> list[dict]:
    """Cells holding characters XML forbids (parse.text takes them out): flagged, each shown with them written
    as escapes (\\x0b), so the data-quality table says which cells lost what."""
    found = []
    for column in body.columns:
        if not _typed(body[column]) and may_hold_forbidden(body[column]):
            cells = body[column].astype("string")
            hit = cells.str.contains(XML_FORBIDDEN, regex=True).fillna(False).astype(bool)
            found += [{"source_row": row, "action": FLAGGED, "reason": "control_characters", "column": column,
                       "value": _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}", cells[row])}
                      for row in hit[hit].index]
    return found


def _two_row_names(upper: list[str], lower: list[str], known: set[str]) -> list[str]:
    """Column names of a two-row header: a merged title spreads right over its blank cells."""
    filled, last = [], ""
    for cell in upper:
        last = cell or last
        filled.append(last)
    names = []
    for group, below, own in zip(filled, lower, upper):
        options = [group + below, below, own] if below else [own]
        names.append(next((o for o in options if normalise_header(o) in known), below or own))
    return names


def _typed(column: pd.Series) -> bool:
    """A column of numbers or times alone, which holds no text."""
    return pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_datetime64_any_dtype(column.dtype)


def _blank(column: pd.Series) -> pd.Series:
    if _typed(column):
        return column.isna()
    as_text = column.astype("string")
    # Most cells open with a character nothing strips (octets.surely_filled): only the others are stripped.
    blank = ~surely_filled(pa.array(as_text))
    if blank.any():
        blank[blank] = _blank_text(as_text[blank]).to_numpy()
    return pd.Series(blank, index=column.index)


def _blank_text(as_text: pd.Series) -> pd.Series:
    """Which text cells hold nothing but white space and control characters (or are NA)."""
    # A cell of control characters alone (a DOS export's closing Ctrl-Z on a line of its own) is blank too.
    if may_hold_forbidden(as_text):
        as_text = as_text.str.replace(XML_FORBIDDEN, "", regex=True)
    return (as_text.isna() | (as_text.str.strip() == "")).astype(bool)

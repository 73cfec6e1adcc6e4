"""CSV and TSV exports as a grid of text cells, one row per record, with the lines a broken quote swallowed.

A quoted cell may hold line breaks (Excel writes a 备注 typed over two lines that way), but a quote
that opens and never closes swallows every following line into one cell. Such a record is read
again line by line and the line with the stray quote is named, so no incident disappears into an
address.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from firestats.errors import InputError

# Rows whose field count is kept: as many as a header may sit below the top, and the one under it.
HEAD_ROWS = 32
# Tried in order: UTF-8 (with or without BOM) fails loudly on GBK bytes, GB18030 decodes any GBK.
ENCODINGS = ("utf-8-sig", "gb18030")
# A text export larger than this is read a piece of whole records at a time: as a grid of cells a
# file costs some five times its size in memory (a 130 MB export of a million rows, 700 MB whole).
PIECE_BYTES = 16 * 2**20


@dataclass
class TextGrid:
    """The cells of a text export (rows numbered from 1 as a spreadsheet shows them) and the rows
    whose quote never closed: row number -> index of the cell that opened it."""

    cells: pd.DataFrame
    unclosed: dict[int, int] = field(default_factory=dict)
    head_widths: list[int] = field(default_factory=list)  # how many fields each of the first rows has


def decode(path: Path) -> tuple[str, str]:
    """A text file's content and the encoding that read it (UTF-8 with or without BOM, or GB18030)."""
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path}: text is neither UTF-8 nor GB18030")


def text_encoding(path: Path, block: int = PIECE_BYTES) -> str:
    """The encoding ``decode`` would find for the whole file: UTF-8 when every block decodes so, else GB18030
    (found at the first block that is not UTF-8; a byte GB18030 cannot read either is refused when its piece
    is decoded)."""
    decoder = codecs.getincrementaldecoder(ENCODINGS[0])()
    try:
        with path.open("rb") as file:
            while data := file.read(block):
                decoder.decode(data)
        decoder.decode(b"", final=True)
        return ENCODINGS[0]
    except UnicodeDecodeError:
        return ENCODINGS[1]


def text_pieces(path: Path, encoding: str, size: int = PIECE_BYTES) -> Iterator[str]:
    """A text file's content in pieces of about ``size`` bytes, each cut after a line break where the quotes
    before it are balanced: no record is split, and each piece's records are the whole file's (from the BOM on,
    decoded as ``decode`` would the whole)."""
    with path.open("rb") as file:
        held, first = b"", True
        while True:
            data = file.read(size)
            held += data
            cut = _balanced_cut(held) if data else len(held)
            if cut:
                yield held[:cut].decode(encoding if first else encoding.removesuffix("-sig"))
                held, first = held[cut:], False
            if not data:
                return


def _balanced_cut(data: bytes) -> int:
    """Just after the last line break with an even number of quotes before it (0: none, read on)."""
    quotes = data.count(b'"')
    end = len(data)
    while (line := data.rfind(b"\n", 0, end)) >= 0:
        quotes -= data.count(b'"', line + 1, end)
        if quotes % 2 == 0:
            return line + 1
        end = line
    return 0


def parse_text(text: str, sep: str) -> TextGrid:
    """A CSV's text as a grid of strings, one row per record, so row numbers stay true."""
    data = text.encode("utf-8")
    options = {"header": None, "dtype": str, "keep_default_na": False, "sep": sep}
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    # Arrow's reader is an order of magnitude faster, but it skips blank lines (put back here, so row numbers stay
    # true) and rejects ragged rows (a title line above the header): those go to pandas' own.
    blank = _blank_lines(data) if _has_blank_line(data) else np.array([], dtype=np.int64)
    grid = _arrow_grid(data, options, blank)
    uniform = grid is not None
    if grid is None:
        grid = _padded_grid(data, sep, options)
        if grid is None:  # a quote still open at the end of the file
            return _line_by_line(text, sep)
    if len(grid) < lines:  # some record spans lines: a cell with line breaks, or a quote never closed
        return _line_by_line(text, sep)
    if uniform:
        widths = np.full(min(len(grid), HEAD_ROWS), grid.shape[1])
        widths[blank[blank < HEAD_ROWS]] = 0  # a blank line has no fields
        return TextGrid(grid, head_widths=widths.tolist())
    # Every line is one row here; pandas pads short lines with empty cells, so count the fields of
    # the first ones (where the header is) to know which cells a header line really names.
    _long_fields(text)
    head = csv.reader(itertools.islice(io.StringIO(text, newline=""), HEAD_ROWS), delimiter=sep)
    return TextGrid(grid, head_widths=[len(fields) for fields in head])


def _padded_grid(data: bytes, sep: str, options: dict) -> pd.DataFrame | None:
    """The grid as pandas' reader reads it, blank lines as rows of empty cells and short lines padded, or None where
    a quote is still open at the end."""
    # A title line with fewer fields than the header (江北站2024年工作台账, no trailing commas) would
    # fix the column count at one: give the reader the widest line's count instead.
    widest = max(line.count(sep.encode()) for line in data.splitlines() or [b""]) + 1
    try:
        return pd.read_csv(io.BytesIO(data), skip_blank_lines=False, names=range(widest), **options)
    except pd.errors.ParserError:
        return None


def _arrow_grid(data: bytes, options: dict, blank: np.ndarray) -> pd.DataFrame | None:
    """The grid as Arrow reads it with a row of empty cells put back for each ``blank`` line (0-based line numbers), as
    pandas' reader gives one; None where its rows are ragged."""
    try:
        grid = pd.read_csv(io.BytesIO(data), engine="pyarrow", **options)
    except (pa.ArrowInvalid, ValueError):
        return None
    if not len(blank) or blank[-1] >= len(grid) + len(blank):  # the latter: a record spans lines, read line by line
        return grid
    before = blank - np.arange(len(blank))  # how many rows as read come before each blank line
    return pd.DataFrame({column: _with_empty_cells(grid[column], before) for column in grid.columns})


def _with_empty_cells(column: pd.Series, before: np.ndarray) -> pd.Series:
    """A column with an empty cell put in after each ``before`` of its cells (in order; a number twice puts two): the
    cells around them sliced, not copied (reindexing a piece copied its every cell, 0.15 s a piece)."""
    read = pa.array(column)
    read = read if isinstance(read, pa.ChunkedArray) else pa.chunked_array([read])
    empty = pa.array([""], type=read.type)
    chunks, start = [], 0
    for stop in before.tolist():
        chunks += [*read.slice(start, stop - start).chunks, empty]
        start = stop
    chunks += read.slice(start).chunks
    return pd.Series(pd.array(pa.chunked_array(chunks, type=read.type), dtype=column.dtype))


def _blank_lines(data: bytes) -> np.ndarray:
    """0-based numbers of the empty lines (nothing, or a lone carriage return, before a line break)."""
    octets = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(octets == ord("\n"))
    starts = np.concatenate([[0], ends[:-1] + 1])
    lone_cr = (ends - starts == 1) & (octets[np.minimum(starts, len(octets) - 1)] == ord("\r"))
    return np.flatnonzero((ends == starts) | lone_cr)


def _has_blank_line(data: bytes) -> bool:
    """An empty line anywhere but at the very end (byte searches, not a regex: files are large)."""
    body = data.rstrip(b"\r\n")
    return body.startswith((b"\n", b"\r\n")) or b"\n\n" in body or b"\n\r\n" in body


def _line_by_line(text: str, sep: str) -> TextGrid:
    """Records read with their physical lines; a record whose continuation lines look like rows of
    their own (as many separators as half a row) is a quote that never closed: its lines are read
    one by one, the line with the stray quote taken literally."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    _long_fields(text)
    spans = _record_spans(lines)
    parsed = [_fields("\n".join(lines[first : last + 1]), sep) for first, last in spans]
    single = Counter(len(f) for f, (first, last) in zip(parsed, spans) if first == last and f)
    half_row = max(1, (single.most_common(1)[0][0] - 1) // 2 if single else 1)
    rows: list[list[str]] = []
    unclosed: dict[int, int] = {}
    for fields, (first, last) in zip(parsed, spans):
        if not any(lines[i].count(sep) >= half_row for i in range(first + 1, last + 1)):
            rows.append(fields)
            continue
        for line in lines[first : last + 1]:
            if line.count('"') % 2:
                literal = next(csv.reader([line], delimiter=sep, quoting=csv.QUOTE_NONE))
                unclosed[len(rows) + 1] = next(i for i, cell in enumerate(literal) if '"' in cell)
                rows.append(literal)
            else:
                rows.append(_fields(line, sep))
    width = max(map(len, rows), default=0)  # short lines padded as missing cells (pandas no longer pads them)
    grid = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype="str")
    return TextGrid(grid, unclosed, [len(r) for r in rows[:HEAD_ROWS]])


def _long_fields(text: str) -> None:
    """Let the csv module read a field as long as ``text``: a long cell is data (the reader quarantines its row),
    not a reason to refuse the whole file."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))


def _record_spans(lines: list[str]) -> list[tuple[int, int]]:
    """First and last line of each record: a record goes on while its quotes are unbalanced (a
    doubled quote inside a cell counts two, so the parity is the CSV rule)."""
    spans, i = [], 0
    while i < len(lines):
        last, quotes = i, lines[i].count('"')
        while quotes % 2 and last + 1 < len(lines):
            last += 1
            quotes += lines[last].count('"')
        spans.append((i, last))
        i = last + 1
    return spans


def _fields(record: str, sep: str) -> list[str]:
    return next(csv.reader(io.StringIO(record), delimiter=sep), [])

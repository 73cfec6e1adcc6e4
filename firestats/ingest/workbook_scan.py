"""What an .xlsx workbook's XML says about each sheet before the Excel reader allocates anything.

The reader (calamine) fills a rows × columns block spanning the used cells and copies a shared
string into every cell that uses it, so one cell at XFD1048576 or one 12 MB string used 50 times
takes more memory than a machine has. Reading the sheet XML as a stream first costs a fraction of
the read and tells both sizes, and the merged cells a sheet holds (出动站 merged over four rows).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from firestats.errors import InputError
from firestats.settings import settings

_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any tag the patterns match, so none is lost between chunks
# A cell's or a row's r attribute: a cell's column letters, and the row number.
_REFERENCE = re.compile(rb'\sr="([A-Z]{0,3})(\d{1,7})"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\sref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
_SHARED_REF = re.compile(rb'\bt="s"[^>]*>\s*<(?:\w+:)?v>(\d{1,9})<')
_SHARED_ITEM = re.compile(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>", re.S)
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\sname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_TARGET_FIRST = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


@dataclass
class SheetShape:
    """A sheet's extent (last used row, 1-based; last used column, 0-based + 1) and merged ranges
    as (first row, first column, last row, last column), rows 1-based and columns 0-based."""

    rows: int = 0
    columns: int = 0
    merged: set[tuple[int, int, int, int]] = field(default_factory=set)


def column_index(letters: bytes) -> int:
    """A column's letters as a 0-based index: A -> 0, Z -> 25, AA -> 26, XFD -> 16383."""
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n - 1


def scan_xlsx(path: Path) -> dict[str, SheetShape]:
    """Each sheet's shape, by sheet name (none for a file that is not an .xlsx inside); refuses in
    one line a workbook too large to read."""
    limits = settings()["workbook_limits"]
    try:
        with zipfile.ZipFile(path) as book:
            lengths = _shared_lengths(book, path, limits)
            shapes = {}
            for name, member in _sheet_members(book).items():
                shape, text = _scan_sheet(book, member, lengths)
                if shape.rows * shape.columns > limits["cells"]:
                    raise InputError(
                        f"{path}: sheet {name} spans {shape.rows:,} rows × {shape.columns:,} columns, more cells than "
                        f"firestats reads ({limits['cells']:,}); delete the stray cells far below or right of the data")
                if text > limits["text_mb"] << 20:
                    raise InputError(f"{path}: sheet {name} repeats its text to {text >> 20:,} MB when read, more "
                                     f"than firestats reads ({limits['text_mb']:,} MB)")
                shapes[name] = shape
            return shapes
    except (zipfile.BadZipFile, KeyError):
        return {}  # not the zip of XML the name says (an old .xls renamed): the reader judges it


def _shared_lengths(book: zipfile.ZipFile, path: Path, limits: dict) -> np.ndarray:
    """The length in bytes of each shared string; refuses one longer than an Excel cell can hold."""
    member = next((n for n in book.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if member is None:
        return np.zeros(0, dtype=np.int64)
    cap = limits["text_mb"] << 20
    with book.open(member) as stream:
        data = stream.read(cap + 1)
    if len(data) > cap:
        raise InputError(f"{path}: its shared strings exceed {limits['text_mb']} MB")
    lengths = np.fromiter((m.end() - m.start() for m in _SHARED_ITEM.finditer(data)), dtype=np.int64)
    # 32,767 characters, each at most 3 bytes of UTF-8 or 6 as an XML character reference, plus markup.
    if lengths.size and lengths.max() > 32_767 * 6 + 1024:
        raise InputError(f"{path}: a shared string of {lengths.max():,} bytes is longer than an Excel cell can hold "
                         "(32,767 characters); the workbook was not written by a spreadsheet")
    return lengths


def _sheet_members(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML, from workbook.xml and its relationships."""
    workbook = book.read("xl/workbook.xml")
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = {i: t for i, t in _REL.findall(rels)} | {i: t for t, i in _REL_TARGET_FIRST.findall(rels)}
    members = {}
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid, b"").decode("utf-8")
        if target:
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            members[_unescape(name.decode("utf-8"))] = path
    return members


def _unescape(name: str) -> str:
    return name.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace(
        "&amp;", "&")


def _scan_sheet(book: zipfile.ZipFile, member: str, lengths: np.ndarray) -> tuple[SheetShape, int]:
    """A sheet's shape and the bytes of shared text its cells copy, read as a stream in chunks."""
    shape, text, tail = SheetShape(), 0, b""
    longest = int(lengths.max()) if lengths.size else 0
    budget = settings()["workbook_limits"]["text_mb"] << 20
    with book.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            data, start = tail + chunk, len(tail)
            # One pass of the regex engine (the costly part); numbers compared as text, longest first.
            references = _REFERENCE.findall(data)
            if references:
                letters, digits = {c for c, _ in references if c}, [d for _, d in references]
                widest = len(max(digits, key=len))
                shape.rows = max(shape.rows, int(max(d for d in digits if len(d) == widest)))
                shape.columns = max([shape.columns, *(column_index(c) + 1 for c in letters)])
            if b"mergeCell" in data:
                shape.merged |= {(int(r1), column_index(a), int(r2), column_index(b))
                                 for a, r1, b, r2 in _MERGE.findall(data)}
            # Looked up only where the longest string in every cell could exceed the budget (rare).
            if data.count(b't="s"', start) * longest > budget // 64:
                text += _shared_text(data, start, lengths)
            tail = data[-_OVERLAP:]
    return shape, text


def _shared_text(data: bytes, start: int, lengths: np.ndarray) -> int:
    """Bytes of shared strings the cells in ``data[start:]`` copy (one across the seam counted once)."""
    found = _SHARED_REF.findall(data, start)
    found += [m.group(1) for m in _SHARED_REF.finditer(data, max(0, start - _OVERLAP), start + _OVERLAP)
              if m.start() < start]
    if not found:
        return 0
    used = np.array(found).astype(np.int64)
    return int(lengths[used[used < lengths.size]].sum())

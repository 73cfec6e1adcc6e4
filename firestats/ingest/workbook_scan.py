"""What an .xlsx, .ods or .xls workbook says about each sheet before the Excel reader allocates anything.

The reader (calamine) fills a rows × columns block spanning the used cells and copies a shared
string into every cell that uses it, so one cell at XFD1048576 or one 12 MB string used 50 times
takes more memory than a machine has. Reading the sheet XML as a stream first costs a fraction of
the read and tells both sizes, and the merged cells a sheet holds (出动站 merged over four rows).
Attributes are read in either quote; a row or cell without its r attribute is placed after the one
before it, as the reader places it; an inline string is held to what a cell can hold; an .ods
sheet's repeated rows and cells are counted as the repeats they are; an .xls's cell records are read
from its compound file (BIFF), each row and column they name counted.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from firestats.errors import InputError
from firestats.settings import settings

_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any tag the patterns match, so none is lost between chunks
_QUOTED = rb'\s*=\s*["\']'  # an attribute's = and opening quote: XML allows either quote, and spaces around =
# A cell's or a row's r attribute: a cell's column letters, and the row number.
_REFERENCE = re.compile(rb"\sr" + _QUOTED + rb"([A-Z]{0,3})(\d{1,7})[\"']")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\sref" + _QUOTED
                    + rb"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})[\"']")
_SHARED_REF = re.compile(rb"\bt" + _QUOTED + rb"s[\"'][^>]*>\s*<(?:\w+:)?v>(\d{1,9})<")
_SHARED_ITEM = re.compile(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>", re.S)
# Every row and cell tag, whole, with its attributes: those without an r are placed after the one before.
_PLACED = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>")
_AFTER_CELL_NAME = np.array([ord(c) for c in " \t\r\n/>"], dtype=np.uint8)  # what follows <c in a cell's tag
_ATTRIBUTE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# An OpenDocument sheet's tags that place cells: a table, its rows and cells, each repeated as many times as it says.
_ODS_TAG = re.compile(rb"<(/?)(?:\w+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>")
# The most bytes of XML one cell's text can take: 32,767 characters, each at most 3 bytes of UTF-8 or 6 as an XML
# character reference, plus markup. A run of the sheet's XML this long without a tag is a text no cell holds.
CELL_BYTES = 32_767 * 6 + 1024


@dataclass
class SheetShape:
    """A sheet's extent (last used row, 1-based; last used column, 0-based + 1) and merged ranges
    as (first row, first column, last row, last column), rows 1-based and columns 0-based."""

    rows: int = 0
    columns: int = 0
    merged: set[tuple[int, int, int, int]] = field(default_factory=set)
    longest_text: int = 0  # the longest run of its XML without a tag: its longest text, in bytes


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
                _check(path, name, shape, limits)
                if text > limits["text_mb"] << 20:
                    raise InputError(f"{path}: sheet {name} repeats its text to {text >> 20:,} MB when read, more "
                                     f"than firestats reads ({limits['text_mb']:,} MB)")
                shapes[name] = shape
            return shapes
    except (zipfile.BadZipFile, KeyError):
        return {}  # not the zip of XML the name says (an old .xls renamed): the reader judges it


def scan_ods(path: Path) -> None:
    """Refuse in one line an OpenDocument spreadsheet whose sheets span more cells than firestats reads: one
    cell repeated 5,600 × 16,000 times is a line of XML, and the reader fills every repeat."""
    limits = settings()["workbook_limits"]
    try:
        with zipfile.ZipFile(path) as book, book.open("content.xml") as stream:
            for name, shape in _ods_shapes(stream):
                _check(path, name, shape, limits)
    except (zipfile.BadZipFile, KeyError):
        return  # not the zip of XML the name says: the reader judges it


def scan_xls(path: Path) -> None:
    """Refuse in one line an old .xls whose sheets span more cells than firestats reads: a cell record may say
    row 65,535, column 16,383 (the format allows no column past 255), and the reader allocates 34 GB for it."""
    limits = settings()["workbook_limits"]
    try:
        stream = _compound_stream(path.read_bytes(), ("Workbook", "Book"))
    except struct.error:  # a container cut short: the reader judges it
        return
    for name, shape in _biff_shapes(stream or b""):
        _check(path, name, shape, limits)


def _check(path: Path, name: str, shape: SheetShape, limits: dict) -> None:
    """Refuse a sheet more cells wide and long than firestats reads, or holding a text no cell can hold."""
    if shape.longest_text > CELL_BYTES:
        raise InputError(f"{path}: sheet {name} holds a text of more than {CELL_BYTES:,} bytes, longer than an Excel "
                         "cell can hold (32,767 characters); the workbook was not written by a spreadsheet")
    if shape.rows * shape.columns > limits["cells"]:
        raise InputError(
            f"{path}: sheet {name} spans {shape.rows:,} rows × {shape.columns:,} columns, more cells than "
            f"firestats reads ({limits['cells']:,}); delete the stray cells far below or right of the data")


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
    if lengths.size and lengths.max() > CELL_BYTES:
        raise InputError(f"{path}: a shared string of {lengths.max():,} bytes is longer than an Excel cell can hold "
                         "(32,767 characters); the workbook was not written by a spreadsheet")
    return lengths


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    """A tag's attributes by name, whichever quote each value is in."""
    return {name: double if double or not single else single for name, double, single in _ATTRIBUTE.findall(tag)}


def _tags(data: bytes, name: bytes) -> list[dict[bytes, bytes]]:
    """The attributes of every ``name`` tag in ``data`` (any namespace prefix)."""
    return [_attributes(m.group()) for m in re.finditer(rb"<(?:\w+:)?" + name + rb"\b[^>]*>", data)]


def _sheet_members(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML, from workbook.xml and its relationships."""
    targets = {rel.get(b"Id"): rel.get(b"Target", b"") for rel in _tags(book.read("xl/_rels/workbook.xml.rels"),
                                                                          b"Relationship")}
    members = {}
    for sheet in _tags(book.read("xl/workbook.xml"), b"sheet"):
        target = targets.get(sheet.get(b"r:id"), b"").decode("utf-8")
        if target and b"name" in sheet:
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            members[_unescape(sheet[b"name"].decode("utf-8"))] = path
    return members


def _unescape(name: str) -> str:
    return name.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace(
        "&amp;", "&")


class _Tags:
    """Where the tags of a chunk of XML open, found once (a vectorised search for every '<')."""

    def __init__(self, chunk: bytes) -> None:
        self.bytes = np.frombuffer(chunk, dtype=np.uint8)
        self.marks = np.flatnonzero(self.bytes == ord("<"))

    def longest_run(self, since: int) -> tuple[int, int]:
        """The longest run of bytes without a tag that ends in the chunk (``since``: the bytes of it before the
        chunk), and the run still open at the chunk's end: a text as long as this is one text."""
        size, marks = len(self.bytes), self.marks
        if not marks.size:
            return since + size, since + size
        inner = int(np.diff(marks).max()) if marks.size > 1 else 0
        return max(since + int(marks[0]), inner), size - int(marks[-1]) - 1

    def cells(self, prefix: bytes) -> int:
        """How many cell tags (<c …>, <c>, <c/>) open in the chunk."""
        name = self.marks + 1 + len(prefix)
        name = name[name + 1 < len(self.bytes)]
        return int(np.count_nonzero((self.bytes[name] == ord("c")) & np.isin(self.bytes[name + 1], _AFTER_CELL_NAME)))


def _scan_sheet(book: zipfile.ZipFile, member: str, lengths: np.ndarray) -> tuple[SheetShape, int]:
    """A sheet's shape and the bytes of shared text its cells copy, read as a stream in chunks."""
    shape, text, tail, run, unplaced, prefix = SheetShape(), 0, b"", 0, False, None
    longest = int(lengths.max()) if lengths.size else 0
    budget = settings()["workbook_limits"]["text_mb"] << 20
    with book.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            tags = _Tags(chunk)
            longest_run, run = tags.longest_run(run)
            shape.longest_text = max(shape.longest_text, longest_run)
            if shape.longest_text > CELL_BYTES:  # an inline string no cell holds: not read on to its end
                return shape, text
            data, start = tail + chunk, len(tail)
            # One pass of the regex engine (the costly part); numbers compared as text, longest first.
            references = _REFERENCE.findall(data)
            placed = [c for c, _ in references]
            if references:
                letters, digits = set(placed) - {b""}, [d for _, d in references]
                widest = len(max(digits, key=len))
                shape.rows = max(shape.rows, int(max(d for d in digits if len(d) == widest)))
                shape.columns = max([shape.columns, *(column_index(c) + 1 for c in letters)])
            # More cell tags than cells' r attributes: some are placed by counting, after the one before (rare; the
            # sheet is walked again below). Tags counted where the '<' are found already: a regex would add a third.
            prefix = prefix if prefix is not None else _prefix(data)
            unplaced = unplaced or tags.cells(prefix or b"") > len(placed) - placed.count(b"")
            if b"mergeCell" in data:
                shape.merged |= {(int(r1), column_index(a), int(r2), column_index(b))
                                 for a, r1, b, r2 in _MERGE.findall(data)}
            # Looked up only where the longest string in every cell could exceed the budget (rare).
            if (data.count(b'"s"', start) + data.count(b"'s'", start)) * longest > budget // 64:
                text += _shared_text(data, start, lengths)
            tail = data[-_OVERLAP:]
    if unplaced:
        shape.rows, shape.columns = (max(a, b) for a, b in zip((shape.rows, shape.columns), _counted(book, member)))
    return shape, text


def _prefix(data: bytes) -> bytes | None:
    """The namespace prefix the sheet's tags carry (b"" for none; None until its sheetData is seen)."""
    found = re.search(rb"<(\w+:)?sheetData\b", data)
    return None if found is None else found[1] or b""


def _whole_tags(stream) -> Iterator[bytes]:
    """A stream of XML in chunks, each cut before a tag the next chunk ends (none is read twice or in halves)."""
    tail = b""
    while chunk := stream.read(_CHUNK):
        data = tail + chunk
        cut = data.rfind(b"<", max(0, len(data) - _OVERLAP))
        cut = len(data) if cut < 0 else cut
        yield data[:cut]
        tail = data[cut:]
    yield tail


def _counted(book: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """The last row and column any cell of a sheet is in, a row or a cell without its r attribute being the one
    after the one before it (as Excel and the reader place them)."""
    row = rows = columns = column = 0
    with book.open(member) as stream:
        for data in _whole_tags(stream):
            for kind, attributes in _PLACED.findall(data):
                place = _REFERENCE.search(attributes)
                if kind == b"row":
                    row, column = (int(place[2]) if place else row + 1), 0
                    continue
                column = column_index(place[1]) + 1 if place and place[1] else column + 1
                rows, columns = max(rows, int(place[2]) if place and place[2] else row), max(columns, column)
    return rows, columns


def _ods_shapes(stream) -> list[tuple[str, SheetShape]]:
    """Each table of an OpenDocument content.xml and the rows and columns its cells with a value span, every
    repeat counted (a sheet's trailing empty rows, repeated a million times, span nothing); a table never closed
    counts as far as it goes."""
    shapes: list[tuple[str, SheetShape]] = []
    shape, row, repeat, column, run = SheetShape(), 0, 0, 0, 0  # the shape before any table is nobody's
    for data in _whole_tags(stream):
        longest_run, run = _Tags(data).longest_run(run)
        shape.longest_text = max(shape.longest_text, longest_run)
        for closing, kind, attributes, empty in _ODS_TAG.findall(data):
            if closing:
                continue
            if kind == b"table":
                name = _attributes(attributes).get(b"table:name", b"").decode("utf-8", "replace")
                shape, row, repeat = SheetShape(longest_text=shape.longest_text), 0, 0
                shapes.append((name, shape))
            elif kind == b"table-row":
                row, repeat, column = row + repeat, _repeated(attributes, b"number-rows-repeated"), 0
            else:
                count = _repeated(attributes, b"number-columns-repeated")
                if not empty or b"value-type" in attributes:  # a cell with a value, or text inside it
                    shape.rows, shape.columns = max(shape.rows, row + repeat), max(shape.columns, column + count)
                column += count
    return shapes


def _repeated(attributes: bytes, name: bytes) -> int:
    """How many times a row or cell repeats (1 unless it says)."""
    found = re.search(rb"[\w]*:?" + name + _QUOTED + rb"(\d{1,12})", attributes)
    return int(found[1]) if found else 1


_CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


def _compound_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The first of the ``names`` streams of an OLE2 compound file (the container of an .xls), or None for a file
    that is no such container or holds none of them (the reader judges it). Every sector chain is followed at most
    as many steps as the file has sectors: a chain that loops ends there."""
    if len(data) < 512 or not data.startswith(_CFB_MAGIC):
        return None
    size, mini_size = 1 << struct.unpack_from("<H", data, 0x1E)[0], 1 << struct.unpack_from("<H", data, 0x20)[0]
    if size not in (512, 4096) or mini_size != 64:
        return None
    sectors = (len(data) - 512) // size

    def sector(n: int) -> bytes:
        return data[512 + n * size: 512 + (n + 1) * size]

    def chain(first: int, table: list[int]) -> list[int]:
        found = []
        while first < len(table) and len(found) <= sectors:
            found.append(first)
            first = table[first]
        return found

    fat_count, directory, _, cutoff, mini_first, _, difat_first, _ = struct.unpack_from("<8I", data, 0x2C)
    listed = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < sectors]
    while difat_first < sectors and len(listed) <= sectors:  # more FAT sectors than the header lists
        entries = struct.unpack(f"<{size // 4}I", sector(difat_first))
        listed += [n for n in entries[:-1] if n < sectors]
        difat_first = entries[-1]
    fat = [n for s in listed[:fat_count] for n in struct.unpack(f"<{size // 4}I", sector(s))]
    entries = b"".join(sector(n) for n in chain(directory, fat))
    streams = {}
    for at in range(0, len(entries) - 127, 128):
        length, kind = struct.unpack_from("<HB", entries, at + 64)
        first, stream_size = struct.unpack_from("<II", entries, at + 116)
        name = entries[at: at + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
        streams.setdefault(name, (kind, first, stream_size))
    root = next(((first, n) for k, first, n in streams.values() if k == 5), None)
    wanted = next((streams[n] for n in names if n in streams and streams[n][0] == 2), None)
    if wanted is None or root is None:
        return None
    _, first, stream_size = wanted
    if stream_size >= cutoff:
        return b"".join(sector(n) for n in chain(first, fat))[:stream_size]
    mini_fat = [n for s in chain(mini_first, fat) for n in struct.unpack(f"<{size // 4}I", sector(s))]
    mini_stream = b"".join(sector(n) for n in chain(root[0], fat))
    return b"".join(mini_stream[n * 64: (n + 1) * 64] for n in chain(first, mini_fat))[:stream_size]


# BIFF records of a cell (row and column its first two numbers), of a row of cells (MULRK, MULBLANK: the last
# column at the record's end), the sheet's stated extent (DIMENSIONS), and those that open a sheet and name it.
_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
_ROW_OF_CELLS, _DIMENSIONS, _BOF, _SHEET_NAME = frozenset({0x00BD, 0x00BE}), 0x0200, 0x0809, 0x0085
_WORKSHEET = 0x0010  # a BOF record's substream type: a worksheet's


def _biff_shapes(stream: bytes) -> list[tuple[str, SheetShape]]:
    """Each worksheet of a BIFF workbook stream, by name, and the rows and columns its cells (and its DIMENSIONS
    record) span; a chart's substream inside a sheet leaves the sheet's cells after it counted as the sheet's."""
    names, shapes, at = [], [], 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4: at + 4 + length]
        at += 4 + length
        if kind == _SHEET_NAME and len(body) >= 8 and body[5] == 0:  # a worksheet (not a chart or a macro sheet)
            wide = body[7] & 1
            names.append(body[8: 8 + body[6] * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1",
                                                                            "replace"))
        elif kind == _BOF and len(body) >= 4 and struct.unpack_from("<H", body, 2)[0] == _WORKSHEET:
            shapes.append(SheetShape())
        elif not shapes or len(body) < 4:
            continue
        elif kind in _CELL_RECORDS or kind in _ROW_OF_CELLS:
            row, column = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind in _ROW_OF_CELLS else column
            shapes[-1].rows, shapes[-1].columns = max(shapes[-1].rows, row + 1), max(shapes[-1].columns, last + 1)
        elif kind == _DIMENSIONS and len(body) >= 10:
            rows, columns = struct.unpack_from("<4xI2xH" if len(body) >= 14 else "<2xH2xH", body)
            shapes[-1].rows, shapes[-1].columns = max(shapes[-1].rows, rows), max(shapes[-1].columns, columns)
    return [(names[i] if i < len(names) else str(i + 1), shape) for i, shape in enumerate(shapes)]


def _shared_text(data: bytes, start: int, lengths: np.ndarray) -> int:
    """Bytes of shared strings the cells in ``data[start:]`` copy (one across the seam counted once)."""
    found = _SHARED_REF.findall(data, start)
    found += [m.group(1) for m in _SHARED_REF.finditer(data, max(0, start - _OVERLAP), start + _OVERLAP)
              if m.start() < start]
    if not found:
        return 0
    used = np.array(found).astype(np.int64)
    return int(lengths[used[used < lengths.size]].sum())

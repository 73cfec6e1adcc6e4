"""Scans of a string column's UTF-8 bytes with numpy, which spare it a regular expression or a normalisation.

A scan costs a tenth of an Arrow kernel on a column: whether a cell may hold a character XML forbids, an invisible
format character or a word, and which cells hold a character NFKC may change. UTF-8 never hides a character in
another's bytes, so a scan never says no where the costly test would say yes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def octets_of(array: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a string array's cells end to end, read in place (a null cell's bytes too, if it has any)."""
    return cell_bytes(array)[0]


def cell_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a string array's cells end to end (see ``octets_of``), and where each cell starts in them
    (one number more: where the last ends)."""
    if not len(array) or array.buffers()[2] is None:
        return np.empty(0, dtype=np.uint8), np.zeros(len(array) + 1, dtype=np.int64)
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset : array.offset + len(array) + 1]
    return np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]], offsets - offsets[0]


def normalisable(array: pa.Array) -> np.ndarray:
    """The cells holding a character other than ASCII and U+4000–U+9FFF (CJK ideographs, which NFKC leaves as they
    are and none of which is invisible): the cells NFKC or ``parse._INVISIBLE`` may change (a scan of the bytes)."""
    octets, offsets = cell_bytes(array)
    lead = np.flatnonzero(octets >= 0xC0)  # the first byte of each character past ASCII
    # That of a character before U+4000 or past U+9FFF: 0xC0–0xE3 or 0xEA–0xFF (0xE4–0xE9 lead the rest).
    odd = lead[(octets[lead] < 0xE4) | (octets[lead] > 0xE9)]
    cells = np.zeros(len(array), dtype=bool)
    cells[np.searchsorted(offsets, odd, side="right") - 1] = True
    return cells


def _follows(octets: np.ndarray, lead: int, second: tuple[int, int], third: tuple[int, int] | None = None) -> bool:
    """Whether the bytes hold ``lead`` followed by a byte in the range ``second`` (and one in ``third``)."""
    at = np.flatnonzero(octets[: len(octets) - (2 if third else 1)] == lead)
    hit = (octets[at + 1] >= second[0]) & (octets[at + 1] <= second[1])
    if third:
        hit &= (octets[at + 2] >= third[0]) & (octets[at + 2] <= third[1])
    return bool(hit.any())


def may_hold_forbidden(array: pa.Array) -> bool:
    """Whether a cell may hold a character XML forbids (``XML_FORBIDDEN``): a scan of the bytes, a tenth of the
    regular expression's cost on a column, never False where one does (UTF-8 never hides a character in another's
    bytes)."""
    octets = octets_of(array)
    controls = octets < 0x20
    if controls.any() and (controls & (octets != 0x09) & (octets != 0x0A) & (octets != 0x0D)).any():
        return True
    return _follows(octets, 0xEF, (0xBF, 0xBF), (0xBE, 0xBF))  # U+FFFE, U+FFFF


def may_contain(array: pa.Array, word: str) -> bool:
    """Whether a cell may contain ``word``: one byte search of every cell's bytes, a third of a substring kernel's
    cost (True too where ``word`` would only span two cells)."""
    return octets_of(array).tobytes().find(word.encode("utf-8")) >= 0


def may_hold_invisible(array: pa.Array) -> bool:
    """Whether a cell may hold a character of ``parse._INVISIBLE`` (U+00AD, U+200B–200F, U+2060–2064, U+FEFF): a scan of
    the bytes, as ``may_hold_forbidden``."""
    octets = octets_of(array)
    return (_follows(octets, 0xC2, (0xAD, 0xAD)) or _follows(octets, 0xE2, (0x80, 0x80), (0x8B, 0x8F))
            or _follows(octets, 0xE2, (0x81, 0x81), (0xA0, 0xA4)) or _follows(octets, 0xEF, (0xBB, 0xBB), (0xBF, 0xBF)))


def surely_filled(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The cells surely not blank (a bool each): their first byte opens a printable ASCII character other than the
    space, or a CJK ideograph of U+4000–U+9FFF (lead byte 0xE4–0xE9), none of which is white space or a control
    character, so neither stripping nor removing control characters leaves the cell empty."""
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array  # a column of a frame
    octets, offsets = cell_bytes(array)
    filled = offsets[1:] > offsets[:-1]
    first = octets[offsets[:-1][filled]]
    filled[filled] = ((first >= 0x21) & (first <= 0x7E)) | ((first >= 0xE4) & (first <= 0xE9))
    return filled & array.is_valid().to_numpy(zero_copy_only=False)


# The first bytes of every missing-value marker (``parse.MISSING_MARKERS``): n and N (n/a, NA, null, None, nan), "-",
# "/", and the lead bytes of — and – (0xE2), 无 and 暂 (0xE6), 空 (0xE7).
_MARKER_OPENINGS = np.array([ord("n"), ord("N"), ord("-"), ord("/"), 0xE2, 0xE6, 0xE7], dtype=np.uint8)


def may_open_marker(array: pa.Array) -> np.ndarray:
    """The cells (trimmed) that may be a missing-value marker (a bool each): those whose first byte opens one, the
    rest (a time, a number, most names) never are."""
    octets, offsets = cell_bytes(array)
    opens = offsets[1:] > offsets[:-1]
    opens[opens] = np.isin(octets[offsets[:-1][opens]], _MARKER_OPENINGS)
    return opens

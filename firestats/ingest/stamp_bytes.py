"""Year-first time spellings read straight from a string column's UTF-8 bytes with numpy.

Most cells of a Chinese export's time column are one of a few spellings (``2021-03-05 14:32:07``,
``2021/3/5 9:05:07``, ``2021年3月5日9时5分7秒``, ``20210305143207``). Rewriting them with regular
expressions and handing the text to ``pd.to_datetime`` took 0.09–0.20 s on 125,000 cells of those four
(a piece of a large CSV; the machine shared), reading them here 0.04–0.07 s: a cell is cut into its runs
of digits, the bytes between the runs are checked against the separators each place allows, and the
numbers are range-checked and turned into nanoseconds, a few numpy passes over the whole column's bytes.
A cell is read only where the result is sure to be the one ``parse``'s rewrites and ``to_datetime`` give;
every other cell (another spelling, a second 60, 30 February, a year pandas cannot hold) is left to them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from firestats.ingest.octets import cell_bytes

# The bytes allowed between a year-first spelling's runs of digits: before the month, the day, the hour, the minute
# and the second; each set a part of what ``time_rewrites._SEPARATED`` accepts there.
_BETWEEN = (("-", "/", ".", "年"), ("-", "/", ".", "月"), (" ", "T", "日", "日 "), (":", "时", "点"), (":", "分"))
# What may follow the last run of a spelling of 3, 5 or 6 runs (date; to the minute; to the second).
_AFTER = {3: ("", "日"), 5: ("", "分"), 6: ("", "秒")}
# A compact spelling's digits (20210305, 202103051432, 20210305143207) -> the widths of its numbers.
_COMPACT = {8: (4, 2, 2), 12: (4, 2, 2, 2, 2), 14: (4, 2, 2, 2, 2, 2)}
# Years whose every time pandas holds in nanoseconds (``parse._NS_RANGE``: 1678-01-01 to 2261-12-31).
_YEARS = (1679, 2260)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_NS_PER_SECOND = 10**9
_WIDEST = 4  # bytes of a separator read (日 and a space)


def _code(text: str) -> int:
    """A separator's UTF-8 bytes (four at most) as one number, as ``_Separators.between`` reads them from a column."""
    return int.from_bytes(text.encode("utf-8"), "little")


_BETWEEN_CODES = [tuple(_code(s) for s in allowed) for allowed in _BETWEEN]
_AFTER_CODES = {runs: tuple(_code(s) for s in allowed) for runs, allowed in _AFTER.items()}


def year_first(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each cell of a string array as a time (``datetime64[ns]``, NaT where not read), and whether it was read: not a
    null, nor a cell that is not one of the spellings read here, nor one that is no valid time."""
    octets, offsets = cell_bytes(array)
    offsets = offsets.astype(np.int64)
    padded = np.concatenate([octets, np.zeros(_WIDEST, dtype=np.uint8)])  # a separator read past the end reads 0
    is_digit = (octets - np.uint8(ord("0"))) < 10  # wrapping below "0"
    cell_start, cell_end = offsets[:-1], offsets[1:]
    # A run of digits begins at a digit after a byte of another kind or at a cell's start; ends likewise.
    first = is_digit.copy()
    first[1:] &= ~is_digit[:-1]
    opening = cell_start[cell_start < len(octets)]  # an empty cell's start is the next cell's (or the end)
    first[opening] = is_digit[opening]
    last = is_digit.copy()
    last[:-1] &= ~is_digit[1:]
    closing = cell_end[cell_end > 0] - 1
    last[closing] = is_digit[closing]
    run_starts, run_ends = np.flatnonzero(first), np.flatnonzero(last)
    widths = run_ends - run_starts + 1
    before = np.searchsorted(run_starts, offsets)  # runs before each cell's first byte
    runs, head = np.diff(before), before[:-1]
    separators = _Separators(padded)

    parts = np.zeros((6, len(array)), dtype=np.int64)
    read = np.zeros(len(array), dtype=bool)
    for count in _AFTER:
        cells = np.flatnonzero(runs == count)
        first_run = head[cells]
        ok = (run_starts[first_run] == cell_start[cells]) & (widths[first_run] == 4)
        for n in range(1, count):
            run = first_run + n
            ok &= (widths[run] <= 2) & _among(separators.between(run_ends[run - 1] + 1, run_starts[run]),
                                              _BETWEEN_CODES[n - 1])
        tail = run_ends[first_run + count - 1] + 1
        ok &= _among(separators.between(tail, cell_end[cells]), _AFTER_CODES[count])
        cells, first_run = cells[ok], first_run[ok]
        parts[0, cells] = _number(padded, run_starts[first_run], 4)
        for n in range(1, count):
            parts[n, cells] = _short_number(padded, run_starts[first_run + n], widths[first_run + n])
        read[cells] = True
    # A compact spelling: one run of digits, the whole cell.
    alone = np.flatnonzero(runs == 1)
    alone = alone[(run_starts[head[alone]] == cell_start[alone]) & (run_ends[head[alone]] + 1 == cell_end[alone])]
    for width, numbers in _COMPACT.items():
        cells = alone[cell_end[alone] - cell_start[alone] == width]
        at = cell_start[cells]
        for n, size in enumerate(numbers):
            parts[n, cells] = _number(padded, at, size)
            at = at + size
        read[cells] = True
    read &= array.is_valid().to_numpy(zero_copy_only=False)
    stamps, valid = _nanoseconds(*parts)
    read &= valid
    return np.where(read, stamps, np.iinfo(np.int64).min).view("datetime64[ns]"), read  # the smallest is NaT


def _short_number(padded: np.ndarray, starts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The number each run of one or two digits from ``starts`` spells."""
    ones = padded[starts].astype(np.int64) - ord("0")
    return np.where(widths == 2, ones * 10 + padded[starts + 1] - ord("0"), ones)


def _among(codes: np.ndarray, allowed: tuple[int, ...]) -> np.ndarray:
    """Whether each code is one of the few ``allowed``."""
    hit = codes == allowed[0]
    for code in allowed[1:]:
        hit |= codes == code
    return hit


def _number(padded: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """The number of ``width`` digits from each position ``at``."""
    value = np.zeros(len(at), dtype=np.int64)
    for n in range(width):
        value = value * 10 + padded[at + n] - ord("0")
    return value


class _Separators:
    """The bytes of a column read four at a time from any position, as little-endian numbers (``_code``)."""

    def __init__(self, padded: np.ndarray) -> None:
        # Every position's next four bytes, read in place (unaligned): one gather a separator, not four.
        self.words = np.ndarray((len(padded) - _WIDEST + 1,), dtype="<u4", buffer=padded, strides=(1,))

    def between(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """The bytes from each ``start`` to its ``stop`` as one number (``_code``), -1 where there are more than
        four."""
        length = stop - start
        word = self.words[start].astype(np.int64)  # a start is at most the column's length: within the padding
        return np.where(length <= _WIDEST, word & ((1 << (8 * np.clip(length, 0, _WIDEST))) - 1), -1)


def _nanoseconds(year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, minute: np.ndarray,
                 second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times as nanoseconds since 1970 (int64), and which are valid (a real day of a year ``_YEARS`` holds, hours to
    23, minutes and seconds to 59)."""
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    longest = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    valid = (month_ok & (day >= 1) & (day <= longest) & (year >= _YEARS[0]) & (year <= _YEARS[1])
             & (hour <= 23) & (minute <= 59) & (second <= 59))
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), years counted from March.
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719_468
    return ((days * 86_400 + hour * 3_600 + minute * 60 + second) * _NS_PER_SECOND), valid

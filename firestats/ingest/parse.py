"""Vectorised parsers for the cell spellings found in real exports.

Each parser takes a Series of raw cells (strings, numbers, datetimes or times, as a reader
returns them) and returns parsed values, with missing or unparseable cells as NA. Callers tell
the two apart with :func:`is_blank`: a cell that is not blank but parses to NA is a problem to
report. No parser raises on any cell content.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from firestats.ingest import octets, stamp_bytes, time_rewrites
from firestats.privacy import XML_FORBIDDEN
from firestats.settings import settings

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serial numbers of 1954-10-14 .. 2173-10-14: wide enough for any incident, narrow enough
# not to mistake a count or an ID for a date.
_SERIAL_RANGE = (20_000.0, 100_000.0)

_TIME = (
    r"(?:[ T]*(?P<h>\d{1,2})[:时点](?P<mi>\d{1,2})(?:[:分](?P<s>\d{1,2})(?:\.\d+)?)?[分秒]?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?$"
)
_YEAR_FIRST = r"^(?P<y>\d{4})[-/.年](?P<mo>\d{1,2})[-/.月](?P<d>\d{1,2})日?" + _TIME
_ISO = r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}$"
_YEAR_LAST = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME
_MONTH_NAMED = r"^(?P<d>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ -](?P<y>\d{4})" + _TIME
_SERIAL = r"^\d{5}(?:\.\d+)?$"
# An ISO 8601 time with its offset from UTC: 2024-03-05T10:00:00+08:00, …Z, … +0800.
_OFFSET = r"^(?P<stamp>.*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<zone>Z|[+-]\d{2}:?\d{2})$"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})$"  # what every cell _OFFSET reads ends with
# Chinese Excel writes the half of the day before the clock: 2024/3/5 下午 3:00 is 3:00 PM.
_HALF_DAY = ((r"(?:上午|早上|凌晨)\s*(\d{1,2}[:时点]\d{1,2}(?:[:分]\d{1,2})?[分秒]?)", r"\1 AM"),
             (r"(?:下午|晚上|中午)\s*(\d{1,2}[:时点]\d{1,2}(?:[:分]\d{1,2})?[分秒]?)", r"\1 PM"))
_HALF_DAY_WORDS = r"上午|早上|凌晨|下午|晚上|中午"  # one of which every _HALF_DAY pattern needs
# What offices type for "nothing here": read as a blank cell, not as an unreadable value.
MISSING_MARKERS = r"^(?i:n/?a|null|none|nan|-+|—+|–+|/|无|空|暂无)$"
# Unicode format characters (BOM, zero-width space and joiners, soft hyphen) that make look-alike names.
_INVISIBLE = r"[\x{00AD}\x{200B}-\x{200F}\x{2060}-\x{2064}\x{FEFF}]"
_NS_RANGE = (pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31"))
_MONTHS = {m: str(i) for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
_CLOCK = (r"^(?P<h>\d{1,2})[:时点](?P<mi>\d{1,2})(?:[:分](?P<s>\d{1,2})(?:\.\d+)?)?[分秒]?"
          r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$")

# A spreadsheet writes a number near 0 or a large one with an exponent: London's Longitude -4.50755e-05.
_NUMBER = (
    r"^(?P<sign>[-+]?)(?P<num>(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d{1,3})?)"
    r"\s*(?P<wan>万)?\s*(?P<unit>元|人次|辆次|人|辆|台|次|起|个|名|家次|家|份)?$"
)
_DURATION_WORDS = (
    r"^(?:(?P<h>\d+)\s*(?:小时|时|h))?\s*(?:(?P<m>\d+)\s*(?:分钟|分|'|′|min|m))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒钟|秒|\"|″|′′|''|sec|s)?)?$"
)
_DURATION_CLOCK = r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"


# What text() gave, while it lives: a parser given text already clean does not clean it again.
_CLEAN: weakref.WeakValueDictionary[int, pd.Series] = weakref.WeakValueDictionary()


# String work runs in Arrow's C++ kernels (RE2 regular expressions): pandas' own .str methods
# fall back to a Python loop per cell for most of these, thirty times slower on a million rows.

def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype("string[pyarrow]"))
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array  # a slice of a frame is chunked


def _series(array: pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(array, dtype="string[pyarrow]"), index=index)


def may_hold_forbidden(values: pd.Series) -> bool:
    """Whether a cell may hold a character XML forbids (see ``octets.may_hold_forbidden``)."""
    return octets.may_hold_forbidden(_arrow(values))


def may_contain(values: pd.Series, word: str) -> bool:
    """Whether a cell may contain ``word`` (see ``octets.may_contain``)."""
    return octets.may_contain(_arrow(values), word)


def most_bytes(values: pd.Series) -> int:
    """The UTF-8 bytes of the longest cell (0 where there is none)."""
    return pc.max(pc.binary_length(_arrow(values))).as_py() or 0


def _visible(array: pa.Array) -> pa.Array:
    """The cells NFKC-normalised, without the invisible format characters (looked for only where some may be)."""
    array = pc.utf8_normalize(array, "NFKC")
    return pc.replace_substring_regex(array, _INVISIBLE, "") if octets.may_hold_invisible(array) else array


def _blank_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, array.type), array)


def text(values: pd.Series) -> pd.Series:
    """Cells as clean text: NFKC-normalised (full-width to half-width), invisible format characters and the
    control characters XML forbids (a vertical tab or bell pasted from Word, a DOS file's closing Ctrl-Z) removed,
    trimmed; blanks and missing-value markers (NA, N/A, null, -, —, 无) as NA."""
    if _CLEAN.get(id(values)) is values:  # text() of its own result is that result: not cleaned twice
        return values
    clean = _cleaned(values, markers=True)
    _CLEAN[id(clean)] = clean
    return clean


def as_written(values: pd.Series) -> pd.Series:
    """Cells as clean text, as text() gives them, but a missing-value marker (NA, 无) kept as the word it is: a
    mapping's exclusion rule may name one."""
    return _cleaned(values, markers=False)


def _cleaned(values: pd.Series, markers: bool) -> pd.Series:
    array = _arrow(values)
    # NFKC and the invisible characters touch cells of other characters than ASCII and CJK ideographs alone: where
    # most cells are such (times, numbers, IDs, 城东站, 2021年3月5日) only the others are normalised.
    wide = pa.array(octets.normalisable(array))
    share = pc.sum(wide).as_py() or 0
    if share > len(array) // 2:
        array = _visible(array)
    elif share:
        array = pc.replace_with_mask(array, wide, _visible(pc.filter(array, wide)))
    if octets.may_hold_forbidden(array):  # rare: replaced in the cells that hold one alone
        controls = pc.fill_null(pc.match_substring_regex(array, XML_FORBIDDEN), False)
        array = pc.replace_with_mask(array, controls, pc.replace_substring_regex(pc.filter(array, controls),
                                                                                 XML_FORBIDDEN, ""))
    array = pc.utf8_trim_whitespace(array)
    if markers and (opens := octets.may_open_marker(array)).any():  # the expression sees only cells that may be one
        opens[opens] = pc.fill_null(pc.match_substring_regex(pc.filter(array, opens), MISSING_MARKERS), False)
        array = pc.if_else(opens, pa.scalar(None, array.type), array)
    return _series(_blank_to_null(array), values.index)


def lookup(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Each cell looked up in a table (NA where absent), hashing each distinct value once."""
    codes, uniques = pd.factorize(values)
    found = pd.array([table.get(u) for u in uniques] + [None], dtype="string[pyarrow]")
    return pd.Series(found.take(codes), index=values.index)  # code -1 (NA) takes the trailing None


def extract(values: pd.Series, pattern: str) -> pd.DataFrame:
    """The named groups of a regular expression (RE2 syntax) in each cell; no match or "" is NA."""
    found = pc.extract_regex(_arrow(values), pattern)
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    return pd.DataFrame({n: _series(_blank_to_null(pc.struct_field(found, n)), values.index) for n in names},
                        index=values.index)


def replace(values: pd.Series, pattern: str, replacement: str) -> pd.Series:
    """Every match of a regular expression (RE2 syntax) replaced; NA stays NA."""
    return _series(pc.replace_substring_regex(_arrow(values), pattern, replacement), values.index)


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """True where a cell contains a match of the regular expression (RE2 syntax); NA is False."""
    hit = pc.fill_null(pc.match_substring_regex(_arrow(values), pattern), False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell holds nothing (NA, or only white space)."""
    return text(values).isna()


def is_text(values: pd.Series) -> bool:
    """A column of text alone (as a CSV's): no cell is a number, a date or a time."""
    return pd.api.types.is_string_dtype(values.dtype) and values.dtype != object


def _kinds(values: pd.Series) -> pd.Series:
    """Each cell's Python type name; all 'str' for a text column (the common, fast case)."""
    if is_text(values):
        return pd.Series("str", index=values.index)
    return values.map(lambda v: "datetime" if isinstance(v, (dt.datetime, dt.date)) and not isinstance(v, dt.time)
                      else "time" if isinstance(v, dt.time)
                      else "number" if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                      else "str")


def _numeric(raw: pd.Series, kinds: pd.Series) -> pd.Series:
    """The number cells as floats, NaN elsewhere (no work at all for a text column)."""
    is_number = kinds == "number"
    if not is_number.any():
        return pd.Series(np.nan, index=raw.index)
    return pd.to_numeric(raw.where(is_number), errors="coerce").astype("float64")


def identifiers(values: pd.Series) -> pd.Series:
    """IDs as text; an ID Excel stored as a number reads ``2023010001``, not ``2023010001.0``."""
    if is_text(values):
        return text(values)
    kinds = _kinds(values)
    raw = values.astype(object)
    numeric = _numeric(raw, kinds)
    integral = numeric.notna() & (numeric % 1 == 0)
    return text(raw.where(~integral, numeric[integral].map(lambda v: str(int(v)))))


def timestamps(values: pd.Series, dayfirst: bool = False) -> pd.Series:
    """Parse timestamps written in any spelling firestats knows; unparseable cells become NaT.

    Understood: ``2021-03-05 14:32:07``, ``2021/3/5 14:32``, ``2021年3月5日14时32分07秒``,
    ``20210305143207`` (as text or a number), ``4/23/2025 0:26``, ``04/07/2020 11:53:08 PM``,
    ``01 Jan 2009``, Excel serial day numbers and datetime cells. ``dayfirst`` reads ``04/07/2020``
    as 4 July instead of April 7. Result: naive local time, ``datetime64[ns]``, whole seconds.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    if is_text(values):
        return _from_text(text(values), dayfirst)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    kinds = _kinds(values)
    raw = values.astype(object) if (kinds != "str").any() else values

    is_datetime = kinds == "datetime"
    if is_datetime.any():
        # Excel keeps times as fractions of a day: round off the float error to whole seconds.
        stamps = pd.to_datetime(raw[is_datetime].astype(str), errors="coerce", format="mixed")
        out[is_datetime] = _to_ns(stamps.dt.round("s"))

    number = _numeric(raw, kinds)
    is_serial = number.between(*_SERIAL_RANGE)
    if is_serial.any():
        out[is_serial] = _from_serial(number[is_serial])
    # A number outside the serial range may be a compact 20210305143207 typed into a cell.
    is_compact = number.notna() & ~is_serial & (number % 1 == 0) & (number.abs() < 1e15)
    rest = (kinds == "str") | is_compact
    if rest.any():
        cells = raw[rest].astype(object).where(~is_compact[rest], number[rest & is_compact].map(lambda v: str(int(v))))
        out[rest] = _from_text(text(cells), dayfirst)
    return out


def times_written(times: pd.Series, rows: pd.Series, dates_only: bool) -> pd.Series:
    """The times of ``rows`` (a mask) written as ``astype(str)`` writes their whole column, formatting only those:
    the date alone where every time in the column is a midnight (``dates_only``, see ``midnights_only``), else to
    the second (firestats' times are whole seconds)."""
    return times[rows].dt.strftime("%Y-%m-%d" if dates_only else "%Y-%m-%d %H:%M:%S")


def midnights_only(times: pd.Series) -> bool:
    """Whether every time given (NaT aside) is a midnight."""
    ns = times.dropna().to_numpy(dtype="datetime64[ns]").view("int64")
    return bool((ns % (86_400 * 10**9) == 0).all())


def _from_serial(days: pd.Series) -> pd.Series:
    in_range = days.between(*_SERIAL_RANGE)
    stamps = _EXCEL_EPOCH + pd.to_timedelta(days.where(in_range), unit="D")
    return stamps.dt.round("s")


def _from_text(cells: pd.Series, dayfirst: bool) -> pd.Series:
    """Text cells as timestamps: year-first spellings read from their bytes, the others as ``_from_any_text`` does."""
    stamps, read = stamp_bytes.year_first(_arrow(cells))
    stamps = pd.Series(stamps, index=cells.index)
    if (rest := ~read & cells.notna().to_numpy()).any():
        stamps[rest] = _from_any_text(cells[rest], dayfirst)
    return stamps


def _from_any_text(cells: pd.Series, dayfirst: bool) -> pd.Series:
    """Text cells as timestamps: half-day words and UTC offsets first, then every date spelling."""
    # Rare: every half-day word holds 午, 上 or 晨, searched for in the bytes before the words are.
    if (any(may_contain(cells, part) for part in "午上晨")
            and pc.any(pc.match_substring_regex(_arrow(cells), _HALF_DAY_WORDS)).as_py()):
        for pattern, replacement in _HALF_DAY:
            cells = replace(cells, pattern, replacement)
    if not pc.any(pc.match_substring_regex(_arrow(cells), _ZONE)).as_py():  # a cheap test: extraction is slow
        return _spelled(cells, dayfirst)
    zoned = extract(cells, _OFFSET)
    has_zone = zoned["zone"].notna()
    if not has_zone.any():
        return _spelled(cells, dayfirst)
    stamps = _spelled(cells.where(~has_zone, zoned["stamp"]), dayfirst)
    zone = zoned["zone"][has_zone].str.replace(":", "").replace("Z", "+0000")
    offset = pd.to_timedelta(zone.str[0].map({"+": 1, "-": -1}) * (
        zone.str[1:3].astype(int) * 60 + zone.str[3:5].astype(int)), unit="min")
    local = pd.Timedelta(hours=settings()["timestamps"]["utc_offset_hours"])
    stamps[has_zone] = stamps[has_zone] - offset + local
    return stamps


def _spelled(cells: pd.Series, dayfirst: bool) -> pd.Series:
    # Year-first spellings stamp_bytes left (2021-03-05 14:32:07.5, a second 60) are rewritten to Y-M-D H:M:S by a
    # few regex replacements and parsed at C speed; only what is left goes through extraction.
    array = _arrow(cells)
    spelled = pc.invert(pc.fill_null(pc.match_substring_regex(array, _ISO), True))
    if pc.any(spelled).as_py():
        array = pc.replace_with_mask(array, spelled, time_rewrites.rewritten(pc.filter(array, spelled)))
    # Parse each shape with its exact format: a failing cell costs pandas far more than a good one.
    colons = pd.Series(pc.fill_null(pc.count_substring(array, ":"), -1).to_numpy(), index=cells.index)
    rewritten = _series(array, cells.index)
    fast = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    for count, fmt in ((2, "%Y-%m-%d %H:%M:%S"), (1, "%Y-%m-%d %H:%M"), (0, "%Y-%m-%d")):
        shaped = colons == count
        if shaped.any():
            fast[shaped] = _to_ns(pd.to_datetime(rewritten[shaped], format=fmt, errors="coerce"))
    slow = fast.isna() & cells.notna()
    if not slow.any():
        return fast
    todo = cells[slow]
    parts = extract(todo, _YEAR_FIRST)
    last = extract(todo, _YEAR_LAST)
    last["mo"], last["d"] = (last["b"], last["a"]) if dayfirst else (last["a"], last["b"])
    parts = parts.fillna(last[parts.columns])
    named = extract(todo, _MONTH_NAMED)
    named["mo"] = lookup(named["mon"].str.lower().str[:3], _MONTHS)
    parts = parts.fillna(named[parts.columns])

    hour = _clock_hour(parts["h"], parts["ampm"])
    canonical = (
        parts["y"] + "-" + _pad2(parts["mo"]) + "-" + _pad2(parts["d"]) + " "
        + hour + ":" + _pad2(parts["mi"].fillna("0")) + ":" + _pad2(parts["s"].fillna("0"))
    )
    fast[slow] = _to_ns(pd.to_datetime(canonical, format="%Y-%m-%d %H:%M:%S", errors="coerce"))
    serial = matches(todo, _SERIAL)
    if serial.any():
        fast[serial[serial].index] = _from_serial(pd.to_numeric(todo[serial]))
    return fast


def _to_ns(stamps: pd.Series) -> pd.Series:
    """Timestamps in nanoseconds; years pandas cannot hold that way (0001, 9999) become NaT."""
    inside = (stamps >= _NS_RANGE[0]) & (stamps <= _NS_RANGE[1])
    return stamps.where(inside).astype("datetime64[ns]")


def _clock_hour(hours: pd.Series, ampm: pd.Series) -> pd.Series:
    """Hours as two digits, with 12-hour clock readings (11 PM, 12 AM) turned to 24-hour."""
    h = pd.to_numeric(hours.fillna("0"), errors="coerce")
    marker = ampm.str.lower().str[0]
    is_pm, is_am = marker.eq("p").fillna(False).astype(bool), marker.eq("a").fillna(False).astype(bool)
    twelve = (is_pm | is_am) & (h > 12)  # "13:00 PM" is no time at all
    h = h.where(~(is_pm | is_am), h % 12 + is_pm * 12).where(~twelve)
    return _pad2(h.astype("Int64").astype("string"))


def _pad2(values: pd.Series) -> pd.Series:
    return _series(pc.utf8_lpad(_arrow(values), width=2, padding="0"), values.index)


def time_of_day(values: pd.Series) -> pd.Series:
    """Parse a time of day (``14:32:07``, ``0:26``, ``14时32分``, ``11:53 PM``, a time cell) as a timedelta."""
    out = pd.Series(pd.NaT, index=values.index, dtype="timedelta64[ns]")
    kinds = _kinds(values)
    raw = values.astype(object)
    timed = kinds.isin(["time", "datetime"])
    if timed.any():
        out[timed] = pd.to_timedelta(raw[timed].map(lambda v: v.strftime("%H:%M:%S")))
    number = _numeric(raw, kinds)
    fraction = number.between(0, 1, inclusive="left")  # Excel stores a time as a fraction of a day
    if fraction.any():
        out[fraction] = pd.to_timedelta((number[fraction] * 86400).round(), unit="s")
    is_text = kinds == "str"
    if is_text.any():
        parts = extract(text(raw[is_text]), _CLOCK)
        hour = pd.to_numeric(_clock_hour(parts["h"], parts["ampm"]), errors="coerce")
        minute, second = (pd.to_numeric(parts[k].fillna("0"), errors="coerce") for k in ("mi", "s"))
        valid = parts["h"].notna() & (hour < 24) & (minute < 60) & (second < 60)
        seconds = (hour * 3600 + minute * 60 + second).where(valid.fillna(False).astype(bool))
        out[is_text] = pd.to_timedelta(seconds.astype("float64"), unit="s")
    return out


def on_day_of(base: pd.Series, clock: pd.Series) -> pd.Series:
    """A time of day placed on the day of ``base``, rolled to the next day when it would fall
    more than 12 hours before ``base`` (23:58 then 00:03 is five minutes later, not a day earlier)."""
    stamp = base.dt.normalize() + clock
    return stamp.where(~(stamp < base - pd.Timedelta(hours=12)), stamp + pd.Timedelta(days=1))


def durations(values: pd.Series) -> pd.Series:
    """Parse durations as seconds: ``5 分 4 秒``, ``5'04"``, ``00:05:04``, ``05:04`` (min:s), ``304``."""
    kinds = _kinds(values)
    raw = values.astype(object)
    out = _numeric(raw, kinds).astype("float64")
    timed = kinds == "time"
    if timed.any():
        out[timed] = raw[timed].map(lambda v: v.hour * 3600 + v.minute * 60 + v.second)
    is_text = kinds == "str"
    if is_text.any():
        cells = text(raw[is_text])
        words = extract(cells, _DURATION_WORDS)
        clock = extract(cells, _DURATION_CLOCK)
        parts = words.where(words.notna().any(axis=1), clock, axis=0)
        numeric = parts.apply(pd.to_numeric, errors="coerce").astype("float64")
        seconds = numeric["h"].fillna(0) * 3600 + numeric["m"].fillna(0) * 60 + numeric["s"].fillna(0)
        out[is_text] = seconds.where(numeric.notna().any(axis=1))
    return out


def numbers(values: pd.Series, unit: Literal["count", "10k_yuan"] = "count") -> pd.Series:
    """Parse numbers with full-width digits, thousands separators and units; unparseable -> NaN.

    ``unit="count"``: ``3人`` -> 3, ``1,200`` -> 1200, ``1.5万`` -> 15000, ``-4.50755e-05`` -> -0.0000450755.
    ``unit="10k_yuan"`` (a column in 万元): ``1.5万`` and ``1.5万元`` -> 1.5, ``15000元`` -> 1.5,
    a bare ``1.5`` -> 1.5. Result: float64.
    """
    kinds = _kinds(values)
    raw = values.astype(object) if (kinds != "str").any() else values
    is_number = kinds == "number"
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[is_number] = pd.to_numeric(raw[is_number], errors="coerce").astype("float64")

    out[~is_number] = _text_numbers(text(raw if is_text(values) else raw[~is_number]), unit)
    return out


def _text_numbers(cells: pd.Series, unit: Literal["count", "10k_yuan"]) -> pd.Series:
    """Clean text cells as numbers (float64): plain numbers (most of a column) cast at once, the others read by
    ``_NUMBER``, whose extraction costs ten times the cast."""
    array = _arrow(cells)
    # Digits with at most one point inside them (3, 30.296309), up to 15 digits: a float holds those to the same
    # nearest value whichever reads them.
    digits = pc.replace_substring(array, ".", "", max_replacements=1)
    plain = pc.and_(pc.ascii_is_decimal(digits), pc.less_equal(pc.binary_length(digits), 15))
    plain = pc.fill_null(pc.and_not(plain, pc.or_(pc.starts_with(array, "."), pc.ends_with(array, "."))), False)
    value = np.full(len(cells), np.nan)
    if pc.any(plain).as_py():
        value[plain.to_numpy(zero_copy_only=False)] = pc.cast(pc.filter(array, plain), pa.float64()).to_numpy()
    rest = cells.notna().to_numpy() & ~plain.to_numpy(zero_copy_only=False)
    if rest.any():
        value[rest] = _worded_numbers(cells[rest], unit).to_numpy()
    return pd.Series(value, index=cells.index)


def _worded_numbers(cells: pd.Series, unit: Literal["count", "10k_yuan"]) -> pd.Series:
    """Clean text cells as numbers read by ``_NUMBER``: a sign, thousands separators, 万 and a unit."""
    parts = extract(cells, _NUMBER)
    value = pd.to_numeric(parts["num"].str.replace(",", "", regex=False), errors="coerce").astype("float64")
    value = value.where(parts["sign"].ne("-").fillna(True).astype(bool), -value)
    wan = parts["wan"].notna()
    if unit == "count":
        return value.where(~wan, value * 10_000)
    in_yuan = parts["unit"].eq("元").fillna(False).astype(bool) & ~wan
    return value.where(~in_yuan, value / 10_000)

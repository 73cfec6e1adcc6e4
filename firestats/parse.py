"""Vectorised parsers for the cell spellings found in real exports.

Each parser takes a Series of raw cells (strings, numbers or datetimes, as a reader returns
them) and returns parsed values with missing or unparseable cells as NA. Callers tell the two
apart with :func:`is_blank`: a cell that is not blank but parses to NA is a problem to report.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serial numbers of 1954-10-14 .. 2173-10-14: wide enough for any incident, narrow enough
# not to mistake a count or an ID for a date.
_SERIAL_RANGE = (20_000.0, 100_000.0)

_DATE_TIME = (
    r"^(?P<y>\d{4})[-/.年](?P<mo>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[ T]*(?P<h>\d{1,2})[:时点](?P<mi>\d{1,2})(?:[:分](?P<s>\d{1,2})(?:\.\d+)?)?[分秒]?)?$"
)
_COMPACT = r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?$"
_SERIAL = r"^\d{5}(?:\.\d+)?$"

_NUMBER = (
    r"^(?P<sign>[-+]?)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<wan>万)?(?P<unit>元|人次|辆次|人|辆|台|次|起|个|名|家次|家|份)?$"
)


def text(values: pd.Series) -> pd.Series:
    """Cells as clean text: NFKC-normalised (full-width to half-width), trimmed, blanks as NA."""
    as_text = values.astype("string").str.normalize("NFKC").str.strip()
    return as_text.mask(as_text == "")


def identifiers(values: pd.Series) -> pd.Series:
    """IDs as text; an ID Excel stored as a number reads ``2023010001``, not ``2023010001.0``."""
    raw = values.astype(object)
    integral = raw.map(lambda v: isinstance(v, float) and v.is_integer())
    return text(raw.where(~integral, raw[integral].map(lambda v: str(int(v)))))


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell holds nothing (NA, or only white space)."""
    return text(values).isna()


def timestamps(values: pd.Series) -> pd.Series:
    """Parse timestamps written in any spelling firestats knows; unparseable cells become NaT.

    Understood: ``2021-03-05 14:32:07``, ``2021/3/5 14:32``, ``2021年3月5日14时32分07秒``,
    ``20210305143207``, Excel serial day numbers (as numbers or text), and datetime cells.
    Result: naive local time, ``datetime64[ns]``.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    raw = values.astype(object)

    is_datetime = raw.map(lambda v: isinstance(v, (dt.datetime, dt.date)))
    if is_datetime.any():
        # Excel keeps times as fractions of a day: round off the float error to whole seconds.
        stamps = pd.to_datetime(raw[is_datetime].astype(str), errors="coerce")
        out[is_datetime] = stamps.dt.round("s")

    # A number is an Excel serial day, unless it is a compact 20210305143207 typed into a cell.
    number = pd.to_numeric(raw.where(_is_number(raw)), errors="coerce")
    is_serial = number.between(*_SERIAL_RANGE)
    if is_serial.any():
        out[is_serial] = _from_serial(number[is_serial])
    is_compact = number.notna() & ~is_serial & (number % 1 == 0)
    raw = raw.where(~is_compact, number[is_compact].map(lambda v: str(int(v))))

    rest = ~(is_datetime | is_serial)
    if rest.any():
        out[rest] = _from_text(text(raw[rest]))
    return out


def _is_number(raw: pd.Series) -> pd.Series:
    return raw.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))


def _from_serial(days: pd.Series) -> pd.Series:
    in_range = days.between(*_SERIAL_RANGE)
    stamps = _EXCEL_EPOCH + pd.to_timedelta(days.where(in_range), unit="D")
    return stamps.dt.round("s")


def _from_text(cells: pd.Series) -> pd.Series:
    parts = cells.str.extract(_DATE_TIME)
    compact = cells.str.extract(_COMPACT)
    parts = parts.fillna(compact)
    canonical = (
        parts["y"] + "-" + parts["mo"].str.zfill(2) + "-" + parts["d"].str.zfill(2) + " "
        + parts["h"].fillna("0").str.zfill(2) + ":" + parts["mi"].fillna("0").str.zfill(2) + ":"
        + parts["s"].fillna("0").str.zfill(2)
    )
    parsed = pd.to_datetime(canonical, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    serial = cells.str.fullmatch(_SERIAL).fillna(False).astype(bool)
    if serial.any():
        parsed[serial] = _from_serial(pd.to_numeric(cells[serial]))
    return parsed.astype("datetime64[ns]")


def numbers(values: pd.Series, unit: Literal["count", "10k_yuan"] = "count") -> pd.Series:
    """Parse numbers with full-width digits, thousands separators and units; unparseable -> NA.

    ``unit="count"``: ``3人`` -> 3, ``1,200`` -> 1200, ``1.5万`` -> 15000.
    ``unit="10k_yuan"`` (a column in 万元): ``1.5万`` and ``1.5万元`` -> 1.5, ``15000元`` -> 1.5,
    a bare ``1.5`` -> 1.5. Result: float64.
    """
    raw = values.astype(object)
    is_number = _is_number(raw)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[is_number] = raw[is_number].astype(float)

    cells = text(raw[~is_number])
    parts = cells.str.extract(_NUMBER)
    value = pd.to_numeric(parts["num"].str.replace(",", "", regex=False), errors="coerce").astype("float64")
    value = value.where(parts["sign"].ne("-").fillna(True).astype(bool), -value)
    wan = parts["wan"].notna()
    if unit == "count":
        value = value.where(~wan, value * 10_000)
    else:
        in_yuan = parts["unit"].eq("元").fillna(False).astype(bool) & ~wan
        value = value.where(~in_yuan, value / 10_000)
    out[~is_number] = value.astype("float64")
    return out

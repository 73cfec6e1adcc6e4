"""The periods stations report on: a year, a half, a quarter or a month, as a user writes them
(``2024``, ``2024-H1``, ``2024-Q3``, ``2024-03``), with their dates and the words a report uses."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from firestats.errors import InputError
from firestats.vocabulary.messages import _

if TYPE_CHECKING:  # pandas is not imported for a period: the report's own process resolves one without it
    import pandas as pd

KINDS = ("year", "half", "quarter", "month")
MONTHS_IN = {"year": 12, "half": 6, "quarter": 3, "month": 1}  # each kind of period's length, in months
# 2024, 2024-H1, 2024-Q3, 2024-03, and the same written without the hyphen (2025Q3) or with a space.
_PATTERN = re.compile(
    r"(?P<year>\d{4})(?:[- ]?(?:(?P<half>H[12])|(?P<quarter>Q[1-4])|(?P<month>\d{1,2})))?", re.I)
# A part of a year alone: H1, Q3, 03.
_PART = re.compile(r"(?:H[12]|Q[1-4]|\d{1,2})", re.I)
_QUARTER_WORDS = "一二三四"
TREND_YEARS = 5  # a report looks back over this many years at most (近五年): the years behind each figure
# The years a period can be of: its end (the next year's first moment) and the year before it (同比) must be dates
# Python can hold, whose last year is 9999; none of these is a typing error's 0 or 99999.
YEARS = range(1000, 9999)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: ``kind`` (year, half, quarter, month), its ``year`` and its ``index`` within the
    year (1-based: H1 = 1, Q3 = 3, March = 3; 1 for a year)."""

    year: int
    kind: str = "year"
    index: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not 1 <= self.index <= 12 // MONTHS_IN[self.kind]:
            raise InputError(f"{self.kind} {self.index} is no period: write 2024, 2024-H1, 2024-Q3 or 2024-03")
        if self.year not in YEARS:
            raise InputError(f"{self.year} is no year a report can be of: from {YEARS[0]} to {YEARS[-1]}")

    @classmethod
    def containing(cls, year: int, month: int, kind: str) -> Period:
        """The period of ``kind`` that holds a month (1..12) of ``year``: (2024, 8, quarter) -> 2024-Q3."""
        return cls(year, kind, (month - 1) // MONTHS_IN[kind] + 1)

    @property
    def first_month(self) -> int:
        """The period's first month, 1..12."""
        return (self.index - 1) * MONTHS_IN[self.kind] + 1

    @property
    def months(self) -> range:
        """The period's months, 1..12."""
        return range(self.first_month, self.first_month + MONTHS_IN[self.kind])

    @property
    def start(self) -> dt.datetime:
        """The period's first moment."""
        return dt.datetime(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.datetime:
        """The moment after the period (its end, exclusive)."""
        after = self.first_month + MONTHS_IN[self.kind]
        return dt.datetime(self.year + (after > 12), (after - 1) % 12 + 1, 1)

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days

    @property
    def label(self) -> str:
        """As a user writes it and files are named: 2024, 2024-H1, 2024-Q3, 2024-03."""
        suffix = {"year": "", "half": f"-H{self.index}", "quarter": f"-Q{self.index}", "month": f"-{self.index:02d}"}
        return f"{self.year}{suffix[self.kind]}"

    @property
    def name(self) -> str:
        """As a report names it: 2024年, 2024年上半年, 2024年第三季度, 2024年3月."""
        if self.kind == "quarter":  # apart: a month's index (5..12) is no quarter's, and a dict builds every entry
            return f"{self.year}年第{_QUARTER_WORDS[self.index - 1]}季度"
        return f"{self.year}年" + {"year": "", "half": self.words, "month": f"{self.index}月"}[self.kind]

    @property
    def title(self) -> str:
        """As a report's title names it: 2024年度, 2024年上半年, 2024年第三季度, 2024年3月."""
        return f"{self.year}年度" if self.kind == "year" else self.name

    @property
    def words(self) -> str:
        """How a report's text calls the period it is about: 全年, 上半年 / 下半年, 本季度, 本月."""
        return {"year": "全年", "half": "上半年" if self.index == 1 else "下半年", "quarter": "本季度",
                "month": "本月"}[self.kind]

    @property
    def last_day(self) -> dt.date:
        """The period's last day."""
        return (self.end - dt.timedelta(days=1)).date()

    @property
    def this(self) -> str:
        """How a report calls the period it is about when it says "this": 本年度, 上半年 / 下半年, 本季度, 本月."""
        return "本年度" if self.kind == "year" else self.words

    @property
    def dates(self) -> str:
        """Its first and last day as a report writes them: 2024年3月1日至3月31日."""
        return days_written(self.start.date(), self.last_day)

    def previous(self) -> Period:
        """The period just before (环比): 2024-Q1 -> 2023-Q4, 2024-03 -> 2024-02, 2024 -> 2023."""
        count = 12 // MONTHS_IN[self.kind]
        return Period(self.year - 1, self.kind, count) if self.index == 1 else Period(self.year, self.kind,
                                                                                       self.index - 1)

    def following(self) -> Period:
        """The period just after: 2024-Q4 -> 2025-Q1, 2024-03 -> 2024-04, 2024 -> 2025."""
        count = 12 // MONTHS_IN[self.kind]
        if self.index == count:
            return replace(self, year=self.year + 1, index=1)
        return replace(self, index=self.index + 1)

    def a_year_earlier(self) -> Period:
        """The same period a year earlier (同比)."""
        return self.in_year(self.year - 1)

    def in_year(self, year: int) -> Period:
        """The same period (the year, its H2, its Q3, its March) in another ``year``."""
        return Period(year, self.kind, self.index)

    def years_compared(self) -> list[int]:
        """The years a report of this period reads: its own, the four before it (the years behind each figure, a
        year earlier's among them) and the previous period's."""
        return sorted({*range(self.year - TREND_YEARS + 1, self.year + 1), self.previous().year})

    def contains(self, times: pd.Series) -> pd.Series:
        """Which times fall in the period (False for a missing time)."""
        return ((times >= self.start) & (times < self.end)).fillna(False).astype(bool)


def days_written(first: dt.date, last: dt.date) -> str:
    """Two days as a report writes them, the year once when it is the same: 2024年3月1日至3月31日."""
    to = f"{last.month}月{last.day}日" if last.year == first.year else f"{last:%Y}年{last.month}月{last.day}日"
    return f"{first.year}年{first.month}月{first.day}日至{to}"


def parse_period(text: str | int) -> Period:
    """A period as a user writes it: ``2024``, ``2024-H1``/``H2``, ``2024-Q1``…``Q4``, ``2024-03``."""
    match = _PATTERN.fullmatch(str(text).strip())
    month = int(match["month"]) if match and match["month"] else None
    if not match or (month is not None and not 1 <= month <= 12):
        raise InputError(_("{text!r} is no period: write 2024, 2024-H1, 2024-Q3 or 2024-03").format(text=text))
    year = int(match["year"])
    if match["half"]:
        return Period(year, "half", int(match["half"][1]))
    if match["quarter"]:
        return Period(year, "quarter", int(match["quarter"][1]))
    return Period(year, "month", month) if month else Period(year)


def period_of(year: int | None, part: str | None) -> Period:
    """A period as the command line and the notebook give it: the whole ``year`` (``part`` None), a part of it
    (``H1``, ``Q3``, ``03``), or a whole label alone (``2024-Q3``, ``2024``; a ``year`` given beside it must be
    its year)."""
    if part is None or not str(part).strip():
        if year is None:
            raise InputError(_("give --year 2024 or --period 2024-Q3"))
        return parse_period(year)
    if _PART.fullmatch(str(part).strip()):
        if year is None:
            raise InputError(_("--period {part} is a part of a year: give --year too, or write it whole (2024-{part})")
                             .format(part=part))
        return parse_period(f"{year}-{str(part).strip()}")
    period = parse_period(part)
    if year is not None and int(year) != period.year:
        raise InputError(_("--year {year} and --period {part} name different years: give the period alone").format(
            year=year, part=part))
    return period


def periods_in(year: int, kind: str) -> list[Period]:
    """Every period of ``kind`` (year, half, quarter, month) in a year, in order."""
    if kind not in KINDS:
        raise InputError(f"{kind!r} is no kind of period: one of {', '.join(KINDS)}")
    return [Period(year, kind, i) for i in range(1, 12 // MONTHS_IN[kind] + 1)]

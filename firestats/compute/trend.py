"""The years behind each figure: a station's (or a level's) trend figures for the same period of every year the
data holds, up to five, and where a figure has moved one way year after year."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from typing import Any

import numpy as np
import pandas as pd

from firestats.catalogue import shown_in
from firestats.compute.compare import value_at
from firestats.compute.side_by_side import Grouping, Rows, Rules, has_records
from firestats.periods import TREND_YEARS, Period
from firestats.request import Options
from firestats.store import Dataset

STEADY = 3  # a move is stated when it held over at least this many years (近三年连续下降), never from two


def years_behind(dataset: Dataset, station: str | Collection[str] | None, period: Period, options: Options = Options(),
                 most: int = TREND_YEARS, known: dict[int, dict[str, Any] | None] | None = None) -> pd.DataFrame:
    """The catalogue's trend figures (counts, persons, 万元, seconds, shares 0..1) for the same period of each of
    the last ``most`` years up to ``period``'s, one row per year with records in that period (index: year), graded
    as ``options`` say (the report's score table); the years ``known`` (a report's own period and a year earlier's,
    already computed: their figures, None without records) are not computed again, the others counted side by side,
    each year its own group."""
    first = period.year - most + 1
    held = dataset.years_held(station, range(first, period.year + 1))
    computed = {year: figures for year, figures in (known or {}).items() if year in held}
    wanted = sorted(held - set(computed))
    if wanted:
        rows = Rows(dataset.narrow(station, wanted), period, Rules.of(dataset, options))
        computed.update(rows.of(wanted, _year_in(period, wanted)))
    # A year with records, none in its period: no row, never a row of zeros.
    return pd.DataFrame.from_dict({year: {e.key: value_at(figures, e.key) for e in shown_in("trend")}
                                   for year, figures in sorted(computed.items()) if figures and has_records(figures)},
                                  orient="index").rename_axis("year")


def _year_in(period: Period, years: list[int]) -> Grouping:
    """Each row's year where its date falls in the same period of one of ``years`` (NaN elsewhere): a trend's
    groups."""
    def group(frame: pd.DataFrame) -> pd.Series:
        dates = frame["received_at" if "received_at" in frame else "date"]
        inside = np.logical_or.reduce([period.in_year(year).contains(dates).to_numpy() for year in years])
        return dates.dt.year.where(inside)
    return group


def steady(values: pd.Series, alike: Callable[[Any, Any], bool] = operator.eq) -> int:
    """Over how many of the last years a figure moved one way each year: +n rising, -n falling (n ≥ STEADY years,
    so n-1 moves), 0 when it did not, or a year in between has no figure, or two years' are ``alike`` (as a report
    writes them: 8分39秒 twice is no fall)."""
    run, direction = 1, 0
    for before, after in zip(values.iloc[-2::-1], values.iloc[:0:-1]):  # from the last year back
        if pd.isna(before) or pd.isna(after) or alike(before, after):
            break
        step = 1 if after > before else -1
        if direction and step != direction:
            break
        run, direction = run + 1, step
    return run * direction if run >= STEADY else 0


def moves(table: pd.DataFrame, alike: Callable[[str, Any, Any], bool] = lambda key, a, b: a == b
          ) -> list[dict[str, Any]]:
    """The trend figures that moved one way over STEADY years or more (a sample size, the n beside a median, is no
    trend), each with its key, how many years (+n rising, -n falling) and its value in each of those years (oldest
    first); ``alike`` says whether two values of a key read the same."""
    found = []
    for key in (k for k in table.columns if not k.endswith(".n")):
        moved = steady(table[key], lambda a, b, key=key: alike(key, a, b))
        if moved:
            years = table[key].iloc[-abs(moved):]
            found.append({"key": key, "moved": moved, "years": {int(y): v for y, v in years.items()}})
    return found

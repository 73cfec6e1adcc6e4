"""Training figures: a slice's score-sheet records scored against a score table, then counted and rated.

Rates are shares 0..1 of the scored results; absent (缺考) and exempt (免考) records are counted
but in no rate; points are the score table's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from firestats.compute.scoring import ScoreTable
from firestats.ingest.assessments import ABSENT, EXEMPT, PRESENT
from firestats.privacy import mask_name
from firestats.vocabulary.spelling import unique_names

KINDS = ("周测", "月考", "比武")


def score(records: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Records with ``points`` and ``grade`` (scored results only; others NaN / NA)."""
    return table.score_frame(records.assign(result=records["result"].where(records["status"] == PRESENT)))


def _rates(scored: pd.DataFrame, table: ScoreTable) -> dict[str, Any]:
    """n scored results, pass and excellent rates (0..1) and mean points of records (None without a score)."""
    return _rates_of_points(scored["points"].to_numpy(dtype=float, na_value=np.nan), table)


def _rates_by(scored: pd.DataFrame, by: pd.Series | np.ndarray, table: ScoreTable) -> dict[Any, dict[str, Any]]:
    """:func:`_rates` of each group of records by ``by``, in the groups' order (a record without a key in none):
    one sort for all the groups, a report rating every item and month, an overview every station."""
    codes, keys = pd.factorize(by, sort=True)
    points = scored["points"].to_numpy(dtype=float, na_value=np.nan)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))  # where each group's records start
    return {key: _rates_of_points(points[order[bounds[code]:bounds[code + 1]]], table)
            for code, key in enumerate(keys)}


def _rates_of_points(points: np.ndarray, table: ScoreTable) -> dict[str, Any]:
    """:func:`_rates_of` the points given (NaN: a result without a score, in no rate), summed exactly."""
    held = points[~np.isnan(points)]
    return _rates_of(held.size, int((held >= table.cutoffs["pass"]).sum()),
                     int((held >= table.cutoffs["excellent"]).sum()), math.fsum(held))


def _rates_of(n: int, passed: int, excellent: int, total: float) -> dict[str, Any]:
    if not n:
        return {"n": 0, "pass_rate": None, "excellent_rate": None, "mean_points": None}
    # The mean as sum / n: table points are whole (or halves), so their sum is exact in any order.
    return {"n": n, "pass_rate": passed / n, "excellent_rate": excellent / n, "mean_points": round(total / n, 2)}


def training_figures(mine: pd.DataFrame, table: ScoreTable, show_names: bool = False) -> dict[str, Any] | None:
    """A slice's assessment figures from its scored records; None when it has no assessment records.

    Rates are shares 0..1 of scored results (absent and exempt records count in none);
    points are the score table's; names are masked (张*三) unless ``show_names``.
    """
    if mine.empty:
        return None
    name = (lambda n: n) if show_names else mask_name
    # The columns counted alone: not every column's rows taken.
    present = mine[["date", "item", "person", "points"]][(mine["status"] == PRESENT).to_numpy(dtype=bool)]
    by_item = _rates_by(present, present["item"], table)
    ranked = sorted((item for item in by_item if by_item[item]["n"]),
                    key=lambda i: (by_item[i]["pass_rate"], by_item[i]["excellent_rate"], by_item[i]["mean_points"]))
    scored = present.dropna(subset=["points"])  # an unscored result (no age for its band) has no points
    trend = scored["points"].groupby([scored["person"], scored["date"].dt.month]).mean().round(2)
    people: dict[str, dict[int, float]] = {}  # one pass over the means, not a Series made per person
    for (person, month), points in trend.items():
        people.setdefault(person, {})[int(month)] = float(points)
    return {
        "score_table": {"version": table.version, "title": table.title, "official": table.official},
        "tests": _sessions(mine),
        "participants": int(present["person"].nunique()),
        "results": int(len(present)),
        "absent": int((mine["status"] == ABSENT).sum()),
        "exempt": int((mine["status"] == EXEMPT).sum()),
        "overall": _rates(present, table),
        "by_item": by_item,
        "by_month": {int(m): rates for m, rates in _rates_by(present, present["date"].dt.month, table).items()},
        "weakest_items": ranked[:3],
        "strongest_items": ranked[::-1][:3],
        "competitions": _competitions(mine, name),
        "people": dict(zip(unique_names([name(p) for p in people]), people.values())),
    }


def _sessions(mine: pd.DataFrame) -> dict[str, int]:
    """Tests held of each kind: the days records of that kind were taken on (a record without a date its own)."""
    days = mine["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)  # NaT a value like any other
    return {kind: int(np.unique(days[(mine["kind"] == kind).to_numpy(dtype=bool, na_value=False)]).size)
            for kind in KINDS}


def _competitions(mine: pd.DataFrame, name: Callable[[str], str]) -> list[dict[str, Any]]:
    """Competition placings (比武 with a rank) by date and rank: date, person (as ``name`` writes them), rank."""
    placed = ((mine["kind"] == "比武") & mine["rank"].notna()).to_numpy(dtype=bool, na_value=False)
    if not placed.any():  # most slices: no frame taken
        return []
    rows = mine.loc[placed, ["date", "person", "rank"]].drop_duplicates(["date", "person"])
    return [{"date": f"{r.date:%Y-%m-%d}", "person": name(r.person), "rank": int(r.rank)}
            for r in rows.sort_values(["date", "rank"], kind="stable").itertuples()]


def weekly_rates(scored: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Each weekly test (周测) of a year's scored records: week of the year (from 1 January), scored results,
    pass and excellent rates (0..1)."""
    weekly = scored["kind"] == "周测"
    points = scored.loc[weekly.to_numpy(dtype=bool, na_value=False), ["date", "points"]].dropna(subset=["points"])
    # Weeks counted from 1 January: ISO weeks would put 31 December into week 1 with 3 January.
    week = (points["date"].dt.day_of_year - 1) // 7 + 1
    return pd.DataFrame({
        "n": points["points"].groupby(week).size(),
        "pass_rate": (points["points"] >= table.cutoffs["pass"]).groupby(week).mean(),
        "excellent_rate": (points["points"] >= table.cutoffs["excellent"]).groupby(week).mean(),
    }).rename_axis("week")

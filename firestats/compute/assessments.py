"""Training figures: a slice's score-sheet records scored against a score table, then counted and rated.

Rates are shares 0..1 of the scored results; absent (缺考) and exempt (免考) records are counted
but in no rate; points are the score table's.
"""

from __future__ import annotations

from typing import Any

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
    points = scored["points"]
    return _rates_of(int(points.notna().sum()), int((points >= table.cutoffs["pass"]).sum()),
                     int((points >= table.cutoffs["excellent"]).sum()), float(points.sum()))


def _rates_by(scored: pd.DataFrame, by: pd.Series, table: ScoreTable) -> dict[Any, dict[str, Any]]:
    """:func:`_rates` of each group of records by ``by``, in the groups' order: counted together, since a
    report rates every item and month of every station."""
    points = scored["points"]
    counts = pd.DataFrame({"n": points.notna(), "passed": points >= table.cutoffs["pass"],
                           "excellent": points >= table.cutoffs["excellent"], "sum": points.fillna(0.0)})
    totals = counts.groupby(by, sort=True).sum()
    return {key: _rates_of(int(row.n), int(row.passed), int(row.excellent), float(row.sum))
            for key, row in zip(totals.index, totals.itertuples(index=False))}


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
    present = mine[mine["status"] == PRESENT]
    sessions = mine[["date", "kind"]].drop_duplicates()  # the columns counted alone, not every column's rows taken
    by_item = _rates_by(present, present["item"], table)
    ranked = sorted((item for item in by_item if by_item[item]["n"]),
                    key=lambda i: (by_item[i]["pass_rate"], by_item[i]["excellent_rate"], by_item[i]["mean_points"]))
    placed = mine.loc[(mine["kind"] == "比武") & mine["rank"].notna(), ["date", "person", "rank"]].drop_duplicates(
        ["date", "person"])
    competitions = placed.sort_values(["date", "rank"], kind="stable")
    scored = present.dropna(subset=["points"])  # an unscored result (no age for its band) has no points
    trend = scored.groupby(["person", scored["date"].dt.month])["points"].mean().round(2)
    people: dict[str, dict[int, float]] = {}  # one pass over the means, not a Series made per person
    for (person, month), points in trend.items():
        people.setdefault(person, {})[int(month)] = float(points)
    return {
        "score_table": {"version": table.version, "title": table.title, "official": table.official},
        "tests": {k: int((sessions["kind"] == k).sum()) for k in KINDS},
        "participants": int(present["person"].nunique()),
        "results": int(len(present)),
        "absent": int((mine["status"] == ABSENT).sum()),
        "exempt": int((mine["status"] == EXEMPT).sum()),
        "overall": _rates(present, table),
        "by_item": by_item,
        "by_month": {int(m): rates for m, rates in _rates_by(present, present["date"].dt.month, table).items()},
        "weakest_items": ranked[:3],
        "strongest_items": ranked[::-1][:3],
        "competitions": [{"date": f"{r.date:%Y-%m-%d}", "person": name(r.person), "rank": int(r.rank)}
                         for r in competitions.itertuples()],
        "people": dict(zip(unique_names([name(p) for p in people]), people.values())),
    }


def weekly_rates(scored: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Each weekly test (周测) of a year's scored records: week of the year (from 1 January), scored results,
    pass and excellent rates (0..1)."""
    points = scored[scored["kind"] == "周测"].dropna(subset=["points"])
    # Weeks counted from 1 January: ISO weeks would put 31 December into week 1 with 3 January.
    grouped = points.groupby((points["date"].dt.day_of_year - 1) // 7 + 1)["points"]
    return pd.DataFrame({
        "n": grouped.size(),
        "pass_rate": grouped.apply(lambda p: (p >= table.cutoffs["pass"]).mean()),
        "excellent_rate": grouped.apply(lambda p: (p >= table.cutoffs["excellent"]).mean()),
    }).rename_axis("week")

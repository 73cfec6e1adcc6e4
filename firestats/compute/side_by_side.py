"""The figures stations are laid side by side with, for many stations (or brigades) at once: the catalogue's
``overview`` view with each time's n, the incidents of each month (and day, for a month) and, where asked, of each
place. Counted over a period's rows of all the groups together, then split by group, so thirty stations cost one
pass over their rows rather than thirty computes (a 支队's report spent half its time computing its stations);
each group's figures are, value for value, those :func:`firestats.compute.station.compute` gives it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from firestats.compute.activities import LISTED, whole
from firestats.compute.assessments import _rates_by, _rates_of, score
from firestats.compute.incidents import typed_counts
from firestats.compute.places import place_of
from firestats.compute.response import excluded, grouped_percentiles, profile, segment_seconds
from firestats.compute.scoring import ScoreTable, load_table
from firestats.ingest.assessments import PRESENT
from firestats.periods import Period
from firestats.privacy import redact
from firestats.request import Options
from firestats.schema import INCIDENT_TYPES, UNIDENTIFIED_PLACE
from firestats.settings import score_table_name, within_seconds
from firestats.store import Dataset
from firestats.vocabulary.activities import spec

# Names each row's group (a station, a brigade) from its frame; NaN: no group's.
Grouping = Callable[[pd.DataFrame], pd.Series]
SUMMED = ("rescued", "evacuated")  # people (人): whole numbers, None where no incident of the group has a value
SEGMENTS = ("call_processing", "turnout", "travel", "total")  # under the standard's exclusions


def by_station(frame: pd.DataFrame) -> pd.Series:
    """Each row's station: the overview's rows."""
    return frame["station"]


@dataclass(frozen=True)
class Rules:
    """What groups are held against, as compute holds a station: the score table, the response standard (a
    settings profile; None: the default), the arrival threshold (s) and the incident types the export carries
    (None: every type)."""

    table: ScoreTable
    standard: str | None
    within_s: int
    carried: list[str] | None

    @classmethod
    def of(cls, dataset: Dataset, options: Options) -> Rules:
        """The rules of a dataset's export, graded as ``options`` say (default: the settings' score table)."""
        return cls(load_table(options.score_table or score_table_name()), dataset.quality.get("standard"),
                   within_seconds(), dataset.quality.get("export_types"))


def side_by_side(mine: Dataset, groups: Iterable[str], group: Grouping, period: Period, rules: Rules,
                 places: bool = False) -> dict[str, dict[str, Any]]:
    """Each of ``groups``' figures over the period's rows (``mine``, narrowed to it), shaped as compute's: incidents
    (起) by type, people (人), losses averted (万元), dispatch to arrival (n, median and p90 in s, the share within
    ``rules.within_s`` 0..1), the segments (n, median, p90 in s), the overall pass rate (0..1, with n; None without
    assessment records), the activities summed (in each category's unit; None without ledger records), the
    incidents of each month of the period (and each day, for a month) and, with ``places``, each place's; each
    group's year (and the period's label, for a part of a year)."""
    names = list(groups)
    slot = {name: i for i, name in enumerate(names)}
    count = len(names)
    incidents = mine.incidents
    codes = _codes(group(incidents), slot)
    when = {"year": period.year, **({"period": period.label} if period.kind != "year" else {})}
    out = {name: {**when, "incidents": {}, "people": {}, "response": {"segments": {}}} for name in names}

    totals = np.bincount(codes[codes >= 0], minlength=count)
    types = _crosstab(codes, pd.Categorical(incidents["type"], categories=INCIDENT_TYPES).codes, count,
                      len(INCIDENT_TYPES))
    for i, name in enumerate(names):
        out[name]["incidents"] = {"total": int(totals[i]),
                                  "by_type": typed_counts(dict(zip(INCIDENT_TYPES, types[i].tolist())), rules.carried)}
    for column in SUMMED:
        for name, total in zip(names, _sums(_floats(incidents[column]), codes, count)):
            out[name]["people"][column] = None if total is None else int(total)
    for name, total in zip(names, _sums(_floats(incidents["loss_averted_10k_yuan"]), codes, count)):
        out[name]["loss_averted_10k_yuan"] = None if total is None else round(total, 4)

    seconds = segment_seconds(incidents)
    dispatch = seconds["dispatch_to_arrival"].to_numpy(dtype=float)
    n, (median, p90) = grouped_percentiles(dispatch, codes, count, (50, 90))
    within = np.bincount(codes[(dispatch <= rules.within_s) & (codes >= 0)], minlength=count)
    for i, name in enumerate(names):
        out[name]["response"]["dispatch_to_arrival"] = {**_summary(n[i], median[i], p90[i]),
                                                        "within_share": int(within[i]) / int(n[i]) if n[i] else None}
    counted = np.where(excluded(seconds, incidents, profile(rules.standard)).to_numpy(), -1, codes)
    for segment in SEGMENTS:
        n, (median, p90) = grouped_percentiles(seconds[segment].to_numpy(dtype=float), counted, count, (50, 90))
        for i, name in enumerate(names):
            out[name]["response"]["segments"][segment] = _summary(n[i], median[i], p90[i])

    for name, figures in _assessments(mine.assessments, names, group, rules.table).items():
        out[name]["assessments"] = figures
    for name, figures in _activities(mine.activities, names, group, slot).items():
        out[name]["activities"] = figures
    months = incidents["received_at"].dt.month.to_numpy()
    _counted_by(out, "monthly", codes, months, period.months)
    if period.kind == "month":
        _counted_by(out, "daily", codes, incidents["received_at"].dt.day.to_numpy(), range(1, period.days + 1))
    if places:
        _places(out, codes, place_of(incidents))
    return out


def _codes(groups: pd.Series, slot: dict[str, int]) -> np.ndarray:
    """Each row's group as its place among the groups, -1 for a row of none."""
    return groups.map(slot).fillna(-1).to_numpy(dtype=np.intp)


def _floats(values: pd.Series) -> np.ndarray:
    """A column as floats, NaN where it has no value."""
    return values.to_numpy(dtype=float, na_value=np.nan)


def _crosstab(codes: np.ndarray, kinds: np.ndarray, count: int, width: int) -> np.ndarray:
    """Rows by group (``count``) and kind (``width`` of them; -1 counts in none): a count × width matrix."""
    kept = (codes >= 0) & (kinds >= 0)
    return np.bincount(codes[kept] * width + kinds[kept], minlength=count * width).reshape(count, width)


def _sums(values: np.ndarray, codes: np.ndarray, count: int) -> list[float | None]:
    """Each group's values summed exactly (math.fsum: the same total summed alone or among others' rows), None
    where none of its rows has a value."""
    kept = ~np.isnan(values) & (codes >= 0)
    values, codes = values[kept], codes[kept]
    order = np.argsort(codes, kind="stable")
    parts = np.split(values[order], np.cumsum(np.bincount(codes, minlength=count))[:-1])
    return [math.fsum(part) if len(part) else None for part in parts]


def _summary(n: int, median: float, p90: float) -> dict[str, Any]:
    """A time's n, median and p90 (s) as compute gives them: None for n 0."""
    return {"n": int(n), "median_s": float(median) if n else None, "p90_s": float(p90) if n else None}


def _assessments(assessments: pd.DataFrame, names: list[str], group: Grouping,
                 table: ScoreTable) -> dict[str, dict[str, Any] | None]:
    """Each group's overall rates of its scored results (pass and excellent 0..1, mean points), None for a group
    without assessment records."""
    if assessments.empty:
        return dict.fromkeys(names)
    scored = score(assessments, table)
    present = scored[scored["status"] == PRESENT]
    rates = _rates_by(present, group(present), table) if len(present) else {}
    rated = set(group(assessments).dropna())
    return {name: {"overall": rates.get(name) or _rates_of(0, 0, 0, 0.0)} if name in rated else None
            for name in names}


def _activities(activities: pd.DataFrame, names: list[str], group: Grouping,
                slot: dict[str, int]) -> dict[str, dict[str, Any] | None]:
    """Each group's ledger totals by category (in its unit; 0 for a category it logged nothing of), None for a group
    without ledger records: the totals alone, not the lists and licences no side-by-side table shows."""
    if activities.empty:
        return dict.fromkeys(names)
    codes = _codes(group(activities), slot)
    logged = np.bincount(codes[codes >= 0], minlength=len(names))
    categories = activities["category"].to_numpy(dtype=object, na_value=None)
    quantity = _floats(activities["quantity"])
    totals = {category["figure"]: _sums(quantity, np.where(categories == name, codes, -1), len(names))
              for name, category in spec()["categories"].items()
              if category["figure"] not in LISTED and category["figure"] != "licences"}
    return {name: {key: whole(summed[i] or 0.0) for key, summed in totals.items()} if logged[i] else None
            for i, name in enumerate(names)}


def _counted_by(out: dict[str, dict[str, Any]], key: str, codes: np.ndarray, values: np.ndarray,
                shown: Iterable[int]) -> None:
    """Each group's incidents by ``values`` (a month, a day), for each of ``shown``, under ``key``."""
    shown = list(shown)
    width = max(shown) + 1
    matrix = _crosstab(codes, np.where(np.isnan(values.astype(float)), -1, values).astype(np.intp), len(out), width)
    for i, figures in enumerate(out.values()):
        figures[key] = {int(v): int(matrix[i, v]) for v in shown}


def _places(out: dict[str, dict[str, Any]], codes: np.ndarray, places: pd.Series) -> None:
    """Each group's incidents by place, busiest first and 未识别 last, as a station's place figures list them."""
    kinds, found = pd.factorize(places)
    matrix = _crosstab(codes, kinds, len(out), len(found))
    written = {place: redact(place) for place in found}  # ordered by their own names, then redacted, as compute's
    for i, figures in enumerate(out.values()):
        held = sorted(((found[k], int(n)) for k, n in enumerate(matrix[i]) if n),
                      key=lambda p: (p[0] == UNIDENTIFIED_PLACE, -p[1], p[0]))
        figures["places"] = {"districts": {written[place]: {"incidents": n} for place, n in held}}

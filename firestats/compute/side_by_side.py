"""The figures stations are laid side by side with, for many stations (or brigades) at once: the catalogue's
``overview`` view with each time's n, the incidents of each month (and day, for a month) and, where asked, of each
place. Counted over a period's rows of all the groups together, then split by group, so thirty stations cost one
pass over their rows rather than thirty computes (a 支队's report spent half its time computing its stations);
each group's figures are, value for value, those :func:`firestats.compute.station.compute` gives it."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from firestats.compute.activities import LISTED, whole
from firestats.compute.assessments import _rates_by, _rates_of, score
from firestats.compute.incidents import typed_counts
from firestats.compute.places import place_of
from firestats.compute.response import GRADED, excluded, grouped_percentiles, profile, segment_seconds
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
LOSS = "loss_averted_10k_yuan"  # 万元, to 4 decimals


def by_station(frame: pd.DataFrame) -> pd.Series:
    """Each row's station: the overview's rows."""
    return frame["station"]


def as_one(name: str) -> Grouping:
    """Every row in one group, ``name``: a total's rows."""
    return lambda frame: pd.Series(name, index=frame.index)


def has_records(figures: dict[str, Any]) -> bool:
    """Whether a group's figures rest on any record (an incident, an assessment or a ledger row): a period without
    is no row of zeros and nothing to compare with."""
    return bool(figures["incidents"]["total"] or figures["assessments"] or figures["activities"])


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
    """Each of ``groups``' figures over the period's rows (``mine``, narrowed to it), as :meth:`Rows.of` gives
    them; rows counted by several groupings are made ready once with :class:`Rows`."""
    return Rows(mine, period, rules, places).of(groups, group)


def compared(dataset: Dataset, station: str | Collection[str] | None, period: Period,
             options: Options) -> dict[str, Any] | None:
    """A station's (several's, every one's) figures of another period, to compare with (a year earlier, the period
    before): as :meth:`Rows.of` gives them, graded as ``options`` say; None without records in it."""
    figures = Rows(dataset.narrow(station, period), period, Rules.of(dataset, options)).of([""], as_one(""))[""]
    return figures if has_records(figures) else None


class Rows:
    """A period's rows made ready once to be counted by any grouping (stations, their total, brigades): each
    incident's type, people and losses, seconds (and whether the standard leaves it out), month, day and place;
    the results scored; each ledger row's category among those summed."""

    def __init__(self, mine: Dataset, period: Period, rules: Rules, places: bool = False) -> None:
        incidents, self.mine, self.period, self.rules = mine.incidents, mine, period, rules
        self.types = _among(incidents["type"], {kind: i for i, kind in enumerate(INCIDENT_TYPES)})
        self.sums = {column: _floats(incidents[column]) for column in (*SUMMED, LOSS)}
        seconds = segment_seconds(incidents)
        self.seconds = {name: seconds[name].to_numpy(dtype=float) for name in ("dispatch_to_arrival", *GRADED)}
        self.excluded = excluded(seconds, incidents, profile(rules.standard)).to_numpy()
        received = incidents["received_at"].dt
        self.dated = {"monthly": (received.month.to_numpy(), list(period.months))}
        if period.kind == "month":
            self.dated["daily"] = (received.day.to_numpy(), list(range(1, period.days + 1)))
        self.places = pd.factorize(place_of(incidents)) if places else None
        assessments = mine.assessments
        self.scored = score(assessments, rules.table) if len(assessments) else assessments
        self.present = self.scored[self.scored["status"] == PRESENT] if len(assessments) else assessments
        self.summed = [c["figure"] for c in spec()["categories"].values() if c["figure"] not in (*LISTED, "licences")]
        category = {name: self.summed.index(c["figure"]) for name, c in spec()["categories"].items()
                    if c["figure"] in self.summed}
        activities = mine.activities
        self.category = _among(activities["category"], category) if len(activities) else np.zeros(0, np.intp)
        self.quantity = _floats(activities["quantity"]) if len(activities) else np.zeros(0)

    def of(self, groups: Iterable[str], group: Grouping) -> dict[str, dict[str, Any]]:
        """Each of ``groups``' figures (``group`` names each row's), shaped as compute's: incidents (起) by type,
        people (人), losses averted (万元), dispatch to arrival (n, median and p90 in s, the share within
        ``rules.within_s`` 0..1), the segments under the standard (n, median, p90 in s), the overall pass rate (0..1,
        with n; None without assessment records), the activities summed (in each category's unit; None without
        ledger records), the incidents of each month of the period (and each day, for a month) and, where made
        ready, each place's; each group's year (and the period's label, for a part of a year)."""
        names = list(groups)
        slot = {name: i for i, name in enumerate(names)}
        count, rules = len(names), self.rules
        codes = _among(group(self.mine.incidents), slot)
        period = self.period
        when = {"year": period.year, **({"period": period.label} if period.kind != "year" else {})}
        out = {name: {**when, "incidents": {}, "people": {}, "response": {"segments": {}}} for name in names}

        totals = np.bincount(codes[codes >= 0], minlength=count)
        types = _crosstab(codes, self.types, count, len(INCIDENT_TYPES))
        sums = {column: _sums(values, codes, count) for column, values in self.sums.items()}
        dispatch = self.seconds["dispatch_to_arrival"]
        n, (median, p90) = grouped_percentiles(dispatch, codes, count, (50, 90))
        within = np.bincount(codes[(dispatch <= rules.within_s) & (codes >= 0)], minlength=count)
        for i, name in enumerate(names):
            figures, typed = out[name], dict(zip(INCIDENT_TYPES, types[i].tolist()))
            figures["incidents"] = {"total": int(totals[i]), "by_type": typed_counts(typed, rules.carried)}
            figures["people"] = {column: None if sums[column][i] is None else int(sums[column][i]) for column in SUMMED}
            figures[LOSS] = None if sums[LOSS][i] is None else round(sums[LOSS][i], 4)
            figures["response"]["dispatch_to_arrival"] = {
                **_summary(n[i], median[i], p90[i]), "within_share": int(within[i]) / int(n[i]) if n[i] else None}
        counted = np.where(self.excluded, -1, codes)
        for segment in GRADED:
            n, (median, p90) = grouped_percentiles(self.seconds[segment], counted, count, (50, 90))
            for i, name in enumerate(names):
                out[name]["response"]["segments"][segment] = _summary(n[i], median[i], p90[i])

        for name, figures in zip(names, self._assessments(names, group)):
            out[name]["assessments"] = figures
        for name, figures in zip(names, self._activities(names, group, slot)):
            out[name]["activities"] = figures
        for key, (values, shown) in self.dated.items():
            matrix = _crosstab(codes, values.astype(np.intp), count, max(shown) + 1)
            for i, name in enumerate(names):
                out[name][key] = {v: int(matrix[i, v]) for v in shown}
        if self.places is not None:
            _places(out, codes, *self.places)
        return out

    def _assessments(self, names: list[str], group: Grouping) -> list[dict[str, Any] | None]:
        """Each group's overall rates of its scored results (pass and excellent 0..1, mean points), None for a group
        without assessment records."""
        if self.scored.empty:
            return [None] * len(names)
        present = self.present
        rates = _rates_by(present, group(present), self.rules.table) if len(present) else {}
        rated = set(group(self.scored).dropna())
        return [{"overall": rates.get(name) or _rates_of(0, 0, 0, 0.0)} if name in rated else None for name in names]

    def _activities(self, names: list[str], group: Grouping, slot: dict[str, int]) -> list[dict[str, Any] | None]:
        """Each group's ledger totals by category (in its unit; 0 for a category it logged nothing of), None for a
        group without ledger records: the totals alone, not the lists and licences no side-by-side table shows."""
        if not len(self.quantity):
            return [None] * len(names)
        codes = _among(group(self.mine.activities), slot)
        logged = np.bincount(codes[codes >= 0], minlength=len(names))
        totals = {key: _sums(self.quantity, np.where(self.category == k, codes, -1), len(names))
                  for k, key in enumerate(self.summed)}
        return [{key: whole(summed[i] or 0.0) for key, summed in totals.items()} if logged[i] else None
                for i in range(len(names))]


def _among(values: pd.Series, slot: dict[str, int]) -> np.ndarray:
    """Each value's place in ``slot``, -1 for a value not in it or missing: the distinct values looked up once."""
    found, distinct = pd.factorize(values)
    lookup = np.array([slot.get(value, -1) for value in distinct] + [-1], dtype=np.intp)  # the last: a missing one
    return lookup[found]


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


def _places(out: dict[str, dict[str, Any]], codes: np.ndarray, kinds: np.ndarray, found: pd.Index) -> None:
    """Each group's incidents by place (each row's ``kinds`` among the places ``found``), busiest first and 未识别
    last, as a station's place figures list them."""
    matrix = _crosstab(codes, kinds, len(out), len(found))
    written = {place: redact(place) for place in found}  # ordered by their own names, then redacted, as compute's
    for i, figures in enumerate(out.values()):
        held = sorted(((found[k], int(n)) for k, n in enumerate(matrix[i]) if n),
                      key=lambda p: (p[0] == UNIDENTIFIED_PLACE, -p[1], p[0]))
        figures["places"] = {"districts": {written[place]: {"incidents": n} for place, n in held}}

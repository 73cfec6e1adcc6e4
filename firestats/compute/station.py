"""Every figure of one station's year, from its slice of the data, computed once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from firestats.catalogue import languages
from firestats.compute.accounting import files_table, row_accounting
from firestats.compute.activities import activity_figures
from firestats.compute.assessments import score, training_figures, weekly_rates
from firestats.compute.figures import Figures
from firestats.compute.incidents import daily_counts, incident_figures
from firestats.compute.notable import Notable, detachment_kinds, notable
from firestats.compute.places import place_figures, station_areas
from firestats.compute.scoring import ScoreTable, load_table
from firestats.periods import Period, days_written
from firestats.privacy import redact_all
from firestats.request import Options, Request
from firestats.settings import areas_geojson, score_table_name, settings, within_seconds
from firestats.store import Dataset, no_records, open_report
from firestats.vocabulary.hierarchy import whose


@dataclass(frozen=True)
class Coverage:
    """The days a station's records of a period run from and to, and whether they reach both of its ends."""

    first: dt.date
    last: dt.date
    whole: bool

    @property
    def written(self) -> str:
        """As a report writes it: 2025年1月1日至4月23日."""
        return days_written(self.first, self.last)

    def as_json(self) -> dict[str, Any]:
        """As the exports carry it: from and to (ISO dates), and whether the whole period."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "whole": self.whole}


@dataclass
class StationYear:
    """A station's period: its figures and the slice they were computed from (assessments scored)."""

    station: str | None  # None: the whole detachment
    period: Period  # the year, or the half, quarter or month computed
    figures: dict[str, Any]  # as `firestats figures` prints them
    data: Dataset  # the station's records and problem rows of the period; assessments with points and grade
    table: ScoreTable  # the score table results were graded with

    @property
    def language(self) -> str:
        """The language the station's reports are written in, as its export's mapping declares it (zh, en)."""
        return self.data.quality.get("language") or languages()[0]

    @property
    def year(self) -> int:
        """The calendar year of the period."""
        return self.period.year

    @cached_property
    def typed(self) -> Figures:
        """The figures as typed values, for a page to read."""
        return Figures.of(self.figures)

    @cached_property
    def files(self) -> pd.DataFrame:
        """Per file, the period's rows of every family: rows_in = kept + merged + quarantined (rows)."""
        return files_table(self.data)

    @cached_property
    def sources(self) -> dict[str, dict[str, Any]]:
        """Per record family with records: how many (records) and the files they come from."""
        return {family: {"records": len(frame), "files": sorted(frame["source_file"].unique().tolist())}
                for family, frame in self.data.records().items() if len(frame)}

    @cached_property
    def problem_counts(self) -> pd.Series:
        """The period's problem rows counted by family, action and reason (rows)."""
        return self.data.problems.groupby(["family", "action", "reason"]).size()

    @cached_property
    def notable(self) -> Notable:
        """The period's notable incidents: most rescued, longest on scene, rare kinds."""
        return notable(self.data.incidents, detachment_kinds(self.data.quality, self.period.year))

    @cached_property
    def coverage(self) -> Coverage | None:
        """The days the period's records cover: from their first to their last of any family, but from the period's
        first (to its last) day where the store holds any station's records in its first (last) month: a quiet
        day of the station's is no gap in the exports (None without any record)."""
        days = self.data.dated()["date"]
        if days.empty:
            return None
        start, end = self.period.start.date(), self.period.last_day
        months = self.data.months or frozenset()
        first = start if f"{start:%Y-%m}" in months else days.min().date()
        last = end if f"{end:%Y-%m}" in months else days.max().date()
        return Coverage(first, last, first <= start and last >= end)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        """Each weekly test's results (项次) and pass and excellent rates (0..1), by week of the year."""
        return weekly_rates(self.data.assessments, self.table)


def compute(dataset: Dataset, station: str | Collection[str] | None, period: Period, options: Options = Options(),
            interval: bool = True) -> StationYear:
    """Narrow the data to a station's year (or a half, quarter or month of it) and compute every figure of it.

    ``station`` is the canonical name (None: every station, the detachment's own figures; several: a level's,
    see :func:`of_request`); names
    are masked (张*三) unless ``options.show_names``; results are graded with ``options.score_table``
    (default: the settings'). A period shorter than a year adds its label to the figures (``period``:
    2024-Q1). Without ``interval`` the response segments' p90s have no bootstrap interval (None): the overview
    shows none, and a detachment's bootstraps took half of its overview's time. A period compared with, a year
    behind and a station beside others are counted side by side instead (:mod:`firestats.compute.side_by_side`).
    """
    mine = dataset.narrow(station, period)
    table = load_table(options.score_table or score_table_name())
    scored = score(mine.assessments, table) if len(mine.assessments) else mine.assessments
    mine = replace(mine, assessments=scored)
    figures = redact_all({  # every text of the figures, as published everywhere
        "station": station,
        "year": period.year,
        **({"period": period.label} if period.kind != "year" else {}),
        **({"daily": {int(k): int(v) for k, v in daily_counts(mine.incidents, period.days).items()}}
           if period.kind == "month" else {}),
        **incident_figures(mine.incidents, within_seconds(), dataset.quality.get("standard"), interval,
                           dataset.quality.get("export_types"), period.months),
        "rows": row_accounting(mine),
        "assessments": training_figures(scored, table, options.show_names),
        "activities": activity_figures(mine.activities),
        "places": _places(dataset, mine, station, period),
    })
    return StationYear(station, period, figures, mine, table)


def _places(dataset: Dataset, mine: Dataset, station: str | None, period: Period) -> dict[str, Any]:
    """The period's figures by place, with 同比 against the same period a year earlier and (a half, quarter or
    month) 环比 against the one before, where the store holds their records."""
    spec = settings()["places"]
    before = dataset.incidents_in(station, period.previous()) if period.kind != "year" else None
    return place_figures(mine.incidents, within_seconds(), dataset.quality.get("standard"),
                         dataset.incidents_in(station, period.a_year_earlier()), before,
                         spec["hotspot_min"], spec["hotspots"], dataset.quality.get("export_types"),
                         station_areas(areas_geojson()))


def station_figures(data: Dataset | Path | str | None, station: str, period: int | str | Period,
                    **options: Any) -> dict[str, Any]:
    """Every figure of a station's year (or period: ``2024-Q1``, ``2024-H2``, ``2024-03``), as ``firestats
    figures`` prints them.

    ``data`` is a prepared folder (None: the nearest data/processed) or a loaded Dataset; ``station``
    may be spelled any way (城东 / 城东站 / 城东消防救援站); ``options`` as :class:`firestats.request.Options`
    (show_names, score_table). Counts are incidents or persons, money in 万元, times in seconds, rates
    and shares fractions 0..1; ``assessments`` and ``activities`` are None when the station has no such
    records in the period. A period with no records at all is refused (NoRecords).

    >>> import firestats as fs
    >>> fs.figures("data/processed", "城东站", 2025)["incidents"]["total"]  # doctest: +SKIP
    603
    """
    if isinstance(data, Dataset):
        request = Request.of(data.resolve_station(station), period, **options)
        return reported(data, request).figures
    request, dataset = open_report(Request.of(station, period, data, **options))
    return reported(dataset, request).figures


def reported(dataset: Dataset, request: Request) -> StationYear:
    """The station's (or level's) period a resolved request asks for, as :func:`of_request`; one with no records of
    any family is refused."""
    mine = of_request(dataset, request, request.period)
    if mine.data.is_empty():
        years = dataset.station_years()
        who = whose(request, years)
        held = set().union(*(years.get(member, set()) for member in ([who] if isinstance(who, str) else who or ())))
        raise no_records(request.station, request.period.label, held)
    return mine


def of_request(dataset: Dataset, request: Request, period: Period) -> StationYear:
    """A resolved request's figures of ``period``, as :func:`compute`: its station's, or its level's computed over
    every row of its members (a median of all their incidents, a pass rate over all their results, never an average
    of the stations'), named by the level."""
    year = compute(dataset, whose(request, dataset.station_years()), period, request.options)
    if request.level is None:
        return year
    return replace(year, station=request.station, figures={**year.figures, "station": request.station})


def year_to_date(dataset: Dataset, station: str | Collection[str] | None, period: Period) -> int | None:
    """A station's (or several's) incidents from 1 January to the end of ``period`` (起), as a 通报 gives them beside
    the period's own; None for a period that starts its year (its own figures say it)."""
    if period.first_month == 1:
        return None
    year = dataset.incidents_in(station, Period.containing(period.year, 1, "year"))
    return int((year["received_at"] < period.end).sum())

"""Every figure of one station's year, from its slice of the data, computed once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from firestats.compute.accounting import row_accounting
from firestats.compute.activities import activity_figures
from firestats.compute.assessments import score, training_figures
from firestats.compute.incidents import daily_counts, incident_figures
from firestats.compute.scoring import ScoreTable, load_table
from firestats.periods import Period, parse_period
from firestats.privacy import redact_all
from firestats.settings import score_table_name, within_seconds
from firestats.store import Dataset, load, no_records


@dataclass
class StationYear:
    """A station's year: its figures and the slice they were computed from (assessments scored)."""

    station: str | None  # None: the whole detachment
    year: int
    figures: dict[str, Any]  # as `firestats figures` prints them
    data: Dataset  # the station's records and problem rows of the year; assessments with points and grade
    table: ScoreTable  # the score table results were graded with
    period: Period | None = None  # the period computed (None: the whole year)


def compute(dataset: Dataset, station: str | None, when: int | Period, show_names: bool = False,
            score_table: str | None = None, interval: bool = True) -> StationYear:
    """Narrow the data to a station's year (or a half, quarter or month of it) and compute every figure of it.

    ``station`` is the canonical name (None: every station, the detachment's own figures); names
    are masked (张*三) unless ``show_names``;
    ``score_table`` is a table's version or path (default: the settings'). A period shorter than a
    year adds its label to the figures (``period``: 2024-Q1). Without ``interval`` the response segments'
    p90s have no bootstrap interval (None): a comparison and the overview show none, and a detachment's
    bootstraps took half of its overview's time.
    """
    period = when if isinstance(when, Period) else Period(int(when))
    year = period.year
    mine = dataset.narrow(station, period)
    table = load_table(score_table or score_table_name())
    scored = score(mine.assessments, table) if len(mine.assessments) else mine.assessments
    mine = replace(mine, assessments=scored)
    figures = redact_all({  # every text of the figures, as published everywhere
        "station": station,
        "year": year,
        **({"period": period.label} if period.kind != "year" else {}),
        **({"daily": {int(k): int(v) for k, v in daily_counts(mine.incidents, period.days).items()}}
           if period.kind == "month" else {}),
        **incident_figures(mine.incidents, within_seconds(), dataset.quality.get("standard"), interval),
        "rows": row_accounting(mine),
        "assessments": training_figures(scored, table, show_names),
        "activities": activity_figures(mine.activities),
    })
    return StationYear(station, year, figures, mine, table, period)


def station_figures(data: Dataset | Path | str, station: str, when: int | str | Period, show_names: bool = False,
                    score_table: str | None = None) -> dict[str, Any]:
    """Every figure of a station's year (or period: ``2024-Q1``, ``2024-H2``, ``2024-03``), as ``firestats
    figures`` prints them.

    ``data`` is a prepared folder or a loaded Dataset; ``station`` may be spelled any way
    (城东 / 城东站 / 城东消防救援站). Counts are incidents or persons, money in 万元, times in
    seconds, rates and shares fractions 0..1; ``assessments`` and ``activities`` are None when
    the station has no such records in the period. A period with no records at all is refused (NoRecords).

    >>> import firestats as fs
    >>> fs.figures("data/processed", "城东站", 2025)["incidents"]["total"]  # doctest: +SKIP
    603
    """
    period = when if isinstance(when, Period) else parse_period(when)
    dataset = data if isinstance(data, Dataset) else load(data, station, period.years_compared())
    return reported(dataset, dataset.resolve_station(station), period, show_names, score_table).figures


def reported(dataset: Dataset, station: str, when: int | Period, show_names: bool = False,
             score_table: str | None = None) -> StationYear:
    """A station's year (or period) to report on, as :func:`compute`; one with no records of any family is refused."""
    mine = compute(dataset, station, when, show_names, score_table)
    if mine.data.is_empty():
        raise no_records(station, mine.period.label, dataset.station_years().get(station, set()))
    return mine

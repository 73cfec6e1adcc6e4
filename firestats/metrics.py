"""The figures of a station's year, computed from the canonical incident table.

All functions are pure: DataFrames in, numbers or DataFrames out. Times are in seconds,
money in 10,000 yuan (万元), people in persons.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from firestats import activities, training
from firestats.clean import MERGED, QUARANTINE
from firestats.schema import FLAG_ARRIVAL_BEFORE_DISPATCH, INCIDENT_TYPES
from firestats.scoring import load_table
from firestats.settings import score_table_name, within_seconds
from firestats.store import Dataset

# Response segments: name -> (start field, end field).
SEGMENTS = {
    "dispatch_to_arrival": ("dispatched_at", "arrived_at"),
    "received_to_arrival": ("received_at", "arrived_at"),
}


def station_year(incidents: pd.DataFrame, station: str, year: int) -> pd.DataFrame:
    """The incidents of one station received in one calendar year."""
    mask = (incidents["station"] == station) & (incidents["received_at"].dt.year == year)
    return incidents[mask.fillna(False).astype(bool)]


def response_seconds(incidents: pd.DataFrame) -> pd.DataFrame:
    """Each incident's response segments in seconds; NaN where a time is missing or flagged."""
    flagged = incidents[FLAG_ARRIVAL_BEFORE_DISPATCH].astype(bool)
    out = pd.DataFrame(index=incidents.index)
    for name, (start, end) in SEGMENTS.items():
        seconds = (incidents[end] - incidents[start]).dt.total_seconds()
        out[name] = seconds.mask(flagged)
    return out


def summarise_seconds(seconds: pd.Series) -> dict[str, Any]:
    """n, median and 90th percentile (numpy's linear percentile), in seconds; None when n is 0."""
    values = seconds.dropna().to_numpy(dtype=float)
    if values.size == 0:
        return {"n": 0, "median_s": None, "p90_s": None}
    median, p90 = np.percentile(values, [50, 90])
    return {"n": int(values.size), "median_s": float(median), "p90_s": float(p90)}


def type_counts(incidents: pd.DataFrame) -> pd.Series:
    """Incidents by canonical type, all six types present (count of incidents)."""
    return incidents["type"].value_counts().reindex(list(INCIDENT_TYPES), fill_value=0).astype(int)


def monthly_counts(incidents: pd.DataFrame) -> pd.Series:
    """Incidents per calendar month 1..12 (count of incidents)."""
    months = incidents["received_at"].dt.month.value_counts()
    return months.reindex(range(1, 13), fill_value=0).astype(int).rename_axis("month")


def hourly_counts(incidents: pd.DataFrame) -> pd.Series:
    """Incidents per hour of the day 0..23 by time received (count of incidents)."""
    hours = incidents["received_at"].dt.hour.value_counts()
    return hours.reindex(range(24), fill_value=0).astype(int).rename_axis("hour")


def row_accounting(incidents: pd.DataFrame, problems: pd.DataFrame, station: str, year: int) -> dict[str, int]:
    """Incident rows attributed to a station and year: in = kept + merged + quarantined (rows)."""
    kept = len(station_year(incidents, station, year))
    incident_rows = problems["family"] == "incidents" if "family" in problems else True
    here = ((problems["station"] == station) & (problems["year"] == year) & incident_rows).fillna(False).astype(bool)
    mine = problems[here]
    unique = mine.drop_duplicates(["source_file", "source_row"])
    merged = int((unique["action"] == MERGED).sum())
    quarantined = int((unique["action"] == QUARANTINE).sum())
    return {"in": kept + merged + quarantined, "kept": kept, "merged": merged, "quarantined": quarantined}


def station_figures(
    incidents: pd.DataFrame, problems: pd.DataFrame, station: str, year: int, within_s: int | None = None
) -> dict[str, Any]:
    """Every incident figure of one station's year, as plain JSON-ready values.

    Counts are incidents or persons, ``loss_averted_10k_yuan`` is in 万元, response times are
    in seconds, ``within_5min_share`` is a fraction 0..1 of incidents with a dispatch-to-arrival
    time (``within_s`` seconds, default from settings, 300).
    """
    limit = within_seconds() if within_s is None else within_s
    mine = station_year(incidents, station, year)
    seconds = response_seconds(mine)
    dispatch = summarise_seconds(seconds["dispatch_to_arrival"])
    timed = seconds["dispatch_to_arrival"].dropna()
    dispatch["within_5min_share"] = float((timed <= limit).mean()) if len(timed) else None
    return {
        "station": station,
        "year": int(year),
        "incidents": {"total": int(len(mine)), "by_type": {k: int(v) for k, v in type_counts(mine).items()}},
        "people": {"rescued": int(mine["rescued"].sum()), "evacuated": int(mine["evacuated"].sum())},
        "loss_averted_10k_yuan": round(float(mine["loss_averted_10k_yuan"].sum()), 4),
        "response": {
            "dispatch_to_arrival": dispatch,
            "received_to_arrival": summarise_seconds(seconds["received_to_arrival"]),
        },
        "monthly": {int(k): int(v) for k, v in monthly_counts(mine).items()},
        "hourly": {int(k): int(v) for k, v in hourly_counts(mine).items()},
        "rows": row_accounting(incidents, problems, station, year),
    }


def all_figures(dataset: Dataset, station: str, year: int, show_names: bool = False,
                score_table: str | None = None) -> dict[str, Any]:
    """Every figure of a station's year: incidents, plus ``assessments`` and ``activities``
    (each None when the station has no such records that year). Names are masked unless allowed;
    ``score_table`` is a table's version or path (default: the settings')."""
    dataset = dataset.of_station(station)  # filtered once, not again for each figure
    figures = station_figures(dataset.incidents, dataset.problems, station, year)
    table = load_table(score_table or score_table_name())
    mine = training.of_station_year(dataset.assessments, station, year)
    scored = training.score(mine, table) if len(mine) else mine
    figures["assessments"] = (training.training_figures(scored, station, year, table, show_names)
                              if len(scored) else None)
    figures["activities"] = (activities.activity_figures(dataset.activities, station, year)
                             if len(dataset.activities) else None)
    return figures

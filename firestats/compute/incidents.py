"""The incident figures of a station's year, from its slice of the canonical incident table.

All functions are pure: DataFrames in, numbers or DataFrames out. Times are in seconds,
money in 10,000 yuan (万元), people in persons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from firestats.compute.response import response_figures, segment_seconds
from firestats.schema import INCIDENT_TYPES


def response_seconds(incidents: pd.DataFrame) -> pd.DataFrame:
    """Each incident's dispatch-to-arrival and call-to-arrival seconds; NaN where a time is missing or flagged."""
    seconds = segment_seconds(incidents)
    return seconds[["dispatch_to_arrival"]].assign(received_to_arrival=seconds["total"])


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


def by_type(incidents: pd.DataFrame, carried: list[str] | None = None) -> dict[str, int | None]:
    """Incidents by canonical type (起), all six types: None for a type the export cannot hold (not among
    ``carried``, the types its mapping declares; None: every type) and has no record of, never 0."""
    return typed_counts(type_counts(incidents).to_dict(), carried)


def typed_counts(counts: dict[str, int], carried: list[str] | None = None) -> dict[str, int | None]:
    """Counts by type (起) as :func:`by_type` gives them: None for a type not ``carried`` and not counted."""
    return {kind: None if carried is not None and kind not in carried and not n else int(n)
            for kind, n in counts.items()}


def monthly_counts(incidents: pd.DataFrame, months: Sequence[int] = range(1, 13)) -> pd.Series:
    """Incidents per calendar month of ``months`` (default 1..12) (count of incidents): a quarter lists its three
    months, not nine zeros for months it does not cover."""
    counted = incidents["received_at"].dt.month.value_counts()
    return counted.reindex(months, fill_value=0).astype(int).rename_axis("month")


def daily_counts(incidents: pd.DataFrame, days: int) -> pd.Series:
    """Incidents per day of the month 1..``days`` by time received (count of incidents): a month's pattern."""
    counted = incidents["received_at"].dt.day.value_counts()
    return counted.reindex(range(1, days + 1), fill_value=0).astype(int).rename_axis("day")


def hourly_counts(incidents: pd.DataFrame) -> pd.Series:
    """Incidents per hour of the day 0..23 by time received (count of incidents)."""
    hours = incidents["received_at"].dt.hour.value_counts()
    return hours.reindex(range(24), fill_value=0).astype(int).rename_axis("hour")


def _total(values: pd.Series, kind) -> Any:
    """A column's sum, or None when no incident of the slice has a value in it (an export without the column)."""
    found = values.dropna()
    # Summed exactly: the same total whether summed alone or among other stations' rows (side by side).
    return kind(math.fsum(found)) if len(found) else None


def incident_figures(incidents: pd.DataFrame, within_s: int, standard: str | None = None,
                     interval: bool = True, carried: list[str] | None = None,
                     months: Sequence[int] = range(1, 13)) -> dict[str, Any]:
    """Every incident figure of a slice, as plain JSON-ready values.

    Counts are incidents or persons, ``loss_averted_10k_yuan`` is in 万元, ``resources`` vehicles
    sent (辆次) and crew sent (人次) (people, losses and resources None when no incident has a value
    for them: no records is not 0), response times are in seconds, ``within_share`` is a
    fraction 0..1 of incidents with a dispatch-to-arrival time that arrived within ``within_s``
    seconds; segments, compliance and bands are held against the response ``standard`` (a
    settings profile; None: the default); each segment's p90 has its bootstrap interval unless not ``interval``;
    a type the export cannot hold (not among ``carried``) is None by type; ``monthly`` counts the calendar
    ``months`` the slice covers.
    """
    seconds = segment_seconds(incidents)  # once: the standard's figures below read the same seconds
    dispatch = summarise_seconds(seconds["dispatch_to_arrival"])
    timed = seconds["dispatch_to_arrival"].dropna()
    dispatch["within_share"] = float((timed <= within_s).mean()) if len(timed) else None
    return {
        "incidents": {"total": int(len(incidents)),
                      "by_type": by_type(incidents, carried)},
        "people": {"rescued": _total(incidents["rescued"], int), "evacuated": _total(incidents["evacuated"], int)},
        "loss_averted_10k_yuan": _total(incidents["loss_averted_10k_yuan"], lambda v: round(float(v), 4)),
        "resources": {"vehicles": _total(incidents["vehicles"], int), "personnel": _total(incidents["personnel"], int)},
        "response": {
            "dispatch_to_arrival": dispatch,
            "received_to_arrival": summarise_seconds(seconds["total"]),
            **response_figures(incidents, seconds, standard, interval),
        },
        "monthly": {int(k): int(v) for k, v in monthly_counts(incidents, months).items()},
        "hourly": {int(k): int(v) for k, v in hourly_counts(incidents).items()},
    }

"""The impossible times of folded incidents blanked and flagged: a time more than a day from its call, before its
call, or before the step it follows, and an arrival before its dispatch. The first-arriving unit's own dispatch
and en route times (turnout and travel are its) are held to the first two rules like the incident's.

A flagged time is written as its column writes times (``parse.times_written``), so a slice of the table
flags as the whole table does; each step's problem rows are ordered as the step gives them on the whole table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from firestats.ingest import parse
from firestats.ingest.problems import rows_where
from firestats.schema import FIRST_UNIT_TIMES, FLAG_ARRIVAL_BEFORE_DISPATCH, TIMESTAMP_FIELDS
from firestats.vocabulary.problems import FLAGGED

_OWN = {unit: own for own, unit in FIRST_UNIT_TIMES.items()}  # a first-unit time -> the incident's time it copies
# Checked in this order, and their problem rows so ordered: a first unit's time before the incident's it may copy.
_CHECKED = (*_OWN, *TIMESTAMP_FIELDS)
_STEP = {name: i for i, name in enumerate(_CHECKED)}


def _far_times(incidents: pd.DataFrame, dates_only: dict[str, bool]) -> pd.DataFrame:
    """Blank every later time more than a day from the call (a typed year 2200, a wrong day) and list it."""
    found = []
    for name in _CHECKED:
        if name == "received_at":
            continue
        gap = (incidents[name] - incidents["received_at"]).abs()
        far = (gap > pd.Timedelta(days=1)).fillna(False).astype(bool)
        if far.any():
            found.append(_blanked(incidents, name, far, "implausible_time", dates_only))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["source_file", "source_row"])


def _blanked(incidents: pd.DataFrame, name: str, where: pd.Series, reason: str,
             dates_only: dict[str, bool]) -> pd.DataFrame:
    """List the times of column ``name`` where ``where`` holds as ``reason`` problems (as the export wrote
    them), then blank them. A first unit's time that is the incident's own (an export of one row an incident)
    is blanked unlisted: the incident's column lists it."""
    listed = where
    if name in _OWN:
        listed = where & ~(incidents[name] == incidents[_OWN[name]]).fillna(False).astype(bool)
    shown = parse.times_written(incidents[name], listed, dates_only[_OWN.get(name, name)])
    found = rows_where(incidents, listed, FLAGGED, reason, name, shown)
    incidents[name] = incidents[name].mask(where)
    return found


def in_step_order(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One flagging step's problem rows of every slice, ordered as the step gives them on the whole table: by the
    time it checks (and the check), then by row."""
    found = [f for f in frames if len(f)]
    if not found:
        return frames[0]
    every = pd.concat(found, ignore_index=True)
    rank = every["reason"].map({"times_out_of_order": len(_STEP)}).fillna(0) + every["column"].map(_STEP).fillna(0)
    return every.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def flag_times(incidents: pd.DataFrame, dates_only: dict[str, bool]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Blank and flag the impossible times of merged incidents; the problem rows of each of the three steps
    (arrivals before dispatch written to the second: see ``arrivals_shown``)."""
    far = _far_times(incidents, dates_only)
    incidents = _flag_arrival_before_dispatch(incidents)
    flagged = incidents[FLAG_ARRIVAL_BEFORE_DISPATCH]
    arrival = rows_where(incidents, flagged, FLAGGED, "arrival_before_dispatch", "arrived_at",
                         parse.times_written(incidents["arrived_at"], flagged, False))
    disordered = _out_of_order(incidents, dates_only)
    return incidents, [far, disordered, arrival]


def midnights_alone(arrival: pd.DataFrame) -> bool | None:
    """Whether every arrival flagged before its dispatch is a midnight (None when none is flagged)."""
    return None if arrival.empty else bool(arrival["value"].str.endswith(" 00:00:00").all())


def arrivals_shown(arrival: pd.DataFrame, midnights: bool | None) -> pd.DataFrame:
    """The arrivals before dispatch as the flagged ones of the whole table write: the date alone when every one
    of them is a midnight."""
    return arrival.assign(value=arrival["value"].str[:10]) if midnights else arrival


def _out_of_order(incidents: pd.DataFrame, dates_only: dict[str, bool]) -> pd.DataFrame:
    """Blank every time before the call and flag every time before the step it follows (received ≤
    dispatched ≤ departed ≤ arrived ≤ cleared ≤ returned): an order no roll past midnight explains.

    An arrival before dispatch or the call has its own flag (``arrival_before_dispatch``); it is
    blanked too when it precedes the call, so no time of an incident is ever before its call.
    """
    found = []
    later = [t for t in TIMESTAMP_FIELDS if t not in ("received_at", "water_at")]
    for name in (*_OWN, *later):
        early = (incidents[name] < incidents["received_at"]).fillna(False).astype(bool)
        if name == "arrived_at":  # flagged as arrival_before_dispatch already
            incidents[name] = incidents[name].mask(early)
        else:
            found.append(_blanked(incidents, name, early, "time_before_call", dates_only))
    latest = incidents["received_at"]
    for name in later:
        behind = (incidents[name] < latest).fillna(False).astype(bool)
        if name == "arrived_at":
            behind &= ~incidents[FLAG_ARRIVAL_BEFORE_DISPATCH]
        shown = parse.times_written(incidents[name], behind, dates_only[name])
        found.append(rows_where(incidents, behind, FLAGGED, "times_out_of_order", name, shown))
        latest = latest.where(~(incidents[name] > latest).fillna(False).astype(bool), incidents[name])
    return pd.concat(found, ignore_index=True)


def _flag_arrival_before_dispatch(incidents: pd.DataFrame) -> pd.DataFrame:
    arrived = incidents["arrived_at"]
    early = ((arrived < incidents["dispatched_at"]) | (arrived < incidents["received_at"])).fillna(False)
    incidents[FLAG_ARRIVAL_BEFORE_DISPATCH] = early.astype(bool)
    return incidents

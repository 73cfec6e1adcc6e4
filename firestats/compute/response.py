"""Response times as the field measures them: segments, and a standard's thresholds.

A response splits into call processing (call received → first dispatch), turnout (the first unit
on scene: its dispatch → its en route), travel (its en route → on scene) and the total (call →
first on scene). A standard (``response_standards`` in the settings) grades segments at a
fractile against thresholds, each with its source; the threshold a text states and the one
graded with are the same setting. All times are seconds; shares are fractions 0..1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from firestats.schema import FIRST_UNIT_TIMES, FLAG_ARRIVAL_BEFORE_DISPATCH
from firestats.settings import min_percentile_n, settings

# Segment -> (start, end): the incident's own fields, or the first-arriving unit's.
SEGMENTS = {
    "call_processing": ("received_at", "dispatched_at"),
    "turnout": (FIRST_UNIT_TIMES["dispatched_at"], FIRST_UNIT_TIMES["departed_at"]),
    "travel": (FIRST_UNIT_TIMES["departed_at"], "arrived_at"),
    "total": ("received_at", "arrived_at"),
    "dispatch_to_arrival": ("dispatched_at", "arrived_at"),
}
# The segments a standard grades, under its exclusions: a report's response figures, in their order.
GRADED = ("call_processing", "turnout", "travel", "total")
# Which export columns a segment needs, as a reader knows them (for "the export has no … column").
NEEDS = {"dispatch_to_arrival": ("dispatched_at", "arrived_at"), "call_processing": ("received_at", "dispatched_at"),
         "turnout": ("dispatched_at", "departed_at"), "travel": ("departed_at", "arrived_at"),
         "total": ("received_at", "arrived_at")}
_DAY_S = 86_400


def profile(name: str | None) -> dict[str, Any]:
    """A response standard from the settings by name (None: the default), with its ``key``."""
    standards = settings()["response_standards"]
    key = name or standards["default"]
    return {"key": key, **standards["profiles"][key]}


def segment_seconds(incidents: pd.DataFrame) -> pd.DataFrame:
    """Each incident's response segments in seconds; NaN where a time is missing, out of order
    (a negative segment), over a day, or the arrival is flagged as before dispatch or call."""
    flagged = incidents[FLAG_ARRIVAL_BEFORE_DISPATCH].to_numpy(dtype=bool)
    kept = {}
    for name, seconds in _raw_seconds(incidents).items():
        kept[name] = np.where((seconds >= 0) & (seconds < _DAY_S) & ~flagged, seconds, np.nan)
    return pd.DataFrame(kept, index=incidents.index)


def out_of_order(incidents: pd.DataFrame) -> pd.Series:
    """Incidents whose sequence of events is out of order: a step recorded before the one it follows (a negative
    segment), or an arrival flagged before its dispatch or call."""
    negative = np.logical_or.reduce([seconds < 0 for seconds in _raw_seconds(incidents).values()])
    return pd.Series(negative | incidents[FLAG_ARRIVAL_BEFORE_DISPATCH].to_numpy(dtype=bool), index=incidents.index)


def _raw_seconds(incidents: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each segment's seconds as the times give them, negative or missing (NaN) as they are: in numpy, as pandas
    subtracts and divides them (nanoseconds over 10⁹), without a frame built per segment."""
    # Data prepared before unit times were kept: the incident's own times are the first unit's.
    own = {unit: time for time, unit in FIRST_UNIT_TIMES.items() if unit not in incidents.columns}
    times = {column: incidents[own.get(column, column)].to_numpy(dtype="datetime64[ns]")
             for column in {time for pair in SEGMENTS.values() for time in pair}}
    # Subtracted as whole nanoseconds (a time since 1970 has more of them than a float holds exactly), then divided.
    return {name: np.where(np.isnat(times[start]) | np.isnat(times[end]), np.nan,
                           (times[end].view(np.int64) - times[start].view(np.int64)) / 1_000_000_000)
            for name, (start, end) in SEGMENTS.items()}


def recorded(incidents: pd.DataFrame) -> list[str]:
    """The segments the slice's export records (each time they need has a value somewhere): a
    segment it cannot have is left out of a report, not shown as n=0."""
    return [name for name, needs in NEEDS.items() if all(incidents[c].notna().any() for c in needs)]


def summary(seconds: pd.Series, interval: bool = True) -> dict[str, Any]:
    """n, median, 90th percentile and mean in seconds (None when n is 0), and the 90th percentile's
    seeded bootstrap 95% interval ``p90_interval_s`` when n reaches the minimum (else None)."""
    return summaries({"": seconds}, interval)[""]


def summaries(segments: dict[str, pd.Series], interval: bool = True) -> dict[str, dict[str, Any]]:
    """Each segment's :func:`summary`, the bootstraps of their intervals run side by side: numpy draws and sorts
    without holding the GIL, and a report's four took a tenth of its time one after another."""
    values = {name: seconds.dropna().to_numpy(dtype=float) for name, seconds in segments.items()}
    found = {name: _described(v) for name, v in values.items()}
    wanted = [name for name, v in values.items() if interval and v.size >= min_percentile_n()]
    if wanted:
        with ThreadPoolExecutor(min(len(wanted), os.cpu_count() or 1)) as pool:
            for name, bounds in zip(wanted, pool.map(p90_interval, [values[name] for name in wanted])):
                found[name]["p90_interval_s"] = bounds
    return found


def _described(values: np.ndarray) -> dict[str, Any]:
    """n, median, 90th percentile and mean of ``values`` in seconds (None when there are none), no interval yet."""
    if values.size == 0:
        return {"n": 0, "median_s": None, "p90_s": None, "mean_s": None, "p90_interval_s": None}
    median, p90 = np.percentile(values, [50, 90])
    return {"n": int(values.size), "median_s": float(median), "p90_s": float(p90), "mean_s": float(values.mean()),
            "p90_interval_s": None}


def p90_interval(values: np.ndarray) -> list[float]:
    """The 90th percentile's 95% percentile-bootstrap interval [low, high] in seconds, seeded from the
    settings so the same data always gives the same interval."""
    spec = settings()["percentiles"]
    rng = np.random.default_rng(spec["bootstrap_seed"])
    resamples, estimates = int(spec["bootstrap_resamples"]), []
    batch = max(1, 2_000_000 // values.size)  # bounded memory: resamples drawn a batch at a time
    order = np.argsort(values, kind="stable")
    # Each value's place in ``values[order]``, in 16 bits where it fits: numpy sorts those by radix.
    ranks = np.empty(values.size, dtype=np.int16 if values.size <= 1 << 15 else np.int32)
    ranks[order] = np.arange(values.size, dtype=ranks.dtype)
    ordered = values[order]
    for start in range(0, resamples, batch):
        draws = rng.integers(0, values.size, size=(min(batch, resamples - start), values.size))
        estimates.append(resampled_percentile(ordered, ranks[draws], 90))
    low, high = np.percentile(np.concatenate(estimates), [2.5, 97.5])
    return [float(low), float(high)]


def resampled_percentile(ordered: np.ndarray, ranks: np.ndarray, q: float) -> np.ndarray:
    """Each row's ``q``th percentile of ``ordered[ranks]`` (``ordered`` sorted, ``ranks`` places in it), to the last
    bit as ``np.percentile(ordered[ranks], q, axis=1)`` gives it: a row's order statistics are those of its ranks,
    found among integers, not resampled floats (a bootstrap of 591 times: 21 ms, now 12, 5 of them drawing)."""
    at = (ranks.shape[1] - 1) * (q / 100)  # numpy's linear method: the virtual index, then between its neighbours
    below = int(np.floor(at))
    above = min(below + 1, ranks.shape[1] - 1)
    if ranks.dtype.itemsize <= 2:  # sorted whole by radix, in half the time of selecting the two
        selected = np.sort(ranks, axis=1, kind="stable")
    else:
        selected = np.partition(ranks, [below, above], axis=1)
    return between(ordered[selected[:, below]], ordered[selected[:, above]], at - below)


def grouped_percentiles(values: np.ndarray, codes: np.ndarray, groups: int,
                        qs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Each group's count of values and its ``qs`` percentiles (a row per q, NaN for a group without values), to
    the last bit as ``np.percentile`` gives them for the group's values alone: one sort of all the groups' values,
    then each group's order statistics found by where its values start; NaN values and codes -1 count in none."""
    kept = ~np.isnan(values) & (codes >= 0)
    values, codes = values[kept], codes[kept]
    ordered = values[np.lexsort((values, codes))]
    n = np.bincount(codes, minlength=groups)
    start, held = np.cumsum(n) - n, n > 0
    found = np.full((len(qs), groups), np.nan)
    last = n[held] - 1
    for row, q in enumerate(qs):
        at = last * (q / 100)  # numpy's linear method: the virtual index, then between its neighbours
        below = np.floor(at).astype(np.intp)
        found[row, held] = between(ordered[start[held] + below],
                                   ordered[start[held] + np.minimum(below + 1, last)], at - below)
    return n, found


def between(low: np.ndarray, high: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """The point ``t`` (0..1) of the way from ``low`` to ``high``, from the nearer end, as numpy interpolates a
    percentile (so the last bit is numpy's)."""
    step = high - low
    return np.where(np.asarray(t) >= 0.5, high - step * (1 - t), low + step * t)


def excluded(seconds: pd.DataFrame, incidents: pd.DataFrame, standard: dict[str, Any]) -> pd.Series:
    """Incidents a standard leaves out of its figures (the Home Office: a total under a minute or
    over an hour, or a sequence out of order, the whole incident); False for every incident under other
    standards."""
    rule = standard.get("exclude") or {}
    out = out_of_order(incidents) if rule.get("out_of_order") else pd.Series(False, index=seconds.index)
    total = seconds["total"]
    if "total_below_s" in rule:
        out |= (total < rule["total_below_s"]).fillna(False)
    if "total_above_s" in rule:
        out |= (total > rule["total_above_s"]).fillna(False)
    return out.astype(bool)


def compliance(seconds: pd.DataFrame, incidents: pd.DataFrame, standard: dict[str, Any]) -> list[dict[str, Any]]:
    """Each threshold of a standard with the share of incidents within it and whether the fractile is
    met (None for a threshold without a fractile, a siting rule, or below the minimum n)."""
    rows = []
    for rule in standard["thresholds"]:
        values = seconds[rule["segment"]]
        if rule.get("subtype"):
            among = incidents["subtype"].astype("string").str.contains(rule["subtype"], regex=True, na=False)
            values = values[~among if rule.get("except") else among]
        values = values.dropna()
        share = float((values <= rule["seconds"]).mean()) if len(values) else None
        graded = rule.get("fractile") is not None and len(values) >= min_percentile_n()
        rows.append({"segment": rule["segment"], "label": rule.get("label"), "threshold_s": int(rule["seconds"]),
                     "fractile": rule.get("fractile"), "n": int(len(values)), "share": share,
                     "met": bool(share >= rule["fractile"]) if graded else None})
    return rows


def minute_bands(total: pd.Series) -> dict[str, int]:
    """Incidents by whole minutes of total response time (``"0-1"``, ``"1-2"``, … ``"20+"``), the
    Home Office's one-minute bands."""
    minutes = (total.dropna() // 60).clip(upper=20).astype(int)
    counts = minutes.value_counts().reindex(range(21), fill_value=0)
    return {(f"{m}-{m + 1}" if m < 20 else "20+"): int(n) for m, n in counts.items()}


def response_figures(incidents: pd.DataFrame, seconds: pd.DataFrame, standard_name: str | None,
                     interval: bool = True) -> dict[str, Any]:
    """The segments (each a :func:`summary`, with its p90's interval unless not ``interval``), the standard's
    key and name, its compliance rows, and the one-minute bands of the total where the standard reports them;
    ``seconds`` are the incidents' :func:`segment_seconds`."""
    standard = profile(standard_name)
    seconds = seconds[~excluded(seconds, incidents, standard)]
    kept = incidents.loc[seconds.index]
    figures = {
        "segments": summaries({name: seconds[name] for name in GRADED}, interval),
        "standard": {"key": standard["key"], "name": standard["name"]},
        "compliance": compliance(seconds, kept, standard),
    }
    if standard.get("bands_minutes"):
        figures["total_bands"] = minute_bands(seconds["total"])
    return figures

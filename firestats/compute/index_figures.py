"""The figures of the catalogue's ``index`` view for many stations (or brigades) at once: counted over a period's
rows of all of them together, then grouped, so a thousand stations cost one pass over the rows rather than a
thousand computes; each group's figures are those :func:`firestats.compute.station.compute` gives it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from firestats.compute.assessments import _rates_by, _rates_of, score
from firestats.compute.incidents import response_seconds
from firestats.compute.response import excluded, profile, segment_seconds
from firestats.compute.scoring import ScoreTable
from firestats.ingest.assessments import PRESENT
from firestats.store import Dataset

# Names each row's group (a station, a brigade) from its frame; NaN: no group's.
Grouping = Callable[[pd.DataFrame], pd.Series]


def by_station(frame: pd.DataFrame) -> pd.Series:
    """Each row's station: the overview's rows."""
    return frame["station"]


def index_figures(mine: Dataset, groups: Iterable[str], group: Grouping, table: ScoreTable, standard: str | None,
                  within_s: int) -> dict[str, dict[str, Any]]:
    """Each of ``groups``' index figures over a period's rows (``mine``, narrowed to it) as compute shapes them:
    incidents (起), the share on scene within ``within_s`` s of dispatch (0..1) with its n, the call to the first
    arrival's median (s, under the response ``standard``'s exclusions) with its n, and the overall pass rate (0..1)
    with its n (assessments None for a group without assessment records)."""
    incidents = mine.incidents
    by = group(incidents)
    dispatch = response_seconds(incidents)["dispatch_to_arrival"]
    timed = pd.DataFrame({"n": dispatch.notna(), "within": dispatch <= within_s}).groupby(by).sum()
    segments = segment_seconds(incidents)
    total = segments["total"].where(~excluded(segments, incidents, profile(standard))).groupby(by)
    counted, medians, totals_n = by.value_counts(), total.median(), total.count()
    assessments = mine.assessments
    scored = score(assessments, table) if len(assessments) else assessments
    present = scored[scored["status"] == PRESENT] if len(scored) else scored
    rates = _rates_by(present, group(present), table) if len(present) else {}
    rated = set(group(assessments).dropna()) if len(assessments) else set()

    def of(name: str) -> dict[str, Any]:
        n, within = (int(timed.at[name, "n"]), int(timed.at[name, "within"])) if name in timed.index else (0, 0)
        n_total = int(totals_n.get(name, 0))
        return {
            "incidents": {"total": int(counted.get(name, 0))},
            "response": {"dispatch_to_arrival": {"n": n, "within_share": within / n if n else None},
                         "segments": {"total": {"n": n_total,
                                                "median_s": float(medians[name]) if n_total else None}}},
            "assessments": {"overall": rates.get(name) or _rates_of(0, 0, 0, 0.0)} if name in rated else None,
        }

    return {name: of(name) for name in groups}

"""A detachment's and its brigades' figures: the stations each level holds (the unit's settings), each level's
figures computed from all its members' rows (medians, percentiles and rates recomputed over the rows, never an
average of the stations'), and each member's share of the level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from firestats.catalogue import shown_in
from firestats.compute.compare import value_at
from firestats.compute.station import StationYear, compute
from firestats.periods import Period
from firestats.request import Options
from firestats.settings import settings
from firestats.store import Dataset

DETACHMENT, BRIGADE = "支队", "大队"


@dataclass(frozen=True)
class Level:
    """A detachment (支队) or one of its brigades (大队): its kind, its name and the stations it holds."""

    kind: str
    name: str
    members: tuple[str, ...]


def levels(stations: Iterable[str]) -> list[Level]:
    """The detachment of every one of ``stations`` (named by settings' unit.detachment, else 支队), then each
    brigade of unit.brigades with those of its stations the data holds."""
    held = sorted(stations)
    unit = settings()["unit"]
    found = [Level(DETACHMENT, unit.get("detachment") or DETACHMENT, tuple(held))]
    for name, members in (unit.get("brigades") or {}).items():
        found.append(Level(BRIGADE, name, tuple(m for m in held if m in set(members))))
    return found


def level_year(dataset: Dataset, level: Level, period: Period, options: Options = Options()) -> StationYear:
    """A level's figures of a period, computed over every row of its members (as plain pandas over those rows
    gives them: a median of all their incidents, a pass rate over all their results)."""
    year = compute(dataset, level.members, period, options, interval=False)
    return replace(year, station=level.name, figures={**year.figures, "station": level.name})


def member_shares(dataset: Dataset, level: Level, period: Period) -> pd.DataFrame:
    """Each member's count figures (the catalogue's overview counts) and its share of the level's (0..1), and its
    rank by incidents (1: the most)."""
    counts = [e for e in shown_in("headline") if e.unit not in ("秒", "比例")]
    rows = []
    for station in level.members:
        figures = compute(dataset, station, period, interval=False).figures
        rows.append({"station": station, **{e.key: value_at(figures, e.key) for e in counts}})
    table = pd.DataFrame(rows).set_index("station")
    shares = table.div(table.sum(min_count=1)).add_suffix(".share")
    ranked = table["incidents.total"].rank(ascending=False, method="min").rename("incidents.total.rank")
    return pd.concat([table, shares, ranked], axis=1)

"""The processed data folder in memory: the three record families, their problems, and one way
to narrow them to a station's years."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from firestats.errors import NotPrepared
from firestats.files import OutputFolder
from firestats.ingest.layout import (
    ACTIVITIES,
    ASSESSMENTS,
    INCIDENTS,
    PROBLEMS,
    QUALITY,
    find_prepared,
    match_station,
    read_quality,
    reading,
)
from firestats.periods import MONTHS_IN, Period

# The column that dates each family's records: the year of a record is the year of this.
DATE_COLUMN = {"incidents": "received_at", "assessments": "date", "activities": "date"}


def in_slice(stations: pd.Series, timely: pd.Series, station: str | None) -> pd.Series:
    """Which rows belong to ``station`` (any when None) among the ``timely`` ones (dated in the slice's
    time); a row without station or date belongs to none."""
    mask = timely.fillna(False).astype(bool)
    if station is not None:
        mask &= (stations == station).fillna(False).astype(bool)
    return mask


def _timely(when: Period | list[int], times: pd.Series) -> pd.Series:
    return when.contains(times) if isinstance(when, Period) else times.dt.year.isin(when)


@dataclass
class Dataset:
    """A prepared data folder in memory."""

    incidents: pd.DataFrame
    problems: pd.DataFrame
    quality: dict[str, Any]
    assessments: pd.DataFrame = field(default_factory=pd.DataFrame)  # one record per person, item, test
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)  # one record per ledger row

    def records(self) -> dict[str, pd.DataFrame]:
        """The kept records of each family, by family name."""
        return {"incidents": self.incidents, "assessments": self.assessments, "activities": self.activities}

    def is_empty(self) -> bool:
        """True when no family has a kept record (problem rows alone are no records)."""
        return all(frame.empty for frame in self.records().values())

    def narrow(self, station: str | None, when: int | Iterable[int] | Period) -> Dataset:
        """The records and problem rows of one station (every station when None) in a period or the given years.

        The one way any figure, report or input hash narrows the data: rows without a readable
        station or date belong to no slice.
        """
        when = when if isinstance(when, Period) else [when] if isinstance(when, int) else list(when)

        def mine(frame: pd.DataFrame, family: str) -> pd.DataFrame:
            if frame.empty:
                return frame
            return frame[in_slice(frame["station"], _timely(when, frame[DATE_COLUMN[family]]), station)]

        p = self.problems
        if "date" in p:
            problems = p[in_slice(p["station"], _timely(when, p["date"]), station)]
        elif isinstance(when, Period) and when.kind != "year":
            raise NotPrepared("the prepared folder dates its problem rows by year only; run `firestats prepare` "
                              "again to report on a half, quarter or month")
        else:  # a folder prepared before problem rows carried their date: a year is still exact
            problems = p[in_slice(p["station"], p["year"].isin([when.year] if isinstance(when, Period) else when),
                                  station)]
        return Dataset(problems=problems, quality=self.quality,
                       **{family: mine(frame, family) for family, frame in self.records().items()})

    def station_years(self) -> list[tuple[str, int]]:
        """Every (station, year) with at least one kept record of any family, sorted by year then station."""
        pairs = pd.concat([pd.DataFrame({"station": f["station"], "year": f[DATE_COLUMN[family]].dt.year})
                           for family, f in self.records().items() if family == "incidents" or len(f)]).dropna()
        return sorted(((s, int(y)) for s, y in pairs.drop_duplicates().itertuples(index=False)),
                      key=lambda p: (p[1], p[0]))

    def station_periods(self, kind: str) -> list[tuple[str, Period]]:
        """Every (station, period of ``kind``: year, half, quarter or month) with at least one kept record of any
        family, sorted by period then station."""
        dated = pd.concat([pd.DataFrame({"station": f["station"], "date": f[DATE_COLUMN[family]]})
                           for family, f in self.records().items() if family == "incidents" or len(f)]).dropna()
        months = MONTHS_IN[kind]
        found = pd.DataFrame({"station": dated["station"], "year": dated["date"].dt.year,
                              "index": (dated["date"].dt.month - 1) // months + 1}).drop_duplicates()
        return sorted(((s, Period(int(y), kind, int(i))) for s, y, i in found.itertuples(index=False)),
                      key=lambda p: (p[1], p[0]))

    def resolve_station(self, name: str) -> str:
        """The canonical name of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
        return match_station(name, {s for s, _ in self.station_years()})


def save(dataset: Dataset, out_dir: Path) -> None:
    """Write the dataset's tables and quality summary into ``out_dir``."""
    folder = OutputFolder(out_dir)
    tables = ((INCIDENTS, dataset.incidents), (PROBLEMS, dataset.problems),
              (ASSESSMENTS, dataset.assessments), (ACTIVITIES, dataset.activities))
    for name, frame in tables:
        folder.write(name, frame.to_parquet(index=False))
    folder.write(QUALITY, json.dumps(dataset.quality, ensure_ascii=False, indent=2).encode("utf-8"))


def load(data_dir: Path | str | None) -> Dataset:
    """Read a folder written by ``firestats prepare`` (None: the nearest data/processed, see ``find_prepared``)."""
    data_dir = find_prepared(data_dir)
    quality = read_quality(data_dir)
    problems = _table(data_dir / PROBLEMS)
    problems["year"] = problems["year"].astype("Int64")
    optional = [_table(data_dir / n) if (data_dir / n).is_file() else pd.DataFrame() for n in (ASSESSMENTS, ACTIVITIES)]
    return Dataset(_table(data_dir / INCIDENTS), problems, quality, *optional)


def _table(path: Path) -> pd.DataFrame:
    with reading(path):
        return pd.read_parquet(path)

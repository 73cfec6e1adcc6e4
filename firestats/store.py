"""The processed data folder: canonical Parquet tables and the quality summary, written and read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from firestats.files import (
    ACTIVITIES,
    ASSESSMENTS,
    INCIDENTS,
    PROBLEMS,
    QUALITY,
    match_station,
    read_quality,
    write_atomic,
)


@dataclass
class Dataset:
    """A prepared data folder in memory."""

    incidents: pd.DataFrame
    problems: pd.DataFrame
    quality: dict[str, Any]
    assessments: pd.DataFrame = field(default_factory=pd.DataFrame)  # one record per person, item, test
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)  # one record per ledger row

    def _dated(self) -> list[pd.DataFrame]:
        """Station and date of every kept record, of all three families."""
        frames = [self.incidents[["station", "received_at"]].set_axis(["station", "date"], axis=1)]
        frames += [f[["station", "date"]] for f in (self.assessments, self.activities) if len(f)]
        return [f.dropna() for f in frames]

    def station_years(self) -> list[tuple[str, int]]:
        """Every (station, year) with at least one kept record of any family, sorted."""
        pairs = pd.concat([pd.DataFrame({"station": f["station"], "year": f["date"].dt.year}) for f in self._dated()])
        return sorted(((s, int(y)) for s, y in pairs.drop_duplicates().itertuples(index=False)),
                      key=lambda p: (p[1], p[0]))

    def of_station(self, station: str) -> Dataset:
        """The records and problems of one station, and the problems no station-year can claim (quality whole).

        Every figure of a report is one station's; narrowing once spares filtering the whole
        detachment's tables again for each of them.
        """
        def mine(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[(frame["station"] == station).fillna(False).astype(bool)] if len(frame) else frame

        p = self.problems
        kept = p["station"].isna() | p["year"].isna() | (p["station"] == station).fillna(False)
        return Dataset(mine(self.incidents), p[kept.astype(bool)], self.quality,
                       mine(self.assessments), mine(self.activities))

    def resolve_station(self, name: str) -> str:
        """The canonical name of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
        return match_station(name, {s for f in self._dated() for s in f["station"].unique()})


def save(dataset: Dataset, out_dir: Path) -> None:
    """Write the dataset's tables and quality summary into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = ((INCIDENTS, dataset.incidents), (PROBLEMS, dataset.problems),
              (ASSESSMENTS, dataset.assessments), (ACTIVITIES, dataset.activities))
    for name, frame in tables:
        write_atomic(out_dir / name, frame.to_parquet(index=False))
    text = json.dumps(dataset.quality, ensure_ascii=False, indent=2)
    write_atomic(out_dir / QUALITY, text.encode("utf-8"))


def load(data_dir: Path | str) -> Dataset:
    """Read a folder written by ``firestats prepare``."""
    data_dir = Path(data_dir)
    quality = read_quality(data_dir)
    problems = pd.read_parquet(data_dir / PROBLEMS)
    problems["year"] = problems["year"].astype("Int64")
    optional = [pd.read_parquet(data_dir / n) if (data_dir / n).is_file() else pd.DataFrame()
                for n in (ASSESSMENTS, ACTIVITIES)]
    return Dataset(pd.read_parquet(data_dir / INCIDENTS), problems, quality, *optional)

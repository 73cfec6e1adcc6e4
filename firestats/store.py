"""The processed data folder: canonical Parquet tables and the quality summary, written and read."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from firestats.clean import normalise_station

INCIDENTS = "incidents.parquet"
PROBLEMS = "problems.parquet"
ASSESSMENTS = "assessments.parquet"
ACTIVITIES = "activities.parquet"
QUALITY = "quality.json"


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
        found = {(s, int(y)) for f in self._dated() for s, y in zip(f["station"], f["date"].dt.year)}
        return sorted(found, key=lambda p: (p[1], p[0]))

    def resolve_station(self, name: str) -> str:
        """The canonical name of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
        canonical = normalise_station(name)
        known = sorted({s for f in self._dated() for s in f["station"].unique()})
        if canonical not in known:
            raise LookupError(f"no station {name!r} in the data; stations: {'、'.join(known)}")
        return canonical


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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
    missing = [n for n in (INCIDENTS, PROBLEMS, QUALITY) if not (data_dir / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{data_dir}: not a prepared data folder (missing {', '.join(missing)}); run `firestats prepare` first"
        )
    quality = json.loads((data_dir / QUALITY).read_text("utf-8"))
    problems = pd.read_parquet(data_dir / PROBLEMS)
    problems["year"] = problems["year"].astype("Int64")
    optional = [pd.read_parquet(data_dir / n) if (data_dir / n).is_file() else pd.DataFrame()
                for n in (ASSESSMENTS, ACTIVITIES)]
    return Dataset(pd.read_parquet(data_dir / INCIDENTS), problems, quality, *optional)

"""The prepared folder's file names and the reads that need no pandas.

`firestats report` resolves a station from here, so its own process never imports pandas:
the notebook's kernel does the analysis.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from firestats.errors import NotPrepared, UnknownStation

INCIDENTS = "incidents.parquet"
PROBLEMS = "problems.parquet"
ASSESSMENTS = "assessments.parquet"
ACTIVITIES = "activities.parquet"
QUALITY = "quality.json"
# Each record family's table and the column that dates its records.
DATED = ((INCIDENTS, "received_at"), (ASSESSMENTS, "date"), (ACTIVITIES, "date"))


def check_prepared(data_dir: Path) -> None:
    """Raise NotPrepared, saying what to run, unless ``data_dir`` was written by ``firestats prepare``."""
    missing = [n for n in (INCIDENTS, PROBLEMS, QUALITY) if not (data_dir / n).is_file()]
    if missing:
        raise NotPrepared(
            f"{data_dir}: not a prepared data folder (missing {', '.join(missing)}); run `firestats prepare` first"
        )


def read_quality(data_dir: Path | str) -> dict[str, Any]:
    """The prepared folder's quality summary (every file's rows in, kept, merged and quarantined)."""
    data_dir = Path(data_dir)
    check_prepared(data_dir)
    return json.loads((data_dir / QUALITY).read_text("utf-8"))


def station_names(data_dir: Path | str) -> set[str]:
    """Every station with at least one dated record of any family, read from two columns of each table."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data_dir = Path(data_dir)
    check_prepared(data_dir)
    names: set[str] = set()
    for name, date in DATED:
        if (data_dir / name).is_file():
            table = pq.ParquetFile(data_dir / name).read(columns=["station", date])  # no pyarrow.dataset to load
            dated = table.filter(pc.and_(pc.is_valid(table["station"]), pc.is_valid(table[date])))
            names.update(pc.unique(dated["station"]).to_pylist())
    return names


def match_station(spelling: str, known: set[str]) -> str:
    """The canonical name among ``known`` of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
    if spelling in known:  # already canonical: no need to load the cleaning rules
        return spelling
    from firestats.ingest.stations import normalise_station

    canonical = normalise_station(spelling)
    if canonical not in known:
        raise UnknownStation(f"no station {spelling!r} in the data; stations: {'、'.join(sorted(known))}")
    return canonical


def resolve_station(data_dir: Path | str, spelling: str) -> str:
    """The canonical name of a station spelled any way, as the prepared folder ``data_dir`` names it."""
    return match_station(spelling, station_names(data_dir))

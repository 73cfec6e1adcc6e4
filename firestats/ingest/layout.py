"""The prepared folder's file names and the reads that need no pandas.

`firestats report` resolves a station from here, so its own process never imports pandas:
the notebook's kernel does the analysis.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from firestats.errors import InputError, NoRecords, NotPrepared, UnknownStation

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


def find_prepared(data_dir: Path | str | None) -> Path:
    """The prepared folder to read: ``data_dir`` as given, or (None) the nearest ``data/processed``
    from the working folder up: the notebook's folder in JupyterLab, the checkout under plain papermill."""
    if data_dir is not None:
        return Path(data_dir)
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "processed"
        if (candidate / QUALITY).is_file():
            return candidate
    raise NotPrepared(f"no prepared data folder (data/processed) in {here} or above it; run `firestats prepare` "
                      "or give data_dir")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Refuse, naming it, a file of the prepared folder that cannot be read (truncated, overwritten, not
    Parquet or JSON): pyarrow's and json's errors are ValueErrors or OSErrors."""
    try:
        yield
    except (OSError, ValueError) as exc:
        reason = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise InputError(f"{path}: cannot be read ({reason}); prepare the data again with `firestats prepare`") from exc


def read_quality(data_dir: Path | str) -> dict[str, Any]:
    """The prepared folder's quality summary (every file's rows in, kept, merged and quarantined)."""
    data_dir = Path(data_dir)
    check_prepared(data_dir)
    with reading(data_dir / QUALITY):
        return json.loads((data_dir / QUALITY).read_text("utf-8"))


def station_years(data_dir: Path | str) -> dict[str, set[int]]:
    """Every station with a dated record of any family, and the years it has records in (two columns of each table)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data_dir = Path(data_dir)
    check_prepared(data_dir)
    years: dict[str, set[int]] = {}
    for name, date in DATED:
        if (data_dir / name).is_file():
            with reading(data_dir / name):
                table = pq.ParquetFile(data_dir / name).read(columns=["station", date])  # no pyarrow.dataset
            if not pa.types.is_timestamp(table[date].type):  # a family with no records has untyped columns
                continue
            dated = table.filter(pc.and_(pc.is_valid(table["station"]), pc.is_valid(table[date])))
            pairs = pa.table({"station": dated["station"], "year": pc.year(dated[date])}).group_by(
                ["station", "year"]).aggregate([])
            for station, year in zip(pairs["station"].to_pylist(), pairs["year"].to_pylist()):
                years.setdefault(station, set()).add(year)
    return years


def match_station(spelling: str, known: set[str]) -> str:
    """The canonical name among ``known`` of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
    if spelling in known:  # already canonical: no need to load the cleaning rules
        return spelling
    from firestats.ingest.stations import normalise_station

    canonical = normalise_station(spelling)
    folded = {name.casefold(): name for name in known}  # Soho, SOHO and soho are one station
    canonical = folded.get(canonical.casefold(), canonical)
    if canonical not in known:
        raise UnknownStation(f"no station {spelling!r} in the data; stations: {'、'.join(sorted(known))}")
    return canonical


def resolve_station_year(data_dir: Path | str, spelling: str, year: int) -> str:
    """A station spelled any way, as ``data_dir`` names it; refused (NoRecords) unless it has records in ``year``."""
    years = station_years(data_dir)
    name = match_station(spelling, set(years))
    if int(year) not in years[name]:
        raise no_records(name, year, years[name])
    return name


def no_records(station: str, when: int | str, years: set[int]) -> NoRecords:
    """The refusal of a station's year (or period: 2024-Q1) without records, naming the years it has."""
    return NoRecords(f"no records of {station} in {when}; years with records: "
                     f"{'、'.join(map(str, sorted(years))) or '无'}")

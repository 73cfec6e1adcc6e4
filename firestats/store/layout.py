"""The prepared folder's file names and the reads that need no pandas.

`firestats report` resolves a station from here, so its own process never imports pandas:
the notebook's kernel does the analysis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firestats.errors import InputError, NoRecords, NotPrepared, UnknownStation
from firestats.store.partitions import LAYOUT, LAYOUT_VERSION, PARTITIONS, STATIONS, TABLES, StoreIndex

if TYPE_CHECKING:
    from firestats.request import Request

QUALITY = "quality.json"
# The single tables an older firestats wrote (layout 1): a folder holding them is refused with "prepare again".
OLD_TABLES = ("incidents.parquet", "problems.parquet")


def check_prepared(data_dir: Path) -> None:
    """Raise NotPrepared, saying what to run, unless ``data_dir`` was written by this firestats' ``prepare``."""
    version = _layout_version(data_dir)
    if version == LAYOUT_VERSION and all((data_dir / n).is_file() for n in (QUALITY, STATIONS, PARTITIONS)):
        return
    if version is not None or any((data_dir / n).is_file() for n in OLD_TABLES):
        raise NotPrepared(f"{data_dir}: prepared by another version of firestats (layout {version or 1}; this one "
                          f"reads layout {LAYOUT_VERSION}); run `firestats prepare` again to rewrite it")
    missing = [n for n in (LAYOUT, STATIONS, PARTITIONS, QUALITY) if not (data_dir / n).is_file()]
    raise NotPrepared(
        f"{data_dir}: not a prepared data folder (missing {', '.join(missing)}); run `firestats prepare` first"
    )


def _layout_version(data_dir: Path) -> int | None:
    """The version ``data_dir``'s layout.json names (None without one; 0 when it cannot be read)."""
    path = data_dir / LAYOUT
    if not path.is_file():
        return None
    try:
        return int(json.loads(path.read_text("utf-8")).get("version", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


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


def read_index(data_dir: Path | str) -> StoreIndex:
    """A prepared folder's index: its stations, the months each has records in, and its partition files."""
    data_dir = Path(data_dir)
    check_prepared(data_dir)
    with reading(data_dir / STATIONS):
        stations = json.loads((data_dir / STATIONS).read_text("utf-8"))
    with reading(data_dir / PARTITIONS):
        partitions = json.loads((data_dir / PARTITIONS).read_text("utf-8"))
    return StoreIndex(stations, partitions)


def check_partitions(data_dir: Path | str, index: StoreIndex, station: str | None = None,
                     years: Iterable[int] | None = None) -> None:
    """Refuse, naming it, a partition file of a slice (every one by default) whose bytes are not those prepare
    wrote (truncated, overwritten, missing): checked before a report's kernel or a batch starts."""
    data_dir = Path(data_dir)
    for table in TABLES:
        for relative, entry in index.files(table, station, years):
            path = data_dir / relative
            with reading(path):
                data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise InputError(f"{path}: cannot be read (not the file prepare wrote); prepare the data again with "
                                 "`firestats prepare`")


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


def resolved(request: Request, index: StoreIndex) -> Request:
    """The request with its station (spelled any way) as the store's ``index`` names it: the one place a report's
    station is resolved. Refused (UnknownStation, NoRecords) unless the station has records in the period's year;
    a detachment's request (station None) is as it was."""
    if request.station is None:
        return request
    years = index.station_years()
    name = match_station(request.station, set(years))
    if request.period.year not in years[name]:
        raise no_records(name, request.period.year, years[name])
    return replace(request, station=name)


def no_records(station: str, when: int | str, years: set[int]) -> NoRecords:
    """The refusal of a station's year (or period: 2024-Q1) without records, naming the years it has."""
    return NoRecords(f"no records of {station} in {when}; years with records: "
                     f"{'、'.join(map(str, sorted(years))) or '无'}")

"""The processed data folder in memory and on disk: the three record families, their problems, one way to
narrow them to a station's years, and the partitioned store they are written to and read from by slice."""

from __future__ import annotations

import hashlib
import io
import json
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from firestats.errors import FirestatsError
from firestats.files import OutputFolder
from firestats.ingest.layout import QUALITY, find_prepared, match_station, read_index, read_quality, reading
from firestats.ingest.merging import SLICE_ROWS
from firestats.ingest.partitions import (
    LAYOUT,
    LAYOUT_VERSION,
    PARTITIONS,
    STATIONS,
    TABLES,
    StoreIndex,
    partition_key,
    partition_path,
    schema_path,
    station_ids,
    write_json,
)
from firestats.ingest.spill import ORDER, Spill, release_memory, station_months
from firestats.periods import MONTHS_IN, Period

# The column that dates each family's records: the year of a record is the year of this.
DATE_COLUMN = {"incidents": "received_at", "assessments": "date", "activities": "date", "problems": "date"}


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
    # Every station's years with records in the whole store, when this is a slice read from it (None: these records').
    known: dict[str, set[int]] | None = None

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

        return Dataset(problems=mine(self.problems, "problems"), quality=self.quality, known=self.known,
                       **{family: mine(frame, family) for family, frame in self.records().items()})

    def dated(self) -> pd.DataFrame:
        """The station and date of every kept record of any family that has both."""
        return pd.concat([pd.DataFrame({"station": f["station"], "date": f[DATE_COLUMN[family]]})
                          for family, f in self.records().items() if family == "incidents" or len(f)]).dropna()

    def station_years(self) -> list[tuple[str, int]]:
        """Every (station, year) with at least one kept record of any family, sorted by year then station."""
        return [(station, year.year) for station, year in self.station_periods("year")]

    def station_periods(self, kind: str) -> list[tuple[str, Period]]:
        """Every (station, period of ``kind``: year, half, quarter or month) with at least one kept record of any
        family, sorted by period then station."""
        dated = self.dated()
        months = MONTHS_IN[kind]
        found = pd.DataFrame({"station": dated["station"], "year": dated["date"].dt.year,
                              "index": (dated["date"].dt.month - 1) // months + 1}).drop_duplicates()
        return sorted(((s, Period(int(y), kind, int(i))) for s, y, i in found.itertuples(index=False)),
                      key=lambda p: (p[1], p[0]))

    def years_by_station(self) -> dict[str, set[int]]:
        """Every station with kept records and the years it has them in: the whole store's, also for a slice of it."""
        if self.known is not None:
            return self.known
        found: dict[str, set[int]] = {}
        for station, year in self.station_years():
            found.setdefault(station, set()).add(year)
        return found

    def resolve_station(self, name: str) -> str:
        """The canonical name of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
        return match_station(name, set(self.years_by_station()))


def save(dataset: Dataset, out_dir: Path, incidents: Spill | None = None) -> None:
    """Write the dataset into ``out_dir`` as a partitioned store (see ``partitions``) with its quality summary;
    ``incidents``, when given, holds the incident rows in place of ``dataset.incidents`` (which then has none).

    Partition files whose bytes did not change are left as they are; those no longer listed are removed.
    The layout's version is written last: a folder stopped half-way is refused, not half read.
    """
    folder = OutputFolder(out_dir)
    before = _previous_partitions(folder.root)
    folder.remove(LAYOUT)
    tables = {**dataset.records(), "problems": dataset.problems}
    spills = {table: incidents if table == "incidents" and incidents else Spill.of(frame, DATE_COLUMN[table])
              for table, frame in tables.items()}
    try:
        ids = station_ids(s for spill in spills.values() for s in spill.stations)
        partitions = {table: _write_table(folder, table, spills[table], ids, before.get(table, {})) for table in TABLES}
        months = station_months([spills[family] for family in dataset.records()])
    finally:
        for table, spill in spills.items():
            if spill is not incidents:
                spill.close()
    for table, entries in before.items():
        for key in set(entries) - set(partitions[table]):
            folder.remove(partition_path(table, key))
    folder.write(STATIONS, write_json({name: {"id": sid, "months": months.get(name, [])} for name, sid in ids.items()}))
    folder.write(PARTITIONS, write_json(partitions))
    folder.write(QUALITY, json.dumps(dataset.quality, ensure_ascii=False, indent=2).encode("utf-8"))
    folder.write(LAYOUT, write_json({"version": LAYOUT_VERSION}))


def _previous_partitions(root: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The partitions a folder prepared before lists (none when it holds no index this firestats reads)."""
    try:
        return read_index(root).partitions
    except FirestatsError:
        return {}


def _write_table(folder: OutputFolder, table: str, spill: Spill, ids: dict[str, str],
                 before: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Write one table's partitions (and its zero-row schema); returns its entries for the index.

    A partition is encoded while the next is read (Parquet and SHA-256 let go of the GIL: a third less time
    on two cores), unless the two would hold more than a slice's rows: a big partition is held alone.
    """
    folder.write(schema_path(table), parquet_bytes(spill.schema.empty_table()))
    entries: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(1) as pool:
        pending: deque = deque()
        for year, station, part in spill.partitions():
            key = partition_key(year, None if station is None else ids[station])
            while pending and (len(pending) > 1 or pending[0][0] + part.num_rows > SLICE_ROWS):
                _write_partition(folder, table, *pending.popleft()[1:], before, entries)
            pending.append((part.num_rows, key, pool.submit(_encoded, part, before.get(key, {}))))
            del part
        while pending:
            _write_partition(folder, table, *pending.popleft()[1:], before, entries)
    return entries


def _encoded(part: pa.Table, before: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """A partition's file bytes and its index entry (``before``'s, when the bytes are the same as then)."""
    data = parquet_bytes(part)
    sha256 = hashlib.sha256(data).hexdigest()
    if before.get("sha256") == sha256 and "content" in before:
        return data, before  # the same bytes: the same rows, so the same content
    # Row numbers and order are left out of the content: a row added above would shift them all. Hashed as
    # written, never held: uncompressed, the bytes are as large as the rows.
    content = _Digest()
    pq.write_table(part.drop_columns([ORDER, "source_row"]), content, compression="none")
    return data, {"rows": part.num_rows, "sha256": sha256, "content": content.sha256.hexdigest()}


class _Digest:
    """A file that keeps only the SHA-256 of what is written to it."""

    closed = False

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        """Hash the next bytes."""
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        """How many bytes were written."""
        return self.size

    def flush(self) -> None:
        """Nothing is buffered."""


def _write_partition(folder: OutputFolder, table: str, key: str, encoding: Future, before: dict[str, dict[str, Any]],
                     entries: dict[str, dict[str, Any]]) -> None:
    """Write a partition's file unless the same bytes are there already; record its index entry."""
    data, entries[key] = encoding.result()
    if before.get(key, {}).get("sha256") != entries[key]["sha256"] or not (
            folder.root / partition_path(table, key)).is_file():
        folder.write(partition_path(table, key), data)
    release_memory()


def parquet_bytes(table: pa.Table, compression: str = "snappy") -> bytes:
    """A table as the bytes of one Parquet file (the same table, the same bytes)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=compression)
    return sink.getvalue()


def load(data_dir: Path | str | None = None, station: str | None = None, years: Iterable[int] | None = None) -> Dataset:
    """Read a folder written by ``firestats prepare`` (None: the nearest data/processed, see ``find_prepared``).

    ``station`` (spelled any way) and ``years`` read only their partition files: a station's report reads
    its own years, however many stations the store holds. ``years`` None reads every year; ``station``
    None every station (and the rows no station's: the detachment's). The slice equals
    ``load(data_dir).narrow(station, years)`` before it is narrowed to a period.

    >>> import firestats as fs
    >>> fs.load("data/processed", "城东", [2024, 2025]).incidents["station"].unique()  # doctest: +SKIP
    array(['城东站'], dtype=object)
    """
    data_dir = find_prepared(data_dir)
    quality = read_quality(data_dir)
    index = read_index(data_dir)
    known = index.station_years()
    name = None if station is None else match_station(station, set(known))
    years = None if years is None else [int(y) for y in years]
    tables = {table: _read(data_dir, table, index, name, years) for table in TABLES}
    return Dataset(tables["incidents"], tables["problems"], quality, tables["assessments"], tables["activities"],
                   known)


def _read(data_dir: Path, table: str, index: StoreIndex, station: str | None, years: list[int] | None) -> pd.DataFrame:
    """The rows of ``table`` in the partitions a slice needs, in their order in the whole table."""
    paths = [data_dir / partition_path(table, key) for key in index.keys(table, station, years)]
    parts = []
    for path in paths or [data_dir / schema_path(table)]:
        with reading(path):
            parts.append(pq.ParquetFile(path).read())  # by path: no folder is listed, no partitioning inferred
    frame = pa.concat_tables(parts).to_pandas()
    if len(parts) > 1:
        frame = frame.sort_values(ORDER, kind="stable")
    return frame.drop(columns=ORDER).reset_index(drop=True)

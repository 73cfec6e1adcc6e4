"""The processed data folder in memory and on disk: the three record families, their problems, one way to
narrow them to a station's years, and the partitioned store they are written to and read from by slice."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from firestats.errors import FirestatsError
from firestats.files import OutputFolder
from firestats.periods import Period
from firestats.settings import use_settings
from firestats.store.generations import GENERATIONS, LISTED, Generation
from firestats.store.layout import (
    QUALITY,
    find_prepared,
    inside,
    match_station,
    read_index,
    read_quality,
    reading,
    resolved,
)
from firestats.store.partition_files import parquet_bytes, write_files
from firestats.store.partitions import (
    LAYOUT,
    LAYOUT_VERSION,
    PART,
    PARTITIONS,
    STATIONS,
    TABLES,
    StoreIndex,
    partition_path,
    schema_path,
    station_ids,
    write_json,
)
from firestats.store.spill import ORDER, Spill, station_months
from firestats.vocabulary.hierarchy import whose
from firestats.vocabulary.problems import PROBLEM_COLUMNS

if TYPE_CHECKING:
    from firestats.request import Request

# The column that dates each family's records: the year of a record is the year of this.
DATE_COLUMN = {"incidents": "received_at", "assessments": "date", "activities": "date", "problems": "date"}
# From this many partition files on, a slice's are read by several threads (a station's years are a few).
_MANY_FILES = 32
# What puts each table's rows in their order: an incident is one row of its file; a file's problem rows are
# numbered; the records of score sheets and ledgers keep their place in the whole table.
SORTED_BY = {"incidents": ["source_file", "source_row"], "problems": ["source_file", ORDER],
             "assessments": [ORDER], "activities": [ORDER]}


def in_slice(stations: pd.Series, timely: pd.Series, station: str | Collection[str] | None) -> pd.Series:
    """Which rows belong to ``station`` (any when None; any of several: a brigade's members) among the ``timely``
    ones (dated in the slice's time); a row without station or date belongs to none."""
    mask = timely.fillna(False).astype(bool)
    if isinstance(station, str):
        mask &= (stations == station).fillna(False).astype(bool)
    elif station is not None:
        mask &= stations.isin(list(station)).fillna(False).astype(bool)
    return mask


def _timely(when: Period | list[int], times: pd.Series) -> pd.Series:
    return when.contains(times) if isinstance(when, Period) else times.dt.year.isin(when)


def _mine(frame: pd.DataFrame, family: str, station: str | Collection[str] | None,
          when: Period | list[int]) -> pd.DataFrame:
    """A family's rows of ``station`` (as :func:`in_slice`) dated in ``when``."""
    if frame.empty:
        return frame
    return frame[in_slice(frame["station"], _timely(when, frame[DATE_COLUMN[family]]), station)]


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
    # The months (2024-03) any station has records in, in the whole store, when this is a slice read from it.
    months: frozenset[str] | None = None

    def records(self) -> dict[str, pd.DataFrame]:
        """The kept records of each family, by family name."""
        return {"incidents": self.incidents, "assessments": self.assessments, "activities": self.activities}

    def is_empty(self) -> bool:
        """True when no family has a kept record (problem rows alone are no records)."""
        return all(frame.empty for frame in self.records().values())

    def narrow(self, station: str | Collection[str] | None, when: int | Iterable[int] | Period) -> Dataset:
        """The records and problem rows of one station (every station when None, or several: a brigade's) in a
        period or the given years.

        The one way any figure, report or input hash narrows the data: rows without a readable
        station or date belong to no slice.
        """
        when = when if isinstance(when, Period) else [when] if isinstance(when, int) else list(when)
        return Dataset(problems=_mine(self.problems, "problems", station, when), quality=self.quality,
                       known=self.known, months=self.months,
                       **{family: _mine(frame, family, station, when) for family, frame in self.records().items()})

    def incidents_in(self, station: str | Collection[str] | None, period: Period) -> pd.DataFrame:
        """The kept incidents of ``narrow(station, period)``, the other tables left as they are: a comparison that
        counts incidents alone narrowed every table for them."""
        return _mine(self.incidents, "incidents", station, period)

    def dated(self) -> pd.DataFrame:
        """The station and date of every kept record of any family that has both."""
        return pd.concat([pd.DataFrame({"station": f["station"], "date": f[DATE_COLUMN[family]]})
                          for family, f in self.records().items() if family == "incidents" or len(f)]).dropna()

    def years_held(self, station: str | Collection[str] | None, years: Iterable[int]) -> set[int]:
        """The years among ``years`` in which ``station`` (any when None, or any of several) has a kept record of any
        family: those of ``narrow(station, years).dated()``, found in the dates alone, not every column narrowed."""
        dated = self.dated()
        held = dated["date"].dt.year
        return {int(year) for year in held[in_slice(dated["station"], held.isin(list(years)), station)].unique()}

    def station_periods(self, kind: str) -> list[tuple[str, Period]]:
        """Every (station, period of ``kind``: year, half, quarter or month) with at least one kept record of any
        family, sorted by period then station."""
        dated = self.dated()
        months = pd.DataFrame({"station": dated["station"], "year": dated["date"].dt.year,
                               "month": dated["date"].dt.month}).drop_duplicates()
        found = {(s, Period.containing(int(y), int(m), kind)) for s, y, m in months.itertuples(index=False)}
        return sorted(found, key=lambda p: (p[1], p[0]))

    def station_years(self) -> dict[str, set[int]]:
        """Every station with kept records and the years it has them in: the whole store's, also for a slice of it."""
        if self.known is not None:
            return self.known
        found: dict[str, set[int]] = {}
        for station, year in self.station_periods("year"):
            found.setdefault(station, set()).add(year.year)
        return found

    def resolve_station(self, name: str) -> str:
        """The canonical name of a station spelled any way (城东 / 城东消防救援站 -> 城东站)."""
        return match_station(name, set(self.station_years()))


@dataclass
class Folds:
    """What a prepare folded in generations (see ``generations``): every generation the store holds after it, the
    label of the one it folded ("" when it folded none), that one's problem rows, those of reading the files, and
    the folder as the prepare found it."""

    generations: dict[str, Generation]
    fresh: str
    folded: pd.DataFrame
    read: pd.DataFrame
    previous: Previous  # the folder as it was before this prepare


# The problem rows' types, whichever rows a file holds (one of only the readers' rows has no incident number to type):
# a slice reads them alike from any partition files.
PROBLEM_TYPES = pa.schema([(name, {"source_row": pa.int64(), "year": pa.float64(), "date": pa.timestamp("ns")}.get(
    name, pa.string())) for name in [*PROBLEM_COLUMNS, "family"]] + [(ORDER, pa.int64())])

# Where a file's problem rows from reading it are numbered from: after those of folding its incidents, whichever
# generation holds them, as a dataset lists them.
READ_AFTER = 1 << 40


def save(dataset: Dataset, out_dir: Path, incidents: Spill | None = None, folds: Folds | None = None) -> None:
    """Write the dataset into ``out_dir`` as a partitioned store (see ``partitions``) with its quality summary;
    ``incidents``, when given, holds the incident rows in place of ``dataset.incidents`` (which then has none).

    With ``folds``, the incidents and their problem rows are one generation's: the files of every other generation
    it names are kept as they are. Partition files whose bytes did not change are left as they are; those no
    longer listed are removed. The layout's version is written last: a folder stopped half-way is refused, not
    half read.
    """
    folder = OutputFolder(out_dir)
    previous = folds.previous if folds else Previous.read(folder.root)
    before = previous.partitions
    folder.remove(LAYOUT)
    fresh = folds.fresh if folds else PART
    problems = [(fresh, folds.folded, 0), (PART, folds.read, READ_AFTER)] if folds else [(PART, dataset.problems, 0)]
    spills = {"incidents": {fresh: incidents or Spill.of(dataset.incidents, DATE_COLUMN["incidents"])},
              # Numbered and spilled one at a time: a province's problem rows are many, and text in pandas is large.
              "problems": {file: Spill.of(numbered(frame, start), DATE_COLUMN["problems"], schema=PROBLEM_TYPES)
                           for file, frame, start in problems},
              **{family: {PART: Spill.of(dataset.records()[family], DATE_COLUMN[family], order=True)}
                 for family in ("assessments", "activities")}}
    kept = {} if folds is None else {label: g for label, g in folds.generations.items() if label != fresh}
    try:
        stations = {s for files in spills.values() for spill in files.values() for s in spill.stations}
        ids = station_ids(stations | {s for g in kept.values() for s in g.months}, previous.ids)
        partitions = {table: _kept_files(before.get(table, {}), kept) for table in TABLES}
        for table, files in spills.items():
            folder.write(schema_path(table), parquet_bytes(next(iter(files.values())).schema.empty_table()))
            for file, spill in files.items():
                if file:
                    write_files(folder, table, file, spill, ids, before.get(table, {}), partitions[table])
        months = station_months([spills[family][fresh if family == "incidents" else PART].months
                                 for family in dataset.records()] + [_months_frame(g.months) for g in kept.values()])
    finally:
        for files in spills.values():
            for spill in files.values():
                if spill is not incidents:
                    spill.close()
    listed = {partition_path(table, key, file) for table in TABLES for key, files in partitions[table].items()
              for file in files}
    for path in previous.paths():
        if path not in listed:
            folder.remove(path)
    folder.write(STATIONS, write_json({name: {"id": sid, "months": months.get(name, [])} for name, sid in ids.items()}))
    folder.write(PARTITIONS, write_json(partitions))
    folder.write(GENERATIONS, write_json({label: g.as_json()
                                         for label, g in (folds.generations if folds else {}).items()}))
    folder.write(QUALITY, json.dumps(dataset.quality, ensure_ascii=False, indent=2).encode("utf-8"))
    folder.write(LAYOUT, write_json({"version": LAYOUT_VERSION}))


def in_file_order(problems: pd.DataFrame) -> pd.DataFrame:
    """Problem rows as a dataset lists them: file by file (in the order of their names), each file's as found."""
    return problems.iloc[np.argsort(problems["source_file"].to_numpy(dtype=str), kind="stable")]


def numbered(problems: pd.DataFrame, start: int = 0) -> pd.DataFrame:
    """Problem rows in file order, each numbered within its file from ``start`` (``ORDER``): rows read from several
    partition files are put back in their order."""
    problems = in_file_order(problems)
    return problems.assign(**{ORDER: problems.groupby("source_file", sort=False).cumcount().astype("int64") + start},
                           year=problems["year"].astype("Float64"))  # read back as a dataset holds it


@dataclass
class Previous:
    """What a folder prepared before holds, read once for a prepare: its partition files and its stations' ids
    (none when it holds no index this firestats reads)."""

    root: Path
    partitions: dict[str, dict[str, dict[str, dict[str, Any]]]]  # as StoreIndex.partitions
    ids: dict[str, str]  # station name -> id

    @classmethod
    def read(cls, root: Path) -> Previous:
        """The index of the folder at ``root``, if it holds one this firestats reads."""
        try:
            index = read_index(root)
        except FirestatsError:
            return cls(root, {}, {})
        return cls(root, index.partitions, {name: entry["id"] for name, entry in index.stations.items()})

    def paths(self) -> list[str]:
        """Every partition file the folder held: those its index lists, or (a folder of another layout, or one a
        prepare stopped half-way) those found in its tables' folders."""
        if self.partitions:
            return [partition_path(table, key, file) for table, entries in self.partitions.items()
                    for key, files in entries.items() for file in files]
        return [path.relative_to(self.root).as_posix() for table in TABLES
                for path in sorted((self.root / table).glob("year=*/station=*/*.parquet"))]

    def generations(self) -> dict[str, Generation]:
        """The generations the folder holds whole: each listed with every file of its listed in place (none when
        its index cannot be read: a prepare stopped half-way leaves generations whose files no index lists)."""
        if not self.partitions:
            return {}
        try:  # a damaged list (cut short, of another shape) is as none: its tables are folded again
            with reading(self.root / GENERATIONS):
                listed = LISTED.validate_json((self.root / GENERATIONS).read_bytes())
        except FirestatsError:  # reading() refuses a ValidationError as any ValueError
            return {}
        found: dict[str, list[str]] = {}
        for path in self.paths():
            found.setdefault(Path(path).stem, []).append(path)
        return {label: generation for label, data in listed.items()
                if (generation := Generation.read(data)) is not None
                and all((self.root / path).is_file() for path in found.get(label, []))}

    def problems(self, labels: list[str]) -> list[pd.DataFrame]:
        """The problem rows the generations ``labels`` hold, each in file order."""
        found = []
        for label in labels:
            paths = [self.root / partition_path("problems", key, label)
                     for key, files in self.partitions.get("problems", {}).items() if label in files]
            found.append(_ordered(paths, "problems") if paths else pd.DataFrame(columns=PROBLEM_COLUMNS))
        return found


def _kept_files(before: dict[str, dict[str, dict[str, Any]]],
                kept: dict[str, Generation]) -> dict[str, dict[str, dict[str, Any]]]:
    """The index entries of a table's files that belong to generations kept as they are."""
    entries: dict[str, dict[str, dict[str, Any]]] = {}
    for key, files in before.items():
        for file, entry in files.items():
            if file in kept:
                entries.setdefault(key, {})[file] = entry
    return entries


def _months_frame(months: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame([(station, m) for station, found in months.items() for m in found],
                        columns=["station", "month"])


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
    index = read_index(data_dir)
    name = None if station is None else match_station(station, set(index.station_years()))
    return _slice(data_dir, index, name, years)


def open_report(request: Request, years: Iterable[int] | None = None) -> tuple[Request, Dataset]:
    """A report's request resolved (its data folder found, its station as the store names it, see ``resolved``)
    and the slice it reads: the station's (every station's, for the detachment) ``years`` (None: those its period
    is compared over). The request's settings are in use from here on.
    """
    use_settings(request.options.settings)
    data_dir = find_prepared(request.data_dir)
    index = read_index(data_dir)
    request = resolved(replace(request, data_dir=str(data_dir)), index)
    return request, _slice(data_dir, index, whose(request, index.station_years()),
                           request.period.years_compared() if years is None else years)


def _slice(data_dir: Path, index: StoreIndex, station: str | Collection[str] | None,
           years: Iterable[int] | None) -> Dataset:
    """The rows of a station (None: every station; several: a level's) in ``years`` (None: every year), read from
    their partitions."""
    years = None if years is None else [int(y) for y in years]
    tables = {table: _read(data_dir, table, index, station, years) for table in TABLES}
    return Dataset(tables["incidents"], tables["problems"], read_quality(data_dir), tables["assessments"],
                   tables["activities"], index.station_years(), index.months)


def _read(data_dir: Path, table: str, index: StoreIndex, station: str | Collection[str] | None,
          years: list[int] | None) -> pd.DataFrame:
    """The rows of ``table`` in the partition files a slice needs, in their order in the whole table."""
    root = data_dir.resolve()
    paths = [inside(data_dir, path, root) for path, _ in index.files(table, station, years)]
    return _ordered(paths or [data_dir / schema_path(table)], table)


def _part(path: Path) -> pa.Table:
    """One partition file's rows, read by path: no folder is listed, no partitioning inferred."""
    with reading(path):
        return pq.ParquetFile(path).read()


def _ordered(paths: list[Path], table: str) -> pd.DataFrame:
    """The rows of ``table``'s files at ``paths``, in their order in the whole table."""
    if len(paths) < _MANY_FILES:
        parts = [_part(path) for path in paths]
    else:  # a province's thousands of small files, read on every core (Arrow reads without holding the GIL)
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            parts = list(pool.map(_part, paths))
    # Generations folded apart may type a column one held no value of differently (null, text): one type for all.
    whole = pa.concat_tables(parts, promote_options="permissive")
    if len(parts) > 1:  # Arrow's stable sort: pandas' took five times as long over a province's file names
        # and put in order by Arrow too, before pandas holds them: pandas' take of the text columns took a third longer
        whole = whole.take(pc.sort_indices(whole, [(key, "ascending") for key in SORTED_BY[table]]))
    return whole.to_pandas().drop(columns=ORDER, errors="ignore").reset_index(drop=True)

"""A table taken a slice at a time and given back one partition (year and station) at a time.

``prepare`` folds a province's incidents a file at a time; holding the whole table to cut it into
partitions would cost some 250 MB a million rows. Each slice goes instead to a temporary Arrow file
(Zstandard, a record batch per partition it touches), deleted when the spill is closed; a partition is
then read back from the batches that hold it, rows in the order the slices came. Scratch, never
output: the store's files are written by ``store.save`` through an ``OutputFolder``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

# A row's place in its whole table (or among its file's rows), stored with it where the table's own columns do not
# give it: rows read from several partition files are put back in order.
ORDER = "_order"
# Zstandard: a slice of a million rows' partitions written in 0.2 s and read back faster than LZ4's.
OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")
# Slices given to ``Spill.add_soon`` that may wait to be kept: each holds a slice's rows in memory.
WAITING = 2


def release_memory() -> None:
    """Hand the memory Arrow and pandas freed back to the system: their allocators (mimalloc, the C library's)
    keep it otherwise, and a prepare's peak becomes the sum of what each slice once needed rather than the
    most one needs."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


# The C library, where it can give freed heap pages back (glibc's malloc_trim): Linux.
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform.startswith("linux") else None


class Spill:
    """One table's rows, grouped by the year of ``date_column`` and by station, kept on disk until closed (with
    ``order``, each with its place in the table as ``ORDER``; with ``schema``, in those types)."""

    def __init__(self, date_column: str, order: bool = False, schema: pa.Schema | None = None) -> None:
        self.date_column = date_column
        self.order = order
        self.rows = 0
        self.fixed = schema
        self.schema: pa.Schema | None = None
        self.stations: set[str] = set()
        # Every (station, month) with rows, the month counted from year 0 (2024-03: 2024 * 12 + 2).
        self.months = pd.DataFrame({"station": pd.Series(dtype="str"), "month": pd.Series(dtype="int64")})
        self._folder = tempfile.TemporaryDirectory(prefix="firestats-spill-")
        self._where: dict[tuple[int | None, str | None], list[tuple[int, int]]] = {}  # -> (file, batch) in order
        self._files: list[Path] = []
        self._keeper: ThreadPoolExecutor | None = None  # keeps the slices of add_soon, in order
        self._waiting: deque[Future[None]] = deque()

    @classmethod
    def of(cls, frame: pd.DataFrame, date_column: str, order: bool = False, schema: pa.Schema | None = None) -> Spill:
        """A spill of a table already in memory."""
        spill = cls(date_column, order, schema)
        spill.add(frame)
        return spill

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the temporary files (once the slices given to ``add_soon`` are kept)."""
        try:
            self.settle()
        finally:
            if self._keeper is not None:
                self._keeper.shutdown()
            self._folder.cleanup()

    def add(self, frame: pd.DataFrame) -> None:
        """The next rows of the table (the first slice, even with no rows, fixes its columns)."""
        self.settle()
        self._keep(frame)

    def add_soon(self, frame: pd.DataFrame) -> None:
        """The next rows of the table, kept on another thread while the caller goes on (a fold's next slice: most of
        keeping is Arrow's, which lets go of the GIL); ``frame`` must not change after. The spill's stations,
        months and partitions are read once every slice is kept (``settle``)."""
        if self._keeper is None:
            self._keeper = ThreadPoolExecutor(1)
        self._waiting.append(self._keeper.submit(self._keep, frame))
        while len(self._waiting) > WAITING:
            self._waiting.popleft().result()

    def settle(self) -> None:
        """Wait until every slice given to ``add_soon`` is kept (raising what keeping one raised)."""
        while self._waiting:
            self._waiting.popleft().result()

    def _keep(self, frame: pd.DataFrame) -> None:
        arrow = pa.Table.from_pandas(frame.reset_index(drop=True), self.fixed, preserve_index=False)
        if self.order:
            arrow = arrow.append_column(ORDER, pa.array(np.arange(self.rows, self.rows + len(frame), dtype="int64")))
        self.schema = self.schema or arrow.schema  # the first slice's, with the pandas types it was made of
        self.rows += len(frame)
        if frame.empty:
            return
        when, station = frame[self.date_column], frame["station"]
        self.stations.update(station.dropna().unique())
        dated = (station.notna() & when.notna()).to_numpy()
        month = (when.dt.year * 12 + when.dt.month - 1)[dated].astype("int64")
        months = pd.DataFrame({"station": station[dated].to_numpy(), "month": month.to_numpy()}).drop_duplicates()
        self.months = pd.concat([self.months, months]).drop_duplicates()
        keys = pd.DataFrame({"year": when.dt.year.to_numpy(), "station": station.to_numpy()})
        groups = keys.groupby(["year", "station"], dropna=False, sort=True).indices
        # One take puts each partition's rows together (in their order): a batch is then a slice, not a copy.
        arrow = arrow.take(np.concatenate(list(groups.values()))).combine_chunks()
        path = Path(self._folder.name) / f"{len(self._files)}.arrow"
        start = 0
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, self.schema, options=OPTIONS) as writer:
            for n, ((year, name), rows) in enumerate(groups.items()):
                writer.write_batch(arrow.slice(start, len(rows)).to_batches()[0].cast(self.schema))
                start += len(rows)
                key = (None if pd.isna(year) else int(year), None if pd.isna(name) else name)
                self._where.setdefault(key, []).append((len(self._files), n))
        self._files.append(path)
        release_memory()

    def partitions(self) -> Iterator[tuple[int | None, str | None, int, Callable[[], Iterator[pa.RecordBatch]]]]:
        """Each partition's year (None: undated), station (None: none), rows, and a way to read its rows a batch at a
        time in the order they came (as often as needed: a partition is never held whole)."""
        self.settle()
        readers = {}
        for (year, station), batches in self._where.items():
            for n, _ in batches:
                if n not in readers:
                    readers[n] = pa.ipc.open_file(pa.OSFile(str(self._files[n])))
            rows = sum(readers[n].get_batch(i).num_rows for n, i in batches)
            yield year, station, rows, lambda batches=batches: (readers[n].get_batch(i) for n, i in batches)


def station_months(months: list[pd.DataFrame]) -> dict[str, list[str]]:
    """Each station's months in any of the tables of stations and months (``Spill.months``) as ``2024-03``, sorted."""
    found = pd.concat(months).drop_duplicates()
    return {station: [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in sorted(group)]
            for station, group in found.groupby("station")["month"]}

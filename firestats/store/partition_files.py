"""A table's partition files written from its spill: Parquet in row groups of a slice's rows, each file with the
SHA-256 of its bytes and of its content, a file whose bytes did not change left as it is."""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from firestats.files import OutputFolder, Sink
from firestats.store.merging import SLICE_ROWS
from firestats.store.partitions import partition_key, partition_path
from firestats.store.spill import ORDER, Spill, release_memory


def write_files(folder: OutputFolder, table: str, file: str, spill: Spill, ids: dict[str, str],
                 before: dict[str, dict[str, dict[str, Any]]], entries: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Write the rows of ``spill`` as each partition's ``file`` of ``table``, their index entries into ``entries``.

    A partition is encoded while the next is read (Parquet and SHA-256 let go of the GIL: a third less time
    on two cores), unless the two would hold more than two slices' rows: a big partition is encoded
    alone, a row group at a time from the spill, and never held whole.
    """
    with ThreadPoolExecutor(1) as pool:
        pending: deque = deque()
        for year, station, rows, batches in spill.partitions():
            key = partition_key(year, None if station is None else ids[station])
            # Two slices' rows: a station's year of a million incidents in five stations (66,000 rows) is encoded while
            # the next is read.
            while pending and (len(pending) > 1 or pending[0][0] + rows > 2 * SLICE_ROWS):
                _done(*pending.popleft()[1:], file, entries)
            if rows <= SLICE_ROWS:  # read now, while the one before is encoded
                batches = _held(list(batches()))
            path = partition_path(table, key, file)
            pending.append((rows, key, pool.submit(_written, folder, path, batches, spill.schema,
                                                   before.get(key, {}).get(file, {}))))
        while pending:
            _done(*pending.popleft()[1:], file, entries)


def _held(batches: list[pa.RecordBatch]) -> Callable[[], Iterator[pa.RecordBatch]]:
    return lambda: iter(batches)


def _written(folder: OutputFolder, path: str, batches: Callable[[], Iterable[pa.RecordBatch]], schema: pa.Schema,
             before: dict[str, Any]) -> dict[str, Any]:
    """Write a partition's file, unless the same bytes are there already (as ``before``'s entry says); returns
    its index entry."""
    with folder.writing(path) as sink:
        rows = _write_groups(sink, batches(), schema, "snappy")
        sha256 = sink.sha256.hexdigest()
        # The same bytes: the same rows, so the same content; the file is left as it is.
        sink.keep = not (before.get("sha256") == sha256 and "content" in before and (folder.root / path).is_file())
    if not sink.keep:
        return before
    # Row numbers and order are left out of the content: a row added above would shift them all. Hashed as
    # written, never held: uncompressed, the bytes are as large as the rows.
    content = Sink()
    _write_groups(content, batches(), schema, "none", [c for c in (ORDER, "source_row") if c in schema.names])
    return {"rows": rows, "sha256": sha256, "content": content.sha256.hexdigest()}


def _write_groups(sink: Sink, batches: Iterable[pa.RecordBatch], schema: pa.Schema, compression: str,
                  hidden: list[str] | None = None) -> int:
    """Write ``batches`` as one Parquet file into ``sink`` (but the ``hidden`` columns) in row groups of a slice's
    rows however the batches were cut, so the same rows make the same bytes; returns the rows written."""
    hidden = hidden or []
    rows = 0
    shown = pa.schema([f for f in schema if f.name not in hidden], metadata=schema.metadata)
    with pq.ParquetWriter(sink, shown, compression=compression) as writer:
        for group in _row_groups(batches, schema):
            writer.write_table(group.drop_columns(hidden), row_group_size=SLICE_ROWS)
            rows += group.num_rows
    return rows


def _row_groups(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.Table]:
    """The rows of ``batches`` as tables of a slice's rows each (the last fewer), each in one piece of memory."""
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        held.append(batch)
        count += batch.num_rows
        while count >= SLICE_ROWS:
            table = pa.Table.from_batches(held, schema)
            yield table.slice(0, SLICE_ROWS).combine_chunks()
            rest = table.slice(SLICE_ROWS)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held, schema).combine_chunks()


def _done(key: str, writing: Future, file: str, entries: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Record a partition file's index entry once it is written."""
    entries.setdefault(key, {})[file] = writing.result()
    release_memory()


def parquet_bytes(table: pa.Table, compression: str = "snappy") -> bytes:
    """A table as the bytes of one Parquet file (the same table, the same bytes)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=compression)
    return sink.getvalue()

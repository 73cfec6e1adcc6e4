"""A table's partition files written from its spill: Parquet in row groups of a slice's rows, each file with the
SHA-256 of its bytes and of its content, a file whose bytes did not change left as it is."""

from __future__ import annotations

import hashlib
import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from firestats.files import OutputFolder
from firestats.ingest.merging import SLICE_ROWS
from firestats.ingest.partitions import partition_key, partition_path
from firestats.ingest.spill import ORDER, Spill, release_memory


def write_files(folder: OutputFolder, table: str, file: str, spill: Spill, ids: dict[str, str],
                 before: dict[str, dict[str, dict[str, Any]]], entries: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Write the rows of ``spill`` as each partition's ``file`` of ``table``, their index entries into ``entries``.

    A partition is encoded while the next is read (Parquet and SHA-256 let go of the GIL: a third less time
    on two cores), unless the two would hold more than a slice's rows: a big partition is encoded alone, a
    row group at a time from the spill, and never held whole.
    """
    with ThreadPoolExecutor(1) as pool:
        pending: deque = deque()
        for year, station, rows, batches in spill.partitions():
            key = partition_key(year, None if station is None else ids[station])
            while pending and (len(pending) > 1 or pending[0][0] + rows > SLICE_ROWS):
                _write_partition(folder, table, file, *pending.popleft()[1:], entries)
            if rows <= SLICE_ROWS:  # read now, while the one before is encoded
                batches = _held(list(batches()))
            pending.append((rows, key, pool.submit(_encoded, batches, spill.schema, before.get(key, {}).get(file, {}))))
        while pending:
            _write_partition(folder, table, file, *pending.popleft()[1:], entries)


def _held(batches: list[pa.RecordBatch]) -> Callable[[], Iterator[pa.RecordBatch]]:
    return lambda: iter(batches)


def _encoded(batches: Callable[[], Iterable[pa.RecordBatch]], schema: pa.Schema,
             before: dict[str, Any]) -> tuple[bytes, dict[str, Any], bool]:
    """A partition file's bytes, its index entry, and whether the bytes are the same as ``before``'s entry says."""
    sink = io.BytesIO()
    rows = _write_groups(sink, batches(), schema, "snappy")
    data = sink.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    if before.get("sha256") == sha256 and "content" in before:
        return data, before, True  # the same bytes: the same rows, so the same content
    # Row numbers and order are left out of the content: a row added above would shift them all. Hashed as
    # written, never held: uncompressed, the bytes are as large as the rows.
    content = _Digest()
    _write_groups(content, batches(), schema, "none", [c for c in (ORDER, "source_row") if c in schema.names])
    return data, {"rows": rows, "sha256": sha256, "content": content.sha256.hexdigest()}, False


def _write_groups(sink: Any, batches: Iterable[pa.RecordBatch], schema: pa.Schema, compression: str,
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


def _write_partition(folder: OutputFolder, table: str, file: str, key: str, encoding: Future,
                     entries: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Write a partition's file unless the same bytes are there already; record its index entry."""
    data, entry, unchanged = encoding.result()
    entries.setdefault(key, {})[file] = entry
    path = partition_path(table, key, file)
    if not unchanged or not (folder.root / path).is_file():
        folder.write(path, data)
    release_memory()


def parquet_bytes(table: pa.Table, compression: str = "snappy") -> bytes:
    """A table as the bytes of one Parquet file (the same table, the same bytes)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=compression)
    return sink.getvalue()

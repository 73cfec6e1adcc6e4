"""Each input file's own share of a prepare, kept in the prepared folder so the next prepare reads only new files.

What a file gives before any other file is looked at (its tables' canonical incidents, kept records,
problem rows and row accounting, see :class:`FilePart`) is stored under ``OUT/.sources/`` by a key
of the file's content (SHA-256), the name its rows carry, and the recipe that converted it (the
ingest code, the shipped rules and the mapping). A prepare after one new month reads that month's
export and takes every other file's part from here; a changed file has a new key, a removed one's
part is deleted. Fresh or kept, the merge reads a part as stored, so both give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import firestats
from firestats.files import OutputFolder, notice
from firestats.ingest.mapping import Mapping
from firestats.store.merging import SLICE_ROWS, Keys, Stream
from firestats.store.spill import OPTIONS, release_memory

SOURCES = ".sources"
# The folders whose files shape a file's part: a change to any of them makes every part stale.
_RECIPE_FOLDERS = ("ingest", "data")


@dataclass
class FilePart:
    """One input file read and converted: what the cross-file merge needs of it."""

    given: list[str]  # each table's source name as read, before another file's same name renamed it
    sources: list[str]  # each table's source name as its rows carry it
    notes: list[dict[str, Any]]  # per table: family, encoding, header row, ignored columns and sheets
    accounting: list[dict[str, Any]]  # per table: rows in, kept, merged, quarantined (lines and records apart)
    problems: pd.DataFrame  # the reader's and the record readers' problem rows, with family
    incidents: list[Stream] = field(default_factory=list)  # each incident table in canonical fields
    records: dict[str, pd.DataFrame] = field(default_factory=dict)  # family -> kept records of its tables
    key: str = ""  # what it is kept under in ``.sources`` (``part_key``; none when it is not kept)


def recipe(mapping: Mapping | None) -> str:
    """A hash of everything that turns a file into its part: firestats' version, its ingest code and shipped
    rules, and the mapping."""
    root = Path(str(resources.files("firestats")))
    files = sorted(p for folder in _RECIPE_FOLDERS for p in (root / folder).rglob("*") if p.is_file()
                   and p.suffix in (".py", ".yaml"))
    h = hashlib.sha256(f"{firestats.__version__}\x00{mapping!r}".encode())
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()


def part_key(path: Path, name: str, recipe_hash: str) -> str:
    """The key a file's part is kept under: its bytes (hashed as read, never held whole), the name its rows
    carry, the recipe."""
    with path.open("rb") as file:
        content = hashlib.file_digest(file, "sha256").digest()
    return hashlib.sha256(content + f"\x00{name}\x00{recipe_hash}".encode()).hexdigest()


class SourceCache:
    """The parts kept in a prepared folder's ``.sources``: per part a JSON file, a few Parquet tables (problem rows,
    records, key hashes) and each incident table's slices in Arrow IPC."""

    def __init__(self, out_dir: Path, rebuild: bool = False, waiting: Callable[[str], None] = notice) -> None:
        self.out_dir = out_dir
        self.rebuild = rebuild
        self.waiting = waiting  # told when another prepare holds the folder, before this one waits for it
        self._held = ExitStack()
        self.used: set[str] = set()
        self.kept: dict[str, list[SliceFiles]] = {}  # part key -> its incident tables' slices, kept as converted
        self._folder: OutputFolder | None = None

    def __enter__(self) -> SourceCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self._held.close()

    @property
    def folder(self) -> OutputFolder:
        """The prepared folder, made at the first part kept (a prepare refused before then leaves nothing) and held
        from then until the cache's ``with`` ends: a second prepare into it waits, never reads a part half-kept nor
        loses one the first deletes."""
        if self._folder is None:
            folder = OutputFolder(self.out_dir)
            self._held.enter_context(folder.lock(self.waiting, "prepare"))
            self._folder = folder
        return self._folder

    def get(self, key: str) -> FilePart | None:
        """The part kept under ``key`` (None when there is none, or with ``rebuild``)."""
        return None if self.rebuild else self._kept(key)

    def _kept(self, key: str) -> FilePart | None:
        """The part kept under ``key``, read while the folder is held (None when there is none or it is damaged)."""
        if not self.out_dir.is_dir():  # nothing kept yet: the first part kept makes the folder (and holds it)
            return None
        meta_path = self.folder.root / SOURCES / f"{key}.json"  # held before anything kept is read
        if (self.out_dir / SOURCES).is_symlink() or not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            tables = {name: self._table(key, name) for name in meta["tables"]}
            streams = [SliceFiles(self, key, i, n) for i, n in enumerate(meta["slices"])]
            schemas = [files.schema() for files in streams]
        except (OSError, ValueError, KeyError, IndexError, TypeError):  # a damaged part is read again from its file
            return None
        finally:
            release_memory()  # the Arrow tables the frames were converted from
        self.used.add(key)
        incidents = [Stream(source, tables[f"incidents{i}_problems"], fold, defaulted, schemas[i], streams[i].read,
                            Keys(tables[f"incidents{i}_keys"]["valid"].to_numpy(dtype=bool),
                                 tables[f"incidents{i}_keys"]["hash"].to_numpy(dtype="uint64"), midnights))
                     for i, (source, fold, defaulted, midnights) in enumerate(meta["incidents"])]
        return FilePart(meta["given"], meta["sources"], meta["notes"], meta["accounting"], tables["problems"],
                        incidents, {family: tables[family] for family in meta["records"]}, key)

    def slices(self, key: str) -> Callable[[int], SliceFiles]:
        """Where the part under ``key`` keeps each incident table's canonical rows as they are converted."""
        self.kept[key] = []
        def files(table: int) -> SliceFiles:
            self.kept[key].append(SliceFiles(self, key, table))
            return self.kept[key][-1]
        return files

    def put(self, key: str, part: FilePart) -> FilePart:
        """Keep ``part`` under ``key``; returns it as read back, so a fresh part and a kept one are the same."""
        tables: dict[str, pd.DataFrame | pa.Table] = {"problems": part.problems, **part.records}
        for i, stream in enumerate(part.incidents):
            tables[f"incidents{i}_problems"] = stream.problems
            # 9 bytes a row of millions: the arrays as they are, not copied into a frame first
            tables[f"incidents{i}_keys"] = pa.table({"valid": stream.keys.valid, "hash": stream.keys.hashes})
        for name, frame in tables.items():
            arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
            with self.folder.writing(f"{SOURCES}/{key}.{name}.parquet") as sink:
                pq.write_table(arrow, sink)  # streamed to the file, never held as bytes
        meta = {"given": part.given, "sources": part.sources, "notes": part.notes, "accounting": part.accounting,
                "incidents": [(s.source, s.fold_units, s.defaulted, s.keys.midnights) for s in part.incidents],
                "records": list(part.records), "tables": list(tables),
                "slices": [len(files.paths) for files in self.kept.pop(key, [])]}
        self.folder.write(f"{SOURCES}/{key}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        kept = self._kept(key)
        self.used.add(key)
        return kept if kept is not None else part

    def drop_unused(self) -> None:
        """Delete the parts no input file of this prepare had (files removed or changed since)."""
        folder = self.out_dir / SOURCES
        for path in sorted(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else ():
            if path.name.split(".", 1)[0] not in self.used:
                self.folder.remove(f"{SOURCES}/{path.name}")

    def _table(self, key: str, name: str) -> pd.DataFrame:
        return pq.ParquetFile(self.out_dir / SOURCES / f"{key}.{name}.parquet").read().to_pandas()


class SliceFiles:
    """One incident table's canonical rows kept in ``.sources`` a slice at a time: a file of millions of rows is
    never whole in memory, converted or read back."""

    def __init__(self, cache: SourceCache, key: str, table: int, count: int = 0) -> None:
        self.cache, self.key, self.table = cache, key, table
        self.paths = [self._path(n) for n in range(count)]

    def _path(self, n: int) -> Path:
        return self.cache.out_dir / SOURCES / f"{self.key}.incidents{self.table}.{n}.arrow"

    def add(self, frame: pd.DataFrame) -> None:
        """Keep the next rows (as Arrow IPC: written five times faster than Parquet, read as fast)."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema, options=OPTIONS) as writer:
            writer.write_table(table, max_chunksize=SLICE_ROWS)
        path = self._path(len(self.paths))
        self.cache.folder.write(path, sink.getvalue().to_pybytes())
        self.paths.append(path)

    def read(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows kept (of these columns), a record batch at a time."""
        for path in self.paths:
            with pa.OSFile(str(path)) as file:
                reader = pa.ipc.open_file(file)
                for n in range(reader.num_record_batches):
                    batch = reader.get_batch(n)
                    yield (batch if columns is None else batch.select(columns)).to_pandas()
                if not reader.num_record_batches:
                    yield reader.schema.empty_table().select(columns or reader.schema.names).to_pandas()

    def schema(self) -> pd.DataFrame:
        """No rows: the columns and their types."""
        with pa.OSFile(str(self.paths[0])) as file:
            return pa.ipc.open_file(file).schema.empty_table().to_pandas()

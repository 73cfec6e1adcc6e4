"""Read raw exports, clean them, and write the processed data folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from firestats import clean, readers
from firestats.mapping import Mapping, known_headers
from firestats.quality import quality_summary
from firestats.store import Dataset, save


def load_raw(paths: Iterable[Path | str], mapping: Mapping | None = None) -> tuple[list[clean.Canonical], list[dict]]:
    """Read every export under ``paths`` into canonical fields, with a note per file."""
    paths = list(paths)
    files = readers.find_inputs(paths)
    if not files:
        raise readers.InputError(f"no .xlsx, .xls, .csv or .tsv files in {', '.join(map(str, paths))}")
    known = known_headers(mapping)
    frames, notes = [], []
    names = _source_names(files)
    for path in files:
        table = readers.read_table(path, known)
        table.frame["source_file"] = names[path]
        frames.append(clean.to_canonical(table.frame, names[path], mapping))
        notes.append({"source_file": names[path], "encoding": table.encoding, "header_row": table.header_row,
                      "ignored_columns": table.ignored_columns})
    return frames, notes


def _source_names(files: list[Path]) -> dict[Path, str]:
    """Name each file by its file name, or by its path where two files share a name."""
    counts = pd.Series([f.name for f in files]).value_counts()
    return {f: (f.name if counts[f.name] == 1 else str(f)) for f in files}


def build(paths: Iterable[Path | str], mapping: Mapping | None = None) -> Dataset:
    """Read and clean exports into a dataset with its quality summary (nothing is written)."""
    frames, notes = load_raw(paths, mapping)
    result = clean.clean_incidents(frames)
    return Dataset(result.incidents, result.problems, quality_summary(result, notes))


def prepare(paths: Iterable[Path | str], out_dir: Path | str, mapping: Mapping | None = None) -> Dataset:
    """Read, clean and write exports into ``out_dir`` (Parquet tables and quality.json)."""
    dataset = build(paths, mapping)
    save(dataset, Path(out_dir))
    return dataset

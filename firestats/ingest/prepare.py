"""Read raw exports of all three record families, clean them, and write the processed data folder."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from firestats.errors import InputError
from firestats.ingest import activities, assessments, incidents, readers
from firestats.ingest.mapping import Mapping, known_headers
from firestats.ingest.problems import FAMILIES, PROBLEM_COLUMNS, QUARANTINE
from firestats.ingest.quality import quality_summary
from firestats.ingest.store import Dataset, save


def family_of(columns: list[str], mapping: Mapping | None) -> str:
    """Which record family a table holds, judged by how many of its headers each family knows."""
    if mapping is not None:
        return "incidents"
    names = {readers.normalise_header(c) for c in columns}
    known = {"incidents": known_headers(None), "assessments": assessments.headers(), "activities": activities.headers()}
    return max(FAMILIES, key=lambda family: len(names & known[family]))  # ties go to incidents, listed first


def read_all(paths: Iterable[Path | str], mapping: Mapping | None = None,
             skipped: dict[str, str] | None = None) -> list[tuple[str, readers.RawTable]]:
    """Every export under ``paths``, read and labelled with its record family.

    A file named on its own that cannot be read is refused; one found in a folder (notes, a
    README, a lookup table beside the exports) is left out and named in ``skipped`` with why.
    """
    paths = list(paths)
    files = readers.find_inputs(paths)
    if not files:
        raise InputError(f"no .xlsx, .xls, .csv or .tsv files in {', '.join(map(str, paths))}")
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    known = known_headers(mapping) if mapping else known_headers(None) | assessments.headers() | activities.headers()
    names = _source_names(files)
    tables = []
    for path in files:
        try:
            read = readers.read_tables(path, known, names[path])
        except InputError as exc:
            if path.resolve() in named or skipped is None:
                raise
            skipped[names[path]] = str(exc).removeprefix(f"{path}: ")
            continue
        for table in read:
            _unique_source(table, {t.source for _, t in tables})
            columns = [c for c in table.frame.columns if c not in ("source_file", "source_row")]
            tables.append((family_of(columns, mapping), table))
    if not tables:
        raise InputError(f"no readable exports in {', '.join(map(str, paths))}: "
                         + "; ".join(f"{name}: {why}" for name, why in (skipped or {}).items()))
    return tables


def _unique_source(table: readers.RawTable, taken: set[str]) -> None:
    """Rename a table whose source name another already has (a sheet 二月 of 警情.xlsx and a file
    named 警情.xlsx!二月): each file's rows are accounted apart, so no two may share a name."""
    name, n = table.source, 1
    while name in taken:
        n += 1
        name = f"{table.source}（{n}）"
    table.source = name
    table.frame["source_file"] = name


def _source_names(files: list[Path]) -> dict[Path, str]:
    """Name each file by its file name, or by its path where two files share a name."""
    counts = pd.Series([f.name for f in files]).value_counts()
    return {f: (f.name if counts[f.name] == 1 else str(f)) for f in files}


def build(paths: Iterable[Path | str], mapping: Mapping | None = None) -> Dataset:
    """Read and clean exports into a dataset with its quality summary (nothing is written)."""
    incident_parts, notes, records, accounting = [], [], {"assessments": [], "activities": []}, []
    problems, skipped = [], {}
    for family, table in read_all(paths, mapping, skipped):
        name = table.source
        notes.append({"source_file": name, "family": family, "encoding": table.encoding,
                      "header_row": table.header_row, "ignored_columns": table.ignored_columns,
                      "ignored_sheets": table.ignored_sheets})
        problems.append(table.problems.assign(source_file=name).reindex(columns=PROBLEM_COLUMNS).assign(family=family))
        lost = int((table.problems["action"] == QUARANTINE).sum())
        accounting.append({"source_file": name, "rows_in": lost, "kept": 0, "merged": 0, "quarantined": lost})
        if family == "incidents":
            incident_parts.append(incidents.to_canonical(table.frame, name, mapping))
            continue
        reader = assessments.to_records if family == "assessments" else activities.to_records
        kept, found = reader(table.frame, name)
        records[family].append(kept)
        problems.append(found.assign(family=family))
        accounting.append(_account(name, kept, found, family))
    result = incidents.clean_incidents(incident_parts) if incident_parts else incidents.empty_result()
    table = pd.concat([result.accounting, pd.DataFrame(accounting, columns=result.accounting.columns)],
                      ignore_index=True)
    every_problem = pd.concat([result.problems.assign(family="incidents"), *problems], ignore_index=True)
    every_problem["date"] = pd.to_datetime(every_problem["date"])  # NaT where a line had no readable date
    notes += [{"source_file": name, "family": None, "skipped": why} for name, why in skipped.items()]
    quality = quality_summary(table, every_problem, notes)
    quality["incident_types"] = {str(k): int(v) for k, v in result.incidents["type"].value_counts().items()}
    quality["defaulted"] = result.defaulted
    quality["standard"] = mapping.standard if mapping else None  # None: the settings' default profile
    return Dataset(
        result.incidents, every_problem, quality,
        _stack(records["assessments"], assessments.RECORD_COLUMNS),
        _stack(records["activities"], activities.RECORD_COLUMNS),
    )


def _account(name: str, kept: pd.DataFrame, problems: pd.DataFrame, family: str) -> dict:
    """Records in = kept + quarantined for a score sheet or ledger (a wide sheet: one per person and item)."""
    keys = ["source_file", "source_row", "column"] if family == "assessments" else ["source_file", "source_row"]
    quarantined = len(problems[problems["action"] == QUARANTINE].drop_duplicates(keys))
    return {"source_file": name, "rows_in": len(kept) + quarantined, "kept": len(kept), "merged": 0,
            "quarantined": quarantined}


def _stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def prepare(paths: Iterable[Path | str], out_dir: Path | str, mapping: Mapping | None = None) -> Dataset:
    """Read, clean and write exports into ``out_dir`` (Parquet tables and quality.json)."""
    dataset = build(paths, mapping)
    save(dataset, Path(out_dir))
    return dataset

"""The partitioned store's plan: which file holds a table's rows of one year and station, and the index naming them.

A prepared folder holds each table (incidents, problems, assessments, activities) as Parquet files
per year and station: ``incidents/year=2024/station=s0007/part.parquet``, and one file more for each
generation of incidents folded apart (``g…parquet``, see ``generations``). A station's name never
makes a path (``../x``, ``CON`` or 300 characters are data, not folders): ``stations.json`` gives
each canonical name a short id and the months it has records in; ``partitions.json`` lists every
partition's files with their rows and hashes (``layout.json`` names the layout's version), so a read
opens the files it needs by path, never by crawling folders. Rows without a station or a date
have partitions of their own (``none``), so every row is stored. Nothing here imports pandas:
`firestats report` resolves a station from it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from firestats.periods import Period

LAYOUT = "layout.json"  # {"version": 3}
STATIONS = "stations.json"
PARTITIONS = "partitions.json"
# Raised whenever the folder's shape changes; an older folder is refused with "prepare again".
LAYOUT_VERSION = 3
TABLES = ("incidents", "problems", "assessments", "activities")
NONE = "none"  # the year or station part of a partition whose rows have no date or no station
PART = "part"  # the file of a partition's rows folded with no generation: every table but the incidents'
SCHEMA = "schema.parquet"  # a table's columns and types, read when no partition matches


def station_ids(names: Iterable[str], before: dict[str, str] | None = None) -> dict[str, str]:
    """A short id for each station name (s0000, s0001, … in sorted order): what its partitions' folders are called.

    A station ``before`` named keeps its id (its kept files stay where they are); a new one takes the next.
    """
    before = before or {}
    taken = max((int(sid[1:]) for sid in before.values()), default=-1)
    ids = {}
    for name in sorted(set(names)):
        if name not in before:
            taken += 1
        ids[name] = before.get(name, f"s{taken:04d}")
    return ids


def partition_key(year: int | None, station_id: str | None) -> str:
    """A partition's key in the index: ``2024/s0007`` (``none`` for a missing year or station)."""
    return f"{NONE if year is None else int(year)}/{station_id or NONE}"


def partition_path(table: str, key: str, file: str = PART) -> str:
    """The ``file`` of partition ``key``, relative to the prepared folder (``incidents/year=2024/station=s0007/…``)."""
    year, station = key.split("/")
    return f"{table}/year={year}/station={station}/{file}.parquet"


def schema_path(table: str) -> str:
    """The zero-row file that keeps a table's columns and types."""
    return f"{table}/{SCHEMA}"


@dataclass
class StoreIndex:
    """A prepared folder's index: its stations (name -> id and months with records) and partition files."""

    stations: dict[str, dict[str, Any]]  # name -> {"id": "s0007", "months": ["2024-01", ...]}
    # table -> key -> file -> {"rows", "sha256", "content"}
    partitions: dict[str, dict[str, dict[str, dict[str, Any]]]]

    @cached_property
    def months(self) -> frozenset[str]:
        """Every month (2024-03) any station has kept records in: read once, however many reports ask."""
        return frozenset(m for entry in self.stations.values() for m in entry["months"])

    def station_years(self) -> dict[str, set[int]]:
        """Every station with kept records, and the years it has them in."""
        years = {name: {int(m[:4]) for m in entry["months"]} for name, entry in self.stations.items()}
        return {name: found for name, found in years.items() if found}

    def station_periods(self, kind: str) -> list[tuple[str, Period]]:
        """Every (station, period of ``kind``: half, quarter, month) with kept records, by period then station."""
        found = {(name, Period.containing(int(m[:4]), int(m[5:]), kind))
                 for name, entry in self.stations.items() for m in entry["months"]}
        return sorted(found, key=lambda p: (p[1], p[0]))

    def keys(self, table: str, station: str | Collection[str] | None = None,
             years: Iterable[int] | None = None) -> list[str]:
        """The partitions of ``table`` that hold rows of ``station`` (any when None; several: a level's members) in
        ``years`` (any when None)."""
        listed = self.partitions.get(table, {})
        if station is not None and not isinstance(station, str):
            return [key for member in sorted(station) for key in self.keys(table, member, years)]
        sid = None if station is None else self.stations[station]["id"]
        if sid is not None and years is not None:  # a report's slice, looked up: planning a province stays linear
            return [key for key in (partition_key(y, sid) for y in sorted({int(y) for y in years})) if key in listed]
        wanted_years = None if years is None else {str(int(y)) for y in years}
        return [key for key in listed if (wanted_years is None or key.split("/")[0] in wanted_years)
                and (sid is None or key.split("/")[1] == sid)]

    def files(self, table: str, station: str | Collection[str] | None = None,
              years: Iterable[int] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Every file of ``table``'s partitions that ``keys`` names, as its path in the folder and its index entry."""
        return [(partition_path(table, key, file), entry) for key in self.keys(table, station, years)
                for file, entry in sorted(self.partitions[table][key].items())]

    def content_hashes(self, station: str | Collection[str] | None, years: Iterable[int]) -> list[str]:
        """The content hash of every partition file a slice reads (source rows left out: a row added above shifts
        them)."""
        years = list(years)
        return [entry["content"] for t in TABLES for _, entry in self.files(t, station, years)]


def write_json(data: Any) -> bytes:
    """An index file's bytes: UTF-8 JSON, names as written (not escaped), keys sorted so a rewrite is the same."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

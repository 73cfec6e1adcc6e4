"""Which incident tables a prepare folds again: the store's generations.

A prepare folds incident tables in generations, each stored in partition files of its own
(``incidents/year=2024/station=s0007/<generation>.parquet``, and likewise its problem rows). What
a generation's tables give (their rows, problem rows and accounting) depends on three things: their
own rows, the rows of other tables that share a key hash with theirs (those may fold together),
and which time columns hold midnights alone in the whole table (a flagged time is written as its
column writes times). A generation whose three are as they were is kept, files and all: a prepare
after a new month folds that month and writes its files, and every other partition file stays as
it is. The tables of every generation not kept (new, changed, or of a generation that lost a table
or gained a partner) are folded together into one new generation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field, TypeAdapter, ValidationError

GENERATIONS = "generations.json"


@dataclass
class Generation:
    """What a prepare keeps of a generation besides its partition files."""

    tables: list[str]  # its incident tables' ids (``table_id``)
    context: str  # the fingerprint of what it was folded from (``Plan``)
    accounting: list[dict[str, Any]]  # per source file: rows_in, kept, merged, quarantined
    types: dict[str, list[Any]]  # incident type -> [incidents, the first one's source file, its row]
    # Every station of its rows and problem rows -> the months it has incidents in (2024-03: 2024 * 12 + 2)
    months: dict[str, list[int]]
    arrivals_midnight: bool | None  # whether every arrival it flagged before dispatch was a midnight (None: none)
    kinds: dict[str, dict[str, int]]  # see Tally.kinds

    @property
    def tally(self) -> Tally:
        """What it counted of its kept incidents."""
        return Tally(self.types, self.kinds)

    @classmethod
    def read(cls, data: Any) -> Generation | None:
        """A generation as ``generations.json`` holds it; None when it is not of the shape this firestats writes:
        one an earlier firestats wrote without its kinds counted is folded again rather than kept uncounted."""
        try:
            return _GENERATION.validate_python(data)
        except ValidationError:
            return None

    def as_json(self) -> dict[str, Any]:
        """The generation as ``generations.json`` holds it."""
        return asdict(self)


# generations.json as prepare writes it: a generation's label (g + 15 hex digits, its files' name) -> what it keeps
# (each read on its own, see Generation.read).
LISTED = TypeAdapter(dict[Annotated[str, Field(pattern=r"^g[0-9a-f]{15}$")], dict[str, Any]])
_GENERATION = TypeAdapter(Generation)


def table_id(part_key: str, number: int, source: str) -> str:
    """An incident table's id: its file's part key (content, name and recipe), its number in the file, its name."""
    return hashlib.sha256(f"{part_key}\x00{number}\x00{source}".encode()).hexdigest()[:32]


@dataclass
class Plan:
    """Which generations a prepare keeps, and which tables it folds into a new one (and that one's label)."""

    kept: dict[str, Generation]  # label -> generation
    fold: list[int]  # the tables folded anew, by their place in the prepare's list
    context: str

    @property
    def label(self) -> str:
        """The new generation's label: its files' name."""
        return f"g{self.context[:15]}"


def plans(ids: list[str], hashes: list[np.ndarray], dates_only: dict[str, bool],
          before: dict[str, Generation]) -> tuple[Plan, Plan]:
    """A plan keeping every generation of ``before`` whose tables are all still here with the same partners and
    midnights, folding the rest; and one keeping none, should the first's generations conflict (``conflicting``).
    ``ids``: each incident table's id; ``hashes``: each table's valid rows' key hashes."""
    partners = _partners(hashes)
    place = {table: i for i, table in enumerate(ids)}
    kept = {}
    for label, generation in before.items():
        members = [place.get(table) for table in generation.tables]
        if None not in members and _context(ids, set(members), partners, dates_only) == generation.context:
            kept[label] = generation
    taken = {table for generation in kept.values() for table in generation.tables}
    fold = [i for i, table in enumerate(ids) if table not in taken]
    every = list(range(len(ids)))
    return (Plan(kept, fold, _context(ids, set(fold), partners, dates_only)),
            Plan({}, every, _context(ids, set(every), partners, dates_only)))


def _context(ids: list[str], members: set[int], partners: list[set[int]], dates_only: dict[str, bool]) -> str:
    """The fingerprint of what the tables ``members`` fold into: themselves, their partners outside, the midnights."""
    outside = {j for i in members for j in partners[i]} - members
    text = json.dumps([sorted(ids[i] for i in members), sorted(ids[j] for j in outside), dates_only], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _partners(hashes: list[np.ndarray]) -> list[set[int]]:
    """For each table, the other tables with a valid row of the same key hash (found by sorting: 24 bytes a row at
    most, where a hash table of every row would hold several times that)."""
    found: list[set[int]] = [set() for _ in hashes]
    if len(hashes) < 2:
        return found  # one export alone has no partner: its rows are not even sorted
    uniques = [np.unique(h) for h in hashes]  # a hash a table repeats is its own duplicate, no partner's
    every = np.concatenate([*uniques, np.empty(0, dtype="uint64")])
    order = np.argsort(every, kind="stable")
    every, tables = every[order], np.repeat(np.arange(len(hashes)), [len(u) for u in uniques])[order]
    del order
    shared = np.flatnonzero(every[1:] == every[:-1])  # i: rows i and i + 1 share a hash, from two tables
    for x, y in set(zip(tables[shared].tolist(), tables[shared + 1].tolist())):
        found[x].add(y)
        found[y].add(x)
    # Three tables or more with one hash: the first and last of its run are partners too, not only neighbours.
    longer = shared[1:][shared[1:] == shared[:-1] + 1]
    for end in longer.tolist():
        start = end
        while start > 0 and every[start - 1] == every[end]:
            start -= 1
        members = set(tables[start:end + 2].tolist())
        for member in members:
            found[member] |= members - {member}
    return found


def conflicting(arrivals: Iterable[bool | None]) -> bool:
    """Whether generations written apart show flagged arrivals differently from the whole table: one writes its
    midnights as dates (all of its were midnights) while another has an arrival at another time."""
    found = set(arrivals)
    return True in found and False in found


@dataclass
class Tally:
    """What a fold counts of the incidents it keeps, so that a prepare keeping a generation need not read them."""

    types: dict[str, list[Any]] = field(default_factory=dict)  # type -> [incidents, first one's file, its row]
    # year -> incident kind (its subtype, else its type) -> incidents, every station's: how rare a kind is in the
    # detachment, for the notable incidents of a station's report
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, frame: pd.DataFrame) -> None:
        """Count the next kept incidents' types (noting where each type first appears) and kinds."""
        for name, rows in frame.groupby("type", sort=False)[["source_file", "source_row"]]:
            if name in self.types:
                self.types[name][0] += len(rows)
            else:
                self.types[name] = [len(rows), str(rows["source_file"].iloc[0]), int(rows["source_row"].iloc[0])]
        kinds = frame["subtype"].astype("string").fillna(frame["type"].astype("string"))
        for (year, kind), n in kinds.groupby(frame["received_at"].dt.year).value_counts().items():
            of_year = self.kinds.setdefault(str(year), {})
            of_year[kind] = of_year.get(kind, 0) + int(n)


def kind_counts(tallies: Iterable[Tally]) -> dict[str, dict[str, int]]:
    """Incidents per year and kind over the tallies of generations."""
    total: dict[str, dict[str, int]] = {}
    for tally in tallies:
        for year, kinds in tally.kinds.items():
            of_year = total.setdefault(year, {})
            for kind, n in kinds.items():
                of_year[kind] = of_year.get(kind, 0) + n
    return {year: dict(sorted(kinds.items())) for year, kinds in sorted(total.items())}


def type_counts(tallies: Iterable[Tally]) -> dict[str, int]:
    """Incidents per type over the tallies of generations, as ``value_counts`` orders the whole table's: by count,
    ties in order of first appearance."""
    total: dict[str, list[Any]] = {}
    for tally in tallies:
        for name, (n, source, row) in tally.types.items():
            had = total.setdefault(name, [0, source, row])
            had[0] += n
            had[1:] = min(had[1:], [source, row])
    return {name: n for name, (n, *_) in sorted(total.items(), key=lambda kv: (-kv[1][0], kv[1][1:]))}


def months_of(months: pd.DataFrame, stations: Iterable[str]) -> dict[str, list[int]]:
    """Each of ``stations``' months (``Generation.months``; none for a station without a dated row) in a table of
    stations and months."""
    found = {str(station): sorted(int(m) for m in group) for station, group in months.groupby("station")["month"]}
    return {str(station): found.get(str(station), []) for station in sorted(stations)}

"""Every file's canonical incidents folded into one table, without holding them all at once.

Rows are one incident when they share the incident number and the station (the number alone for
unit rows, a mapping's ``fold_units``). A first pass hashes each valid row's key to 64 bits, 8
bytes a row however many files there are; only the rows whose hash repeats are gathered and folded
together (a hash two keys share only brings a row into the fold, where its own key keeps it
single). Every other row passes through file by file, a slice at a time. The table and the problem
rows are the ones folding every row in one frame gives, row for row and in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd

from firestats.ingest import parse
from firestats.ingest.incidents import Canonical, to_canonical
from firestats.ingest.problems import rows_where
from firestats.schema import FIRST_UNIT_TIMES, INCIDENT_FIELDS, TIMESTAMP_FIELDS
from firestats.store.spill import release_memory
from firestats.store.time_flags import arrivals_shown, flag_times, in_step_order, midnights_alone
from firestats.vocabulary.problems import FLAGGED, MERGED, PROBLEM_COLUMNS, QUARANTINE

# When a unit's rows fold into one incident: the first call, dispatch and arrival; the last to clear.
_FOLD_LAST = {"cleared_at", "returned_at"}


@dataclass
class CleanResult:
    """The canonical incidents, the problem list, and the per-file row accounting."""

    incidents: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame  # per source_file: rows_in, kept, merged, quarantined
    defaulted: dict[str, int] = field(default_factory=dict)  # rows a mapping's default gave a value, by field
    # Whether every arrival flagged before its dispatch was a midnight (written as a date): None when none was.
    arrivals_midnight: bool | None = None


def empty_result() -> CleanResult:
    """The result of cleaning no incident exports at all: empty tables with the right columns."""
    headers = ["警情编号", "出动站", "接警时间", "警情类型"]
    frame = pd.DataFrame({h: pd.Series(dtype=object) for h in headers})
    frame["source_file"], frame["source_row"] = pd.Series(dtype=object), pd.Series(dtype="int64")
    return clean_incidents([to_canonical(frame, "")])


# Rows of one file folded and flagged at a time: about 30 MB of canonical fields, a few copies of which the fold
# holds at once.
SLICE_ROWS = 125_000
_COUNTS = [f.name for f in INCIDENT_FIELDS if f.kind == "count"]


class Slices(Protocol):
    """Where an incident table's canonical rows go as they are converted, and read back from."""

    def add(self, frame: pd.DataFrame) -> None:
        """Keep the next rows."""

    def read(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows kept (of these columns), slice by slice."""


class SliceList:
    """Slices kept in memory."""

    def __init__(self, frames: list[pd.DataFrame] | None = None) -> None:
        self.frames = frames or []

    def add(self, frame: pd.DataFrame) -> None:
        """Keep the next rows."""
        self.frames.append(frame)

    def read(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows kept (of these columns), slice by slice."""
        return iter([frame if columns is None else frame[columns] for frame in self.frames])


@dataclass
class Keys:
    """What the key index needs of a stream's rows: which are valid (not quarantined), each valid row's key hash
    (0 for the others), and per time column whether its valid rows hold midnights alone (``parse.times_written``)."""

    valid: np.ndarray  # bool, a row each
    hashes: np.ndarray  # uint64, a row each
    midnights: dict[str, bool]

    @classmethod
    def of(cls, rows: pd.DataFrame, problems: pd.DataFrame, fold_units: bool) -> Keys:
        """The keys of canonical rows, given their problem rows (those quarantined are not valid)."""
        bad = problems.loc[problems["action"] == QUARANTINE, "source_row"].to_numpy()
        valid = ~rows["source_row"].isin(bad).to_numpy()
        hashes = np.zeros(len(rows), dtype="uint64")
        hashes[valid] = key_hashes(_merge_key(rows[valid], np.full(int(valid.sum()), fold_units)))
        return cls(valid, hashes, {name: parse.midnights_only(rows[name][valid]) for name in TIMESTAMP_FIELDS})

    @classmethod
    def joined(cls, parts: list[Keys]) -> Keys:
        """The keys of rows read in parts, one after the other."""
        return cls(np.concatenate([k.valid for k in parts]), np.concatenate([k.hashes for k in parts]),
                   {name: all(k.midnights[name] for k in parts) for name in TIMESTAMP_FIELDS})


@dataclass
class Stream:
    """One export's canonical incidents: its problem rows and keys at hand, its rows read a slice at a time."""

    source: str  # the source_file its rows carry
    problems: pd.DataFrame  # PROBLEM_COLUMNS, before station and year are filled in
    fold_units: bool
    defaulted: dict[str, int]
    schema: pd.DataFrame  # no rows: the columns and their types
    read: Callable[[list[str] | None], Iterator[pd.DataFrame]]  # the rows (of these columns), slice by slice
    keys: Keys

    @classmethod
    def of(cls, canonical: Canonical, source: str) -> Stream:
        """A stream of a table already in memory."""
        frame = canonical.frame
        return cls(source, canonical.problems, canonical.fold_units, canonical.defaulted, frame.iloc[:0],
                   SliceList([frame]).read, Keys.of(frame, canonical.problems, canonical.fold_units))


def clean_incidents(parts: list[Canonical]) -> CleanResult:
    """Quarantine, de-duplicate (or fold unit rows) and flag canonical exports into one table."""
    slices: list[pd.DataFrame] = []
    result = fold_streams([Stream.of(p, _source_of(p)) for p in parts], slices.append)
    result.incidents = pd.concat(slices or [result.incidents], ignore_index=True)
    return result


def _source_of(part: Canonical) -> str:
    names = part.frame["source_file"]
    return str(names.iloc[0]) if len(names) else ""


def fold_streams(streams: list[Stream], emit: Callable[[pd.DataFrame], None],
                 only: list[int] | None = None) -> CleanResult:
    """Quarantine, de-duplicate (or fold unit rows) and flag every stream's rows into one table, given to ``emit``
    in slices in the table's order (by file, then row); the result's ``incidents`` has no rows, only columns.

    With ``only``, the rows and problem rows of those streams alone, as folding every stream gives them: the
    others are read only for the rows that fold with theirs (a prepare folding its new files).
    """
    only = list(range(len(streams))) if only is None else only
    index = _KeyIndex(streams, pd.concat([s.schema for s in streams], ignore_index=True).dtypes, only)
    folded, merged = _merge(*index.gathered())
    sources = {streams[i].source for i in only}
    merged = merged[merged["source_file"].isin(sources)]
    by_file = dict(iter(folded.groupby("source_file", sort=False)))
    mentioned = pd.concat([streams[i].problems for i in only] + [merged], ignore_index=True)
    mentioned = dict(iter(mentioned.groupby("source_file", sort=False)["source_row"]))
    # The table's columns and each step's problem columns, should no row be kept.
    schema, empty = flag_times(folded.iloc[:0].copy(), index.dates_only)
    flags: list[list[pd.DataFrame]] = [[frame] for frame in empty]
    lookup, kept = [], {}
    for i in sorted(only, key=lambda i: streams[i].source):
        source, fold_units = streams[i].source, streams[i].fold_units
        own = by_file.get(source, folded.iloc[:0])
        for rows, valid, repeated, last in read_ahead(index.slices(i)):
            taken = own if last else own[own["source_row"] <= rows["source_row"].max()]
            own = own.iloc[len(taken):]
            alone = valid & ~repeated
            incidents = pd.concat([_unit_times(rows[alone], np.full(int(alone.sum()), fold_units)), taken],
                                  ignore_index=True)
            incidents = incidents.iloc[np.argsort(incidents["source_row"].to_numpy(), kind="stable")]
            incidents, found = flag_times(incidents.reset_index(drop=True), index.dates_only)
            for step, frame in zip(flags, found):
                step.append(frame)
            schema = incidents.iloc[:0]
            if len(incidents):
                emit(incidents)
            needed = [mentioned.get(source, pd.Series(dtype="int64")), *(f["source_row"] for f in found if len(f))]
            lookup.append(rows[rows["source_row"].isin(pd.concat(needed))])
            kept[source] = kept.get(source, 0) + len(incidents)
    far, disordered, arrival = (in_step_order(frames) for frames in flags)
    midnights = midnights_alone(arrival)
    shown = arrivals_shown(arrival, midnights)
    problems = pd.concat([*(streams[i].problems.reset_index(drop=True) for i in sorted(only)), merged, far,
                          disordered, shown], ignore_index=True)
    problems = _attribute(problems, pd.concat(lookup or [schema], ignore_index=True))
    rows_in = {}
    for i in sorted(only):
        rows_in[streams[i].source] = rows_in.get(streams[i].source, 0) + index.rows[i]
    defaulted = sum((Counter(s.defaulted) for s in streams), Counter())
    return CleanResult(schema, problems, _account(_counts(rows_in), _counts(dict(sorted(kept.items()))), problems),
                       dict(defaulted), midnights)


def _counts(by_file: dict[str, int]) -> pd.Series:
    """Rows per file, files without any left out (as a groupby of the rows counts them)."""
    found = {name: n for name, n in by_file.items() if n}
    return pd.Series(list(found.values()), dtype="int64", index=pd.Index(list(found), name="source_file"))


def dates_only(streams: list[Stream]) -> dict[str, bool]:
    """Which time columns hold midnights alone in every stream, as a flagged time is written (``parse.times_written``):
    judged on the valid rows, the same times as the table's but for those a merge or a blanking drops."""
    return {name: all(s.keys.midnights[name] for s in streams) for name in TIMESTAMP_FIELDS}


class _KeyIndex:
    """Which valid rows of each stream share their key's 64-bit hash with another row: those, and only those,
    may fold together; and which of them fold with a row of the streams ``only`` names."""

    def __init__(self, streams: list[Stream], dtypes: pd.Series, only: list[int]) -> None:
        self.streams, self.dtypes = streams, dtypes
        self.rows = [len(s.keys.valid) for s in streams]
        self.dates_only = dates_only(streams)
        values = _repeated_values(np.concatenate([s.keys.hashes[s.keys.valid] for s in streams]))
        self.repeated = [_member(s.keys.hashes, values) & s.keys.valid for s in streams]
        if len(only) == len(streams):
            self.gather = self.repeated
            return
        theirs = np.unique(np.concatenate([streams[i].keys.hashes[self.repeated[i]] for i in only] or [[]]))
        self.gather = [self.repeated[i] if i in only else self.repeated[i] & _member(s.keys.hashes, theirs)
                       for i, s in enumerate(streams)]

    def slices(self, i: int) -> Iterator[tuple[pd.DataFrame, np.ndarray, np.ndarray, bool]]:
        """Each slice of stream ``i``'s rows in common types: which rows are valid, which repeat a hash, and
        whether it is the stream's last slice."""
        start = 0
        for rows in self.streams[i].read(None):
            end = start + len(rows)
            yield _typed(rows, self.dtypes), self.streams[i].keys.valid[start:end], self.repeated[i][start:end], \
                end == self.rows[i]
            start = end

    def gathered(self) -> tuple[pd.DataFrame, pd.Series]:
        """Every valid row whose hash repeats (one of a row of the streams ``only`` names), in file and row order,
        and whether each folds as a unit row."""
        frames, folds = [], []
        for i, s in enumerate(self.streams):
            if not self.gather[i].any():
                continue
            start = 0
            for rows, _, _, _ in read_ahead(self.slices(i)):
                frames.append(rows[self.gather[i][start:start + len(rows)]])
                start += len(rows)
                folds.append(np.full(len(frames[-1]), s.fold_units))
                del rows
                release_memory()  # a slice read to keep a few of its rows
        if not frames:
            frames = [_typed(pd.DataFrame({c: pd.Series(dtype=t) for c, t in self.dtypes.items()}), self.dtypes)]
        fold = np.concatenate(folds) if folds else np.empty(0, dtype=bool)
        return pd.concat(frames, ignore_index=True), pd.Series(fold, dtype=bool)


Item = TypeVar("Item")
_DONE = object()  # what next() gives at the end of the items


def read_ahead(items: Iterator[Item]) -> Iterator[Item]:
    """The items in order, the next one made on another thread while the caller works on this one: a slice is read
    from its Arrow file and typed (much of it Arrow's and numpy's, which let go of the GIL) while the one before is
    folded. One item more is held at a time."""
    with ThreadPoolExecutor(1) as pool:
        coming = pool.submit(next, items, _DONE)
        while (item := coming.result()) is not _DONE:
            coming = pool.submit(next, items, _DONE)
            yield item


def _repeated_values(hashes: np.ndarray) -> np.ndarray:
    """The hashes that occur more than once in ``hashes`` (sorted in place), found by sorting: a byte a row beside
    them, where a hash table of every row holds some 40 at its peak (ten million rows: 420 MB)."""
    hashes.sort()
    return np.unique(hashes[1:][hashes[1:] == hashes[:-1]])


def _member(hashes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each hash is one of ``values`` (a hash table of ``values`` alone, few beside the rows)."""
    return pd.Series(hashes, copy=False).isin(values).to_numpy()


def key_hashes(keys: pd.Series) -> np.ndarray:
    """Each key's 64-bit hash (uint64)."""
    return pd.util.hash_pandas_object(keys, index=False).to_numpy()


def _typed(rows: pd.DataFrame, dtypes: pd.Series) -> pd.DataFrame:
    """A slice in the types every stream's rows share, counts as whole numbers."""
    differ = {c: t for c, t in dtypes.items() if rows[c].dtype != t}
    rows = rows.astype(differ) if differ else rows.copy()
    for name in _COUNTS:
        rows[name] = rows[name].round().astype("Int64")
    return rows


def _merge_key(rows: pd.DataFrame, fold: np.ndarray) -> pd.Series:
    """What makes rows one incident: the number and the station, the number alone for unit rows."""
    key = rows["incident_id"].astype(str).rename("merge_key")  # not the column: groupby would drop it
    return key.where(fold, key + "\x00" + rows["station"].astype(str))


def _unit_times(valid: pd.DataFrame, fold: np.ndarray) -> pd.DataFrame:
    """Turnout and travel are the first-arriving unit's: a unit row no unit of which arrived has none."""
    reached = ~fold | valid["arrived_at"].notna().to_numpy()
    return valid.assign(**{unit: valid[own].where(reached) for own, unit in FIRST_UNIT_TIMES.items()})


def _merge(valid: pd.DataFrame, fold: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep each incident once; later rows of it fill its blanks and are listed as merged.

    Rows are one incident when they share the incident number and the station: two ledgers that
    both number their incidents 1, 2, 3 are two stations' incidents. Unit rows of one incident
    (a mapping's ``fold_units``) come from several stations and fold on the number alone.
    """
    valid = _unit_times(valid, fold.to_numpy())
    key = _merge_key(valid, fold.to_numpy())
    repeated = key.duplicated(keep=False)
    single, multi, multi_key = valid[~repeated], valid[repeated], key[repeated]
    later = multi_key.duplicated(keep="first")
    reason = np.where(fold[repeated][later], "unit_row", "duplicate")
    merged = rows_where(multi, later, MERGED, "", "incident_id", multi["incident_id"])
    merged["reason"] = reason
    conflicts = _conflicts(multi, multi_key, later & ~fold[repeated])
    groups = multi.groupby(multi_key, sort=False)
    combined = groups.first()
    for name in TIMESTAMP_FIELDS:
        combined[name] = _seconds_refined(multi[name], multi_key).fillna(combined[name])
    folded = fold[repeated].groupby(multi_key.to_numpy(), sort=False).any()
    if folded.any():
        # Unit rows: the first unit's dispatch and arrival, the last unit's clearing; one vehicle per unit row.
        firsts = groups[[t for t in TIMESTAMP_FIELDS if t not in _FOLD_LAST]].min()
        lasts = groups[list(_FOLD_LAST)].max()
        units = groups.size()
        for frame_part in (firsts, lasts):
            combined.loc[folded, frame_part.columns] = frame_part.loc[folded]
        no_vehicles = combined["vehicles"].isna() & folded
        combined.loc[no_vehicles, "vehicles"] = units[no_vehicles]
        first_unit = _first_arriving(multi, multi_key).reindex(combined.index)
        combined.loc[folded, first_unit.columns] = first_unit.loc[folded]
    combined = combined.reset_index(drop=True)[valid.columns]
    incidents = pd.concat([single, combined], ignore_index=True)
    order = np.lexsort((incidents["source_row"].to_numpy(), incidents["source_file"].astype(str).to_numpy()))
    return incidents.iloc[order].reset_index(drop=True), pd.concat([merged, conflicts], ignore_index=True)


def _first_arriving(units: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Per incident, the dispatch and en route times of the unit first on scene; incidents no unit reached are
    left out. Where two arrive in the same second, the one dispatched first is (then the one en route first,
    then the first row): file order never decides a turnout or a travel time the times can."""
    reached = units["arrived_at"].notna()
    ranked = units.loc[reached, ["arrived_at", *FIRST_UNIT_TIMES]].assign(merge_key=key[reached])
    ranked = ranked.sort_values(["arrived_at", *FIRST_UNIT_TIMES], kind="stable", na_position="last")
    first = ranked.drop_duplicates("merge_key").set_index("merge_key")
    return first[list(FIRST_UNIT_TIMES)].rename(columns=FIRST_UNIT_TIMES)


def _seconds_refined(times: pd.Series, key: pd.Series) -> pd.Series:
    """Per incident, the first time that gives the seconds of a kept time written to the minute (one
    export writes 00:26, the other 00:26:36: the same time, more precisely); NaT where none does."""
    kept = times.groupby(key, sort=False).transform("first")
    finer = (times.dt.floor("min") == kept) & (times != kept)
    return times.where(finer.fillna(False).astype(bool)).groupby(key, sort=False).first()


def _conflicts(rows: pd.DataFrame, key: pd.Series, duplicates: pd.Series) -> pd.DataFrame:
    """Flag each later export of an incident that holds a value other than the kept row's (the kept
    value stands; times are compared to the minute, as exports write them; unit rows differ by nature
    and are not compared)."""
    found = []
    for f in INCIDENT_FIELDS:
        values = rows[f.name].dt.floor("min") if f.kind == "timestamp" else rows[f.name]
        kept = values.groupby(key, sort=False).transform("first")
        differs = (values.notna() & kept.notna() & (values != kept)).fillna(False).astype(bool)
        found.append(rows_where(rows, differs & duplicates, FLAGGED, "conflicting_values", f.name,
                                rows[f.name].astype("string")))
    return pd.concat(found, ignore_index=True)


def _attribute(problems: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Give each problem row the incident ID, station and year its input row parsed to."""
    lookup = frame[["source_file", "source_row", "incident_id", "station"]].assign(
        year=frame["received_at"].dt.year.astype("Int64"), date=frame["received_at"])
    problems = problems.drop(columns=["incident_id", "station", "year", "date"], errors="ignore")
    out = problems.merge(lookup, on=["source_file", "source_row"], how="left")
    out["source_row"] = out["source_row"].astype("int64")
    # A 合计 row's cells are totals ("1238起" under 出动站), not a station: it belongs to none.
    out.loc[out["reason"] == "summary_row", "station"] = pd.NA
    return out[PROBLEM_COLUMNS]


def _account(rows_in: pd.Series, kept: pd.Series, problems: pd.DataFrame) -> pd.DataFrame:
    """Rows in, kept, merged and quarantined per file (``rows_in``, ``kept``: rows per file), checked to add up."""
    per_action = (
        problems[problems["action"].isin([MERGED, QUARANTINE])]
        .drop_duplicates(["source_file", "source_row"])
        .groupby(["source_file", "action"]).size().unstack(fill_value=0)
    )
    table = pd.DataFrame({"rows_in": rows_in, "kept": kept}).fillna(0)
    for action in (MERGED, QUARANTINE):
        table[action] = per_action[action] if action in per_action else 0
    table = table.fillna(0).astype("int64").rename_axis("source_file").reset_index()
    balance = table["kept"] + table[MERGED] + table[QUARANTINE] - table["rows_in"]
    if (balance != 0).any():
        raise AssertionError(f"row accounting does not add up:\n{table[balance != 0]}")
    return table


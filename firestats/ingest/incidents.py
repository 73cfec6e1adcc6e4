"""Turn raw export tables into the canonical incident table, accounting for every row.

Every input row ends in exactly one of three places: kept (one row of the incident table),
merged (a second export of an incident already kept, or another responding unit's row of it,
its blanks filled into the kept row) or quarantined (left out, with a reason). Rows whose
meaning changed while kept (a value that could not be read, an arrival before dispatch) are
kept and listed as flagged. Everything here is vectorised: a million rows is the design load.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from firestats.errors import InputError
from firestats.ingest import parse
from firestats.ingest.mapping import AMOUNT_UNITS, FieldRule, Mapping, auto_mapping
from firestats.ingest.problems import FLAGGED, MERGED, PROBLEM_COLUMNS, QUARANTINE, rows_where
from firestats.ingest.readers import normalise_header
from firestats.ingest.stations import normalise_stations
from firestats.schema import (
    FIELDS_BY_NAME,
    FIRST_UNIT_TIMES,
    FLAG_ARRIVAL_BEFORE_DISPATCH,
    INCIDENT_FIELDS,
    PROVENANCE,
    TIMESTAMP_FIELDS,
    aliases,
)
from firestats.settings import settings

# 合计 / 小 计 / 总　计 at the start of a cell, spaced out or not (full-width spaces too).
_SUMMARY = r"^[\s\x{3000}]*[合小总][\s\x{3000}]*计"
# What a missing or unreadable required field does to its row.
_REQUIRED = {
    "incident_id": ("missing_id", "missing_id"),
    "station": ("missing_station", "missing_station"),
    "received_at": ("missing_received_at", "bad_received_at"),
    "type": ("missing_type", "unknown_type"),
}
# Past these, a count (people, vehicles) or an amount (万元) is a typing error, not an incident.
_IMPLAUSIBLE = {"count": 100_000, "amount": 10_000_000}
# When a unit's rows fold into one incident: the first call, dispatch and arrival; the last to clear.
_FOLD_LAST = {"cleared_at", "returned_at"}


@dataclass
class Canonical:
    """One export in canonical fields, with the problems found while reading its cells."""

    frame: pd.DataFrame  # canonical fields, parsed, plus source_file and source_row
    problems: pd.DataFrame  # PROBLEM_COLUMNS, before station and year are filled in
    fold_units: bool = False
    defaulted: dict[str, int] = field(default_factory=dict)  # rows a rule's default gave a value, by field


@dataclass
class CleanResult:
    """The canonical incidents, the problem list, and the per-file row accounting."""

    incidents: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame  # per source_file: rows_in, kept, merged, quarantined
    defaulted: dict[str, int] = field(default_factory=dict)  # rows a mapping's default gave a value, by field


def normalise_types(values: pd.Series) -> pd.Series:
    """Map type spellings to one of the six canonical types; unknown spellings become NA."""
    by_alias = {a: t for t, names in aliases()["types"].items() for a in names}
    return parse.lookup(parse.replace(parse.text(values), r"\s", ""), by_alias)


def to_canonical(frame: pd.DataFrame, source: str, mapping: Mapping | None = None) -> Canonical:
    """Read one export's cells into canonical fields through a mapping (default: the alias table)."""
    frame = frame.loc[:, ~frame.columns.duplicated()]
    headers = [c for c in frame.columns if c not in PROVENANCE]
    mapping = mapping or auto_mapping(headers)
    column_of = _resolve_columns(mapping, headers, source)
    cells = frame[headers]

    out = frame[list(PROVENANCE)].copy()
    skip = _summaryrows_where(cells)
    problems = [rows_where(out, skip, QUARANTINE, "summary_row", "", cells.iloc[:, 0] if headers else None)]
    defaulted: dict[str, int] = {}
    for rule in mapping.exclude:
        value = parse.text(cells[column_of[rule.column]])
        hit = _excluded(value, rule) & ~skip
        problems.append(rows_where(out, hit, QUARANTINE, "excluded", rule.column, rule.describe()))
        skip |= hit

    for rule in mapping.rules:
        values, raw = _read_field(rule, cells, column_of, out, defaulted)
        out[rule.field], found = _checked(out, rule.field, values, raw, skip)
        problems += found
    for f in INCIDENT_FIELDS:
        if f.name not in out:
            out[f.name] = _empty(f.kind, len(out), out.index)
    problems.append(_implausible_years(out, skip))
    out = out[[f.name for f in INCIDENT_FIELDS] + list(PROVENANCE)]
    return Canonical(out, pd.concat(problems, ignore_index=True), mapping.fold_units, defaulted)


def _implausible_years(out: pd.DataFrame, skip: pd.Series) -> pd.DataFrame:
    """Rows whose call time reads in a year no real export holds (1899, 2099): quarantined, never reported on."""
    bounds = settings()["timestamps"]
    latest = pd.Timestamp.today().year + 1
    year = out["received_at"].dt.year
    odd = out["received_at"].notna() & ~year.between(bounds["earliest_year"], latest) & ~skip
    return rows_where(out, odd, QUARANTINE, "implausible_received_at", "received_at", out["received_at"].astype(str))


def _far_times(incidents: pd.DataFrame) -> pd.DataFrame:
    """Blank every later time more than a day from the call (a typed year 2200, a wrong day) and list it."""
    found = []
    for name in TIMESTAMP_FIELDS:
        if name == "received_at":
            continue
        gap = (incidents[name] - incidents["received_at"]).abs()
        far = (gap > pd.Timedelta(days=1)).fillna(False).astype(bool)
        if far.any():
            found.append(rows_where(incidents, far, FLAGGED, "implausible_time", name, incidents[name].astype(str)))
            incidents[name] = incidents[name].mask(far)
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["source_file", "source_row"])


def _resolve_columns(mapping: Mapping, headers: list[str], source: str) -> dict[str, str]:
    """The export header each mapping column names, matched after NFKC and without spaces."""
    by_norm = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    found = {c: by_norm.get(normalise_header(c)) for c in mapping.columns()}
    missing = [c for c, h in found.items() if h is None]
    required = [f.name for f in INCIDENT_FIELDS if f.required]
    absent = [r for r in required if r not in {rule.field for rule in mapping.rules}]
    if absent:
        labels = "、".join(f"{FIELDS_BY_NAME[m].label} ({m})" for m in absent)
        raise InputError(f"{source}: no column for {labels}; columns found: {', '.join(map(str, headers))}")
    if missing:
        raise InputError(f"{source}: mapping {mapping.name!r} needs column(s) {', '.join(missing)}, "
                         f"which the file does not have; columns found: {', '.join(map(str, headers))}")
    return found


def _summaryrows_where(cells: pd.DataFrame) -> pd.Series:
    hit = pd.Series(False, index=cells.index)
    for column in cells.columns:
        if not pd.api.types.is_numeric_dtype(cells[column].dtype):
            hit |= parse.matches(cells[column], _SUMMARY)
    return hit


def _excluded(value: pd.Series, rule) -> pd.Series:
    if rule.equals is not None:
        hit = value == rule.equals
    elif rule.among:
        hit = value.isin(rule.among)
    else:
        return parse.matches(value, rule.pattern)
    return hit.fillna(False).astype(bool)


def _read_field(rule: FieldRule, cells: pd.DataFrame, column_of: dict[str, str | None],
                parsed: pd.DataFrame, defaulted: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """A field's parsed values and the raw text they came from (for blank and problem checks)."""
    col = {c: cells[column_of[c]] for c in rule.source_columns()}
    kind = FIELDS_BY_NAME[rule.field].kind
    if rule.columns:
        # Built from parsed values: the same alarm exported as CSV (text times) and as XLSX (time
        # cells, other spellings) must get the same id; a time is written to the minute.
        texts = [_identity_part(col[c]) for c in rule.columns]
        raw = texts[0].str.cat(texts[1:], sep="|")
        return raw, raw
    if kind == "timestamp":
        if rule.date:
            raw = parse.text(col[rule.date]).str.cat(parse.text(col[rule.time]), sep=" ", na_rep="")
            raw = raw.mask(parse.is_blank(col[rule.date]) & parse.is_blank(col[rule.time]))
            day = parse.timestamps(col[rule.date], rule.dayfirst).dt.normalize()
            return day + parse.time_of_day(col[rule.time]), raw
        if rule.after:
            raw = parse.text(col[rule.time])
            return parse.on_day_of(_latest_before(parsed, rule), parse.time_of_day(col[rule.time])), raw
        if rule.seconds_after:
            raw = parse.text(col[rule.column])
            seconds = parse.durations(col[rule.column])
            return parsed[rule.seconds_after] + pd.to_timedelta(seconds, unit="s"), raw
        return parse.timestamps(col[rule.column], rule.dayfirst), parse.text(col[rule.column])
    raw = parse.text(col[rule.column])
    if kind == "id":
        return parse.identifiers(col[rule.column]), raw
    if kind == "count":
        return parse.numbers(col[rule.column], "count"), raw
    if kind == "amount":
        scale = AMOUNT_UNITS[rule.unit or "10k_yuan"]
        unit = "10k_yuan" if scale == 1.0 else "count"
        return parse.numbers(col[rule.column], unit) * scale, raw
    value = _map_values(parse.text(col[rule.column]), rule, defaulted)
    if rule.field == "station":
        return normalise_stations(value), raw
    if rule.field == "type":
        return normalise_types(value), raw
    return value, raw


def _latest_before(parsed: pd.DataFrame, rule: FieldRule) -> pd.Series:
    """The latest time already read among those an incident passes before ``rule.field`` (at least
    ``rule.after``): a clock time rolls past midnight relative to the step before it, not only the call."""
    order = list(TIMESTAMP_FIELDS)
    earlier = [t for t in order[: order.index(rule.field)] if t in parsed.columns and t != rule.after]
    return parsed[[rule.after, *earlier]].max(axis=1)


def _identity_part(cells: pd.Series) -> pd.Series:
    """One column of a composite id: a time as 2024-03-05 10:00 however it was spelled, else the text."""
    stamps = parse.timestamps(cells)
    written = pd.Series(stamps.dt.strftime("%Y-%m-%d %H:%M"), index=cells.index, dtype="string")
    return written.where(stamps.notna(), parse.replace(parse.identifiers(cells), r"\s+", ""))


def _map_values(value: pd.Series, rule: FieldRule, defaulted: dict[str, int]) -> pd.Series:
    """Apply a rule's exact value map, then its patterns, then its default (counted in ``defaulted``:
    a pattern too strict shows as many rows given the default)."""
    if not (rule.values or rule.patterns or rule.default):
        return value
    mapped = parse.lookup(value, {k.strip(): v for k, v in rule.values.items()})
    for regex, target in rule.patterns.items():
        hit = parse.matches(value, regex)
        mapped = mapped.mask(mapped.isna() & hit, target)
    if rule.default is not None:
        fell = mapped.isna() & value.notna()
        defaulted[rule.field] = int(fell.sum())
        mapped = mapped.mask(fell, rule.default)
    return mapped.fillna(value)


def _checked(out: pd.DataFrame, field: str, values: pd.Series, raw: pd.Series,
             skip: pd.Series) -> tuple[pd.Series, list[pd.DataFrame]]:
    """A field's values with impossible ones blanked, and the problem rows that says so."""
    blank = raw.isna()
    unreadable = values.isna() & ~blank & ~skip
    if field in _REQUIRED:
        missing_reason, bad_reason = _REQUIRED[field]
        return values, [rows_where(out, blank & ~skip, QUARANTINE, missing_reason, field, raw),
                        rows_where(out, unreadable, QUARANTINE, bad_reason, field, raw)]
    kind = FIELDS_BY_NAME[field].kind
    if kind == "timestamp":
        return values, [rows_where(out, unreadable, FLAGGED, "bad_timestamp", field, raw)]
    if kind in ("count", "amount"):
        fractional = (values.notna() & (values % 1 != 0)).astype(bool) & (kind == "count") & ~skip
        negative = (values < 0).fillna(False).astype(bool) & ~skip
        absurd = (values > _IMPLAUSIBLE[kind]).fillna(False).astype(bool) & ~skip
        return values.mask(fractional | negative | absurd), [
            rows_where(out, unreadable | fractional, FLAGGED, "bad_number", field, raw),
            rows_where(out, negative, FLAGGED, "negative_number", field, raw),
            rows_where(out, absurd, FLAGGED, "implausible_number", field, raw)]
    return values, []


def _empty(kind: str, n: int, index: pd.Index) -> pd.Series:
    dtype = {"timestamp": "datetime64[ns]", "count": "float64", "amount": "float64"}.get(kind, "string")
    return pd.Series(pd.NA if dtype == "string" else np.nan, index=index, dtype=dtype)


def empty_result() -> CleanResult:
    """The result of cleaning no incident exports at all: empty tables with the right columns."""
    headers = ["警情编号", "出动站", "接警时间", "警情类型"]
    frame = pd.DataFrame({h: pd.Series(dtype=object) for h in headers})
    frame["source_file"], frame["source_row"] = pd.Series(dtype=object), pd.Series(dtype="int64")
    return clean_incidents([to_canonical(frame, "")])


def clean_incidents(parts: list[Canonical]) -> CleanResult:
    """Quarantine, de-duplicate (or fold unit rows) and flag canonical exports into one table."""
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    problems = pd.concat([p.problems.reset_index(drop=True) for p in parts], ignore_index=True)
    fold = pd.Series(np.repeat([p.fold_units for p in parts], [len(p.frame) for p in parts]), dtype=bool)
    for name in (f.name for f in INCIDENT_FIELDS if f.kind == "count"):
        frame[name] = frame[name].round().astype("Int64")

    key = frame["source_file"].astype(str) + "\x00" + frame["source_row"].astype(str)
    bad = problems.loc[problems["action"] == QUARANTINE]
    quarantined = key.isin(bad["source_file"].astype(str) + "\x00" + bad["source_row"].astype(str))
    valid = frame[~quarantined]
    incidents, merged = _merge(valid, fold[~quarantined])
    far = _far_times(incidents)
    incidents = _flag_arrival_before_dispatch(incidents)
    flagged = incidents[incidents[FLAG_ARRIVAL_BEFORE_DISPATCH]]
    disordered = _out_of_order(incidents)
    problems = pd.concat([
        problems, merged, far, disordered,
        rows_where(flagged, pd.Series(True, index=flagged.index), FLAGGED, "arrival_before_dispatch", "arrived_at",
              flagged["arrived_at"].astype(str)),
    ], ignore_index=True)
    problems = _attribute(problems, frame)
    defaulted = sum((Counter(p.defaulted) for p in parts), Counter())
    return CleanResult(incidents.reset_index(drop=True), problems, _account(frame, incidents, problems),
                       dict(defaulted))


def _merge(valid: pd.DataFrame, fold: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep each incident once; later rows of it fill its blanks and are listed as merged.

    Rows are one incident when they share the incident number and the station: two ledgers that
    both number their incidents 1, 2, 3 are two stations' incidents. Unit rows of one incident
    (a mapping's ``fold_units``) come from several stations and fold on the number alone.
    """
    # Turnout and travel are the first-arriving unit's: a unit row no unit of which arrived has none.
    reached = ~fold.to_numpy() | valid["arrived_at"].notna().to_numpy()
    valid = valid.assign(**{unit: valid[own].where(reached) for own, unit in FIRST_UNIT_TIMES.items()})
    key = valid["incident_id"].astype(str).rename("merge_key")  # not the column: groupby would drop it
    key = key.where(fold.to_numpy(), key + "\x00" + valid["station"].astype(str))
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
    """Per incident, the dispatch and en route times of the unit first on scene (the first such row
    where two arrive together); incidents no unit reached are left out."""
    arrived = units["arrived_at"]
    reached = arrived.notna()
    first = arrived[reached].groupby(key[reached], sort=False).idxmin()
    own = units.loc[first.to_numpy(), list(FIRST_UNIT_TIMES)].set_axis(first.index)
    return own.rename(columns=FIRST_UNIT_TIMES)


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


def _out_of_order(incidents: pd.DataFrame) -> pd.DataFrame:
    """Blank every time before the call and flag every time before the step it follows (received ≤
    dispatched ≤ departed ≤ arrived ≤ cleared ≤ returned): an order no roll past midnight explains.

    An arrival before dispatch or the call has its own flag (``arrival_before_dispatch``); it is
    blanked too when it precedes the call, so no time of an incident is ever before its call.
    """
    found = []
    later = [t for t in TIMESTAMP_FIELDS if t not in ("received_at", "water_at")]
    for name in later:
        early = (incidents[name] < incidents["received_at"]).fillna(False).astype(bool)
        if name != "arrived_at":
            found.append(rows_where(incidents, early, FLAGGED, "time_before_call", name, incidents[name].astype(str)))
        incidents[name] = incidents[name].mask(early)
    latest = incidents["received_at"]
    for name in later:
        behind = (incidents[name] < latest).fillna(False).astype(bool)
        if name == "arrived_at":
            behind &= ~incidents[FLAG_ARRIVAL_BEFORE_DISPATCH]
        found.append(rows_where(incidents, behind, FLAGGED, "times_out_of_order", name, incidents[name].astype(str)))
        latest = latest.where(~(incidents[name] > latest).fillna(False).astype(bool), incidents[name])
    return pd.concat(found, ignore_index=True)


def _flag_arrival_before_dispatch(incidents: pd.DataFrame) -> pd.DataFrame:
    arrived = incidents["arrived_at"]
    early = ((arrived < incidents["dispatched_at"]) | (arrived < incidents["received_at"])).fillna(False)
    incidents[FLAG_ARRIVAL_BEFORE_DISPATCH] = early.astype(bool)
    return incidents


def _attribute(problems: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Give each problem row the incident ID, station and year its input row parsed to."""
    lookup = frame[["source_file", "source_row", "incident_id", "station"]].assign(
        year=frame["received_at"].dt.year.astype("Int64"), date=frame["received_at"])
    problems = problems.drop(columns=["incident_id", "station", "year", "date"], errors="ignore")
    out = problems.merge(lookup, on=["source_file", "source_row"], how="left")
    out["source_row"] = out["source_row"].astype("int64")
    return out[PROBLEM_COLUMNS]


def _account(frame: pd.DataFrame, incidents: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    rows_in = frame.groupby("source_file", sort=False).size()
    kept = incidents.groupby("source_file", sort=False).size()
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

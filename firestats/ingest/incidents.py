"""Turn raw export tables into the canonical incident table, accounting for every row.

Every input row ends in exactly one of three places: kept (one row of the incident table),
merged (a second export of an incident already kept, or another responding unit's row of it,
its blanks filled into the kept row) or quarantined (left out, with a reason). Rows whose
meaning changed while kept (a value that could not be read, an arrival before dispatch) are
kept and listed as flagged. Everything here is vectorised: a million rows is the design load.
This module reads one export's cells; ``merging`` folds every export's rows into one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from firestats.errors import InputError
from firestats.ingest import parse
from firestats.ingest.distinct import by_distinct
from firestats.ingest.grid import degrees
from firestats.ingest.mapping import AMOUNT_UNITS, FieldRule, Grid, Mapping, auto_mapping
from firestats.ingest.problems import rows_where
from firestats.ingest.stations import normalise_stations
from firestats.schema import (
    FIELDS_BY_NAME,
    INCIDENT_FIELDS,
    PROVENANCE,
    TIMESTAMP_FIELDS,
    aliases,
)
from firestats.settings import settings
from firestats.vocabulary.problems import FLAGGED, QUARANTINE
from firestats.vocabulary.spelling import normalise_header

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
_DEGREES = {"latitude": 90, "longitude": 180}
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"  # -4.50755e-05 near the meridian, as in parse


@dataclass
class Canonical:
    """One export in canonical fields, with the problems found while reading its cells."""

    frame: pd.DataFrame  # canonical fields, parsed, plus source_file and source_row
    problems: pd.DataFrame  # PROBLEM_COLUMNS, before station and year are filled in
    fold_units: bool = False
    defaulted: dict[str, int] = field(default_factory=dict)  # rows a rule's default gave a value, by field


def normalise_types(values: pd.Series) -> pd.Series:
    """Map type spellings to one of the six canonical types; unknown spellings become NA."""
    return by_distinct(parse.text(values), _typed)


def _typed(cells: pd.Series) -> pd.Series:
    """Clean type spellings as canonical types, each cell on its own (see ``normalise_types``)."""
    by_alias = {a: t for t, names in aliases()["types"].items() for a in names}
    return parse.lookup(parse.replace(cells, r"\s", ""), by_alias)


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
    fell: dict[str, pd.Series] = {}  # the rows each rule's default gave a value
    for rule in mapping.exclude:
        value = parse.as_written(cells[column_of[rule.column]])  # a rule on NA means the word NA
        hit = _excluded(value, rule) & ~skip
        problems.append(rows_where(out, hit, QUARANTINE, "excluded", rule.column, rule.describe()))
        skip |= hit

    for rule in mapping.rules:
        values, raw = _read_field(rule, cells, column_of, out, fell)
        out[rule.field], found = _checked(out, rule.field, values, raw, skip)
        problems += found
        if rule.field in _REQUIRED:  # a row missing two fields is quarantined once, under the first
            skip |= out.index.isin(pd.concat(found).index)
    for f in INCIDENT_FIELDS:
        if f.name not in out:
            out[f.name] = _empty(f.kind, len(out), out.index)
    if mapping.grid:
        problems.append(_from_grid(out, mapping.grid, cells, column_of, skip))
    problems.append(_implausible_years(out, skip))
    out = out[[f.name for f in INCIDENT_FIELDS] + list(PROVENANCE)]
    # Counted among the rows kept, so the count agrees with the type tally it is compared with.
    defaulted = {name: int((rows & ~skip).sum()) for name, rows in fell.items()}
    return Canonical(out, pd.concat(problems, ignore_index=True), mapping.fold_units, defaulted)


def _from_grid(out: pd.DataFrame, grid: Grid, cells: pd.DataFrame, column_of: dict[str, str | None],
               skip: pd.Series) -> pd.DataFrame:
    """Fill ``out``'s latitude and longitude where both are blank from the grid's metres (0 is London's blank, as
    for degrees); the problem rows of a metre that cannot be read."""
    metres, problems = {}, []
    for column in (grid.easting, grid.northing):
        raw = parse.text(cells[column_of[column]])
        value = parse.numbers(cells[column_of[column]])
        problems.append(rows_where(out, value.isna() & raw.notna() & ~skip, FLAGGED, "bad_number", column, raw))
        metres[column] = value.mask(value == 0).to_numpy(dtype=float)
    latitude, longitude = degrees(metres[grid.easting], metres[grid.northing], grid.crs)
    blank = (out["latitude"].isna() & out["longitude"].isna()).to_numpy()
    out["latitude"] = out["latitude"].mask(blank, latitude)
    out["longitude"] = out["longitude"].mask(blank, longitude)
    return pd.concat(problems)


def _implausible_years(out: pd.DataFrame, skip: pd.Series) -> pd.DataFrame:
    """Rows whose call time reads in a year no real export holds (1899, 2099): quarantined, never reported on."""
    bounds = settings()["timestamps"]
    latest = pd.Timestamp.today().year + 1
    year = out["received_at"].dt.year
    odd = out["received_at"].notna() & ~year.between(bounds["earliest_year"], latest) & ~skip
    shown = parse.times_written(out["received_at"], odd, parse.midnights_only(out["received_at"]))
    return rows_where(out, odd, QUARANTINE, "implausible_received_at", "received_at", shown)


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
        # Every summary label holds 计: a byte search spares the regular expression the columns without one.
        if not pd.api.types.is_numeric_dtype(cells[column].dtype) and parse.may_contain(cells[column], "计"):
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
                parsed: pd.DataFrame, fell: dict[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
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
    raw = parse.text(col[rule.column])
    # A CSV's column is text alone: parsers are given it cleaned once, not each cleaning it again.
    cells = raw if parse.is_text(col[rule.column]) else col[rule.column]
    if kind == "timestamp":
        return parse.timestamps(cells, rule.dayfirst), raw
    if kind == "id":
        return parse.identifiers(cells), raw
    if kind == "count":
        return parse.numbers(cells, "count"), raw
    if kind == "coordinate":
        if rule.part:  # one number of a point: "(37.73, -122.42)"
            return pd.to_numeric(raw.str.findall(_NUMBER).str[rule.part - 1], errors="coerce").astype("float64"), raw
        return parse.numbers(cells), raw
    if kind == "amount":
        scale = AMOUNT_UNITS[rule.unit or "10k_yuan"]
        unit = "10k_yuan" if scale == 1.0 else "count"
        return parse.numbers(cells, unit) * scale, raw
    value = _map_values(raw, rule, fell)
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


def _map_values(value: pd.Series, rule: FieldRule, fell: dict[str, pd.Series]) -> pd.Series:
    """Apply a rule's exact value map, then its patterns, then its default (the rows it gave noted in ``fell``:
    a pattern too strict shows as many rows given the default)."""
    if not (rule.values or rule.patterns or rule.default):
        return value
    mapped = parse.lookup(value, {k.strip(): v for k, v in rule.values.items()})
    for regex, target in rule.patterns.items():
        hit = parse.matches(value, regex)
        mapped = mapped.mask(mapped.isna() & hit, target)
    if rule.default is not None:
        fell[rule.field] = mapped.isna() & value.notna()
        mapped = mapped.mask(fell[rule.field], rule.default)
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
    if kind == "coordinate":  # a projected metre (Easting 528652) is no degree; 0 is London's blank, no place
        off = (values.abs() > _DEGREES[field]).fillna(False).astype(bool) & ~skip
        return values.mask(off | (values == 0)), [rows_where(out, unreadable | off, FLAGGED, "bad_number", field, raw)]
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
    dtype = {"timestamp": "datetime64[ns]", "count": "float64", "amount": "float64",
             "coordinate": "float64"}.get(kind, "string")
    return pd.Series(pd.NA if dtype == "string" else np.nan, index=index, dtype=dtype)

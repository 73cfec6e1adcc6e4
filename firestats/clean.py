"""Turn raw export tables into the canonical incident table, accounting for every row.

Every input row ends in exactly one of three places: kept (one row of the incident table),
merged (a second export of an incident already kept, its blanks filled into the kept row) or
quarantined (left out, with a reason). Rows whose meaning changed while kept (a value that
could not be read, an arrival before dispatch) are kept and listed as flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from firestats import parse
from firestats.readers import InputError, normalise_header
from firestats.schema import (
    FIELDS_BY_NAME,
    FLAG_ARRIVAL_BEFORE_DISPATCH,
    INCIDENT_FIELDS,
    NUMBER_FIELDS,
    PROVENANCE,
    TIMESTAMP_FIELDS,
    aliases,
)

# Reason codes and what a report reader is told about each.
REASONS: dict[str, str] = {
    "summary_row": "合计/小计/总计行，不是警情记录",
    "missing_id": "缺少警情编号",
    "missing_station": "缺少出动站",
    "missing_received_at": "缺少接警时间",
    "bad_received_at": "接警时间无法识别",
    "missing_type": "缺少警情类型",
    "unknown_type": "警情类型无法归入六类（可在别名表中补充）",
    "duplicate": "同一警情重复导出，已合并",
    "bad_timestamp": "时间无法识别，已置空",
    "bad_number": "数值无法识别，已置空",
    "negative_number": "数值为负，已置空",
    "arrival_before_dispatch": "到场早于出动或接警，保留警情但不计响应时间",
}
QUARANTINE, MERGED, FLAGGED = "quarantined", "merged", "flagged"
PROBLEM_COLUMNS = [
    "source_file", "source_row", "action", "reason", "column", "value", "incident_id", "station", "year",
]
_SUMMARY_WORDS = ("合计", "小计", "总计")


@dataclass
class CleanResult:
    """The canonical incidents, the problem list, and the per-file row accounting."""

    incidents: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame  # per source_file: rows_in, kept, merged, quarantined


def header_map(headers: list[str]) -> dict[str, str]:
    """Map an export's headers to canonical field names; the first header for a field wins."""
    by_alias = {normalise_header(a): f for f, names in aliases()["headers"].items() for a in names}
    mapping: dict[str, str] = {}
    for h in headers:
        field = by_alias.get(normalise_header(h))
        if field and field not in mapping.values():
            mapping[h] = field
    return mapping


def known_headers() -> set[str]:
    """Every header spelling the alias table recognises, normalised."""
    return {normalise_header(a) for names in aliases()["headers"].values() for a in names}


def to_canonical(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Rename one export's columns to canonical fields, marking its 合计/小计 rows; cells stay raw."""
    frame = frame.loc[:, ~frame.columns.duplicated()]
    mapping = header_map([c for c in frame.columns if c not in PROVENANCE])
    missing = [f.name for f in INCIDENT_FIELDS if f.required and f.name not in mapping.values()]
    if missing:
        labels = "、".join(f"{FIELDS_BY_NAME[m].label} ({m})" for m in missing)
        raise InputError(f"{source}: no column for {labels}; columns found: {', '.join(map(str, frame.columns))}")
    cells = frame.drop(columns=list(PROVENANCE))
    out = frame.rename(columns=mapping).reindex(columns=[f.name for f in INCIDENT_FIELDS] + list(PROVENANCE))
    out["is_summary"] = _summary_rows(cells)
    return out


def _summary_rows(cells: pd.DataFrame) -> pd.Series:
    as_text = cells.astype("string").apply(lambda c: c.str.replace(r"\s", "", regex=True))
    hits = as_text.apply(lambda c: c.str.startswith(_SUMMARY_WORDS).fillna(False).astype(bool))
    return hits.any(axis=1)


def normalise_stations(values: pd.Series) -> pd.Series:
    """Resolve station spellings to one name: 城东 / 城东站 / 城东消防救援站 -> 城东站."""
    table = aliases()
    names = parse.text(values).str.replace(r"\s", "", regex=True)
    explicit = names.map(table.get("station_names") or {}).astype("string")
    suffixes = sorted(table["station_suffixes"], key=len, reverse=True)
    stem = names.str.replace(f"({'|'.join(suffixes)})$", "", regex=True)
    resolved = (stem + "站").where(stem.str.len() > 0, names)
    return resolved.where(explicit.isna(), explicit).astype("string")


def normalise_station(name: str) -> str:
    """One station spelling resolved, as :func:`normalise_stations` does for a column."""
    return str(normalise_stations(pd.Series([name])).iloc[0])


def normalise_types(values: pd.Series) -> pd.Series:
    """Map type spellings to one of the six canonical types; unknown spellings become NA."""
    by_alias = {a: t for t, names in aliases()["types"].items() for a in names}
    return parse.text(values).str.replace(r"\s", "", regex=True).map(by_alias).astype("string")


def clean_incidents(frames: list[pd.DataFrame]) -> CleanResult:
    """Parse, validate and de-duplicate canonical raw frames (from :func:`to_canonical`)."""
    raw = pd.concat(frames, ignore_index=True) if frames else to_canonical_empty()
    parsed, problems = _parse(raw)
    quarantined = _quarantine(raw, parsed, problems)

    valid = parsed[~quarantined]
    is_dup = valid["incident_id"].duplicated(keep="first")
    for idx in valid.index[is_dup]:
        problems.append(_problem(raw, parsed, idx, MERGED, "duplicate", "incident_id"))
    incidents = valid.groupby("incident_id", sort=False, as_index=False).first()
    incidents = _flag_arrival_before_dispatch(incidents, problems)

    problem_frame = pd.DataFrame(problems, columns=PROBLEM_COLUMNS).astype({"source_row": "int64"})
    return CleanResult(incidents, problem_frame, _account(raw, incidents, problem_frame))


def to_canonical_empty() -> pd.DataFrame:
    """An empty raw frame with the canonical columns."""
    return pd.DataFrame(columns=[f.name for f in INCIDENT_FIELDS] + list(PROVENANCE) + ["is_summary"])


def _parse(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    problems: list[dict] = []
    out = pd.DataFrame(index=raw.index)
    out["incident_id"] = parse.identifiers(raw["incident_id"])
    out["station"] = normalise_stations(raw["station"])
    for name in TIMESTAMP_FIELDS:
        out[name] = parse.timestamps(raw[name])
    out["type"] = normalise_types(raw["type"])
    for f in INCIDENT_FIELDS:
        if f.kind == "text":
            out[f.name] = parse.text(raw[f.name])
    for name in NUMBER_FIELDS:
        unit = "10k_yuan" if FIELDS_BY_NAME[name].kind == "amount" else "count"
        out[name] = parse.numbers(raw[name], unit)
    for column in PROVENANCE:
        out[column] = raw[column]

    ok = ~raw["is_summary"].astype(bool)
    for name in TIMESTAMP_FIELDS[1:]:
        bad = ok & out[name].isna() & ~parse.is_blank(raw[name])
        problems += [_problem(raw, out, i, FLAGGED, "bad_timestamp", name) for i in out.index[bad]]
    for name in NUMBER_FIELDS:
        blank = parse.is_blank(raw[name])
        bad = ok & out[name].isna() & ~blank
        if FIELDS_BY_NAME[name].kind == "count":
            fractional = out[name].notna() & (out[name] % 1 != 0)
            bad |= ok & fractional
            out.loc[fractional, name] = np.nan
        negative = ok & (out[name] < 0)
        problems += [_problem(raw, out, i, FLAGGED, "bad_number", name) for i in out.index[bad]]
        problems += [_problem(raw, out, i, FLAGGED, "negative_number", name) for i in out.index[negative]]
        out.loc[negative, name] = np.nan
        if FIELDS_BY_NAME[name].kind == "count":
            out[name] = out[name].astype("Int64")
    return out, problems


def _quarantine(raw: pd.DataFrame, parsed: pd.DataFrame, problems: list[dict]) -> pd.Series:
    summary = raw["is_summary"].astype(bool)
    checks = {
        "missing_id": parsed["incident_id"].isna(),
        "missing_station": parsed["station"].isna(),
        "missing_received_at": parse.is_blank(raw["received_at"]),
        "bad_received_at": parsed["received_at"].isna() & ~parse.is_blank(raw["received_at"]),
        "missing_type": parse.is_blank(raw["type"]),
        "unknown_type": parsed["type"].isna() & ~parse.is_blank(raw["type"]),
    }
    column_of = {"missing_id": "incident_id", "missing_station": "station", "missing_type": "type",
                 "unknown_type": "type", "missing_received_at": "received_at", "bad_received_at": "received_at"}
    problems += [_problem(raw, parsed, i, QUARANTINE, "summary_row", "") for i in raw.index[summary]]
    failed = summary.copy()
    for reason, mask in checks.items():
        mask = mask & ~summary
        problems += [_problem(raw, parsed, i, QUARANTINE, reason, column_of[reason]) for i in raw.index[mask]]
        failed |= mask
    return failed


def _problem(raw: pd.DataFrame, parsed: pd.DataFrame, idx: int, action: str, reason: str, column: str) -> dict:
    received = parsed.at[idx, "received_at"]
    value = raw.at[idx, column] if column else ""
    return {
        "source_file": raw.at[idx, "source_file"],
        "source_row": int(raw.at[idx, "source_row"]),
        "action": action,
        "reason": reason,
        "column": column,
        "value": "" if pd.isna(value) else str(value),
        "incident_id": parsed.at[idx, "incident_id"],
        "station": parsed.at[idx, "station"],
        "year": received.year if pd.notna(received) else pd.NA,
    }


def _flag_arrival_before_dispatch(incidents: pd.DataFrame, problems: list[dict]) -> pd.DataFrame:
    arrived = incidents["arrived_at"]
    early = ((arrived < incidents["dispatched_at"]) | (arrived < incidents["received_at"])).fillna(False)
    early = early.astype(bool)
    incidents[FLAG_ARRIVAL_BEFORE_DISPATCH] = early
    for _, row in incidents[early].iterrows():
        problems.append({
            "source_file": row["source_file"], "source_row": int(row["source_row"]),
            "action": FLAGGED, "reason": "arrival_before_dispatch", "column": "arrived_at",
            "value": str(row["arrived_at"]), "incident_id": row["incident_id"],
            "station": row["station"], "year": row["received_at"].year,
        })
    return incidents


def _account(raw: pd.DataFrame, incidents: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    rows_in = raw.groupby("source_file", sort=False).size()
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

"""Activity ledgers (工作台账): dated activities in, a year's activity figures out.

Each ledger row is one logged activity with a category, a quantity in the category's unit
(次, 家次, 份, 人) and free text. A row whose quantity is blank counts as one and is flagged.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from firestats import parse
from firestats.clean import FLAGGED, QUARANTINE, normalise_stations, record_problems
from firestats.readers import InputError, match_headers, normalise_header

RECORD_COLUMNS = ["date", "station", "category", "content", "quantity", "note", "source_file", "source_row"]
REASONS: dict[str, str] = {
    "missing_date": "缺少日期",
    "bad_date": "日期无法识别",
    "missing_station": "缺少站名",
    "unknown_category": "类别无法识别（可在 activities.yaml 中补充）",
    "bad_quantity": "数量无法识别",
    "quantity_assumed": "数量空白，按 1 计",
}
LISTED = ("awards", "competitions")  # figures given as lists of entries, not totals


@cache
def spec() -> dict:
    """The activities data file: headers, categories and licence kinds."""
    return yaml.safe_load(resources.files("firestats").joinpath("data/activities.yaml").read_text("utf-8"))


def headers() -> set[str]:
    """Every header spelling of a ledger, normalised."""
    return {normalise_header(a) for spellings in spec()["headers"].values() for a in spellings}


def _categories() -> dict[str, str]:
    return {normalise_header(a): name for name, c in spec()["categories"].items() for a in (name, *c["aliases"])}


def to_records(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ledger as records, and the problem rows (quarantined, or flagged and kept)."""
    columns = [c for c in frame.columns if c not in ("source_file", "source_row")]
    found = match_headers(columns, spec()["headers"])
    missing = [f for f in ("date", "station", "category") if f not in found]
    if missing:
        raise InputError(f"{source}: not an activity ledger: needs 日期, 站 and 类别; "
                         f"columns found: {', '.join(map(str, columns))}")

    def cells(field: str) -> pd.Series:
        return frame[found[field]] if field in found else pd.Series(pd.NA, index=frame.index, dtype=object)

    out = pd.DataFrame(index=frame.index)
    out["date"] = parse.timestamps(cells("date")).dt.normalize()
    out["station"] = normalise_stations(cells("station"))
    out["category"] = parse.lookup(parse.replace(parse.text(cells("category")), r"\s", ""), _categories())
    out["content"] = parse.text(cells("content"))
    quantity = parse.numbers(cells("quantity"))
    blank_quantity = parse.is_blank(cells("quantity"))
    out["quantity"] = quantity.mask(blank_quantity, 1.0)
    out["note"] = parse.text(cells("note"))
    out["source_file"], out["source_row"] = frame["source_file"], frame["source_row"].astype("int64")

    raw_category = parse.text(cells("category"))
    checks = {
        "missing_date": (parse.is_blank(cells("date")), QUARANTINE, None),
        "bad_date": (out["date"].isna() & ~parse.is_blank(cells("date")), QUARANTINE, cells("date")),
        "missing_station": (out["station"].isna(), QUARANTINE, None),
        "unknown_category": (out["category"].isna(), QUARANTINE, raw_category),
        "bad_quantity": ((quantity.isna() | (quantity < 0)) & ~blank_quantity, QUARANTINE, cells("quantity")),
        "quantity_assumed": (blank_quantity, FLAGGED, None),
    }
    problems = pd.concat([record_problems(out, mask, action, reason, "", value) for reason, (mask, action, value)
                          in checks.items()], ignore_index=True)
    bad = pd.concat([m for m, action, _ in checks.values() if action == QUARANTINE], axis=1).any(axis=1)
    return out[~bad].reset_index(drop=True)[RECORD_COLUMNS], problems


def activity_figures(records: pd.DataFrame, station: str, year: int) -> dict[str, Any] | None:
    """A station's activity figures for a year; None when it has no ledger records.

    Totals are sums of quantities in each category's unit (次, 家次, 份, 人); a category with no
    records is None, not 0. Licences are counted by kind (B2 …, 其他); awards and competitions
    are lists of {date, content}.
    """
    mine = records[(records["station"] == station) & (records["date"].dt.year == year)]
    if mine.empty:
        return None
    out: dict[str, Any] = {}
    for name, category in spec()["categories"].items():
        rows = mine[mine["category"] == name]
        key = category["figure"]
        if key in LISTED:
            out[key] = [{"date": f"{r.date:%Y-%m-%d}", "content": r.content or ""}
                        for r in rows.sort_values("date").itertuples()]
        elif key == "licences":
            out[key] = _licences(rows) if len(rows) else None
        else:
            out[key] = int(rows["quantity"].sum()) if len(rows) else None
    return out


def _licences(rows: pd.DataFrame) -> dict[str, int]:
    kinds = spec()["licence_kinds"]
    pattern = "(?P<kind>" + "|".join(kinds) + ")"
    kind = parse.extract(parse.text(rows["content"]).str.upper(), pattern)["kind"].fillna("其他")
    totals = rows["quantity"].groupby(kind.to_numpy()).sum()
    return {k: int(v) for k, v in totals.items()}

"""Activity ledgers (工作台账): ledger sheets in, one record per logged activity out.

Each ledger row is one logged activity with a category, a quantity in the category's unit
(次, 家次, 份, 人) and free text. A row whose quantity is blank counts as one and is flagged.
"""

from __future__ import annotations

import pandas as pd

from firestats.errors import InputError
from firestats.ingest import parse
from firestats.ingest.problems import record_problems
from firestats.ingest.readers import match_headers
from firestats.ingest.stations import normalise_stations
from firestats.vocabulary.activities import spec
from firestats.vocabulary.problems import FLAGGED, QUARANTINE
from firestats.vocabulary.spelling import normalise_header

RECORD_COLUMNS = ["date", "station", "category", "content", "quantity", "note", "source_file", "source_row"]


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

"""Activity figures: a slice's ledger records summed by category, in each category's unit."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from firestats.vocabulary.activities import spec

LISTED = ("awards", "competitions")  # figures given as lists of entries, not totals


def activity_figures(mine: pd.DataFrame) -> dict[str, Any] | None:
    """A slice's activity figures from its ledger records; None when it has none.

    Totals are sums of quantities in each category's unit (次, 家次, 份, 人); a category the ledger
    logged nothing of is 0, since a ledger kept through the slice would have logged it (the slice
    without any ledger record is None). Licences are counted by kind (B2 …, 其他); awards and
    competitions are lists of {date, content}.
    """
    if mine.empty:
        return None
    out: dict[str, Any] = {}
    # The columns read here alone, each category's rows found among plain objects and taken as a frame only for a
    # list or the licences: a frame of every column filtered for each of thirteen categories took most of the time.
    mine = mine[["category", "date", "content", "quantity"]]
    categories = mine["category"].to_numpy(dtype=object, na_value=None)
    for name, category in spec()["categories"].items():
        rows = categories == name
        key = category["figure"]
        if key in LISTED:
            out[key] = [{"date": f"{r.date:%Y-%m-%d}", "content": r.content or ""}
                        for r in mine[rows].sort_values("date").itertuples()]
        elif key == "licences":
            out[key] = _licences(mine[rows])
        else:
            # Summed exactly: the same total whether summed alone or among other stations' rows (side by side).
            out[key] = whole(math.fsum(mine["quantity"][rows].dropna()))
    return out


def whole(total: float) -> int | float:
    """A total as an integer when it is one (3.0 -> 3); a ledger's 1.5 stays 1.5, never cut to 1."""
    return int(total) if float(total).is_integer() else round(float(total), 2)


def _licences(rows: pd.DataFrame) -> dict[str, int]:
    kinds = spec()["licence_kinds"]
    pattern = "(?P<kind>" + "|".join(kinds) + ")"
    # The content was cleaned as it was read (NFKC, trimmed): b2 and Ｂ2 are B2 here already but for the case.
    kind = rows["content"].astype("string").str.upper().str.extract(pattern)["kind"].fillna("其他")
    totals = rows["quantity"].groupby(kind.to_numpy()).sum()
    return {k: whole(v) for k, v in totals.items()}

"""Problem rows: where an input row went when it was not simply kept, and why.

Every record family lists its problems in one table (``PROBLEM_COLUMNS``): the file and row,
what happened to the row (quarantined, merged, flagged), the reason code, the column and the
value. The codes and their words are the vocabulary's (``firestats.vocabulary.problems``).
"""

from __future__ import annotations

import pandas as pd


def rows_where(out: pd.DataFrame, mask: pd.Series, action: str, reason: str, column: pd.Series | str,
               value: pd.Series | str | None) -> pd.DataFrame:
    """Problem rows for every row of ``out`` where ``mask`` holds (column and value: one, or one per row)."""
    if not mask.any():  # most checks find nothing: the same empty table, without indexing ``out`` (a tenth the time)
        kinds = {"source_file": out["source_file"].dtype, "source_row": "int64", "action": object, "reason": object,
                 "column": column.dtype if isinstance(column, pd.Series) else object, "value": "string"}
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in kinds.items()}, index=mask.index[:0])
    idx = mask[mask].index
    if isinstance(value, pd.Series):
        shown = value.loc[idx].astype("string").fillna("")
    else:
        shown = pd.Series(value or "", index=idx, dtype="string")
    return pd.DataFrame({
        "source_file": out.loc[idx, "source_file"], "source_row": out.loc[idx, "source_row"].astype("int64"),
        "action": action, "reason": reason,
        "column": column.loc[idx] if isinstance(column, pd.Series) else column, "value": shown,
    }, index=idx)


def record_problems(records: pd.DataFrame, mask: pd.Series, action: str, reason: str, column: pd.Series | str,
                    value: pd.Series | str | None) -> pd.DataFrame:
    """Problem rows for dated records (score sheets, ledgers), with the station and year each parsed to."""
    rows = rows_where(records, mask, action, reason, column, value)
    # .loc, not assignment by alignment: an empty frame would take on the whole index
    mine = records.loc[rows.index]
    return rows.assign(incident_id=pd.NA, station=mine["station"], year=mine["date"].dt.year.astype("Int64"),
                       date=mine["date"])

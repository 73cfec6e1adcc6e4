"""Where a slice's input rows went: rows in = kept + merged + quarantined, for its incidents and per file."""

from __future__ import annotations

import pandas as pd

from firestats.store import Dataset
from firestats.vocabulary.problems import MERGED, QUARANTINE


def row_accounting(mine: Dataset) -> dict[str, int]:
    """The incident rows of a slice: in = kept + merged + quarantined (rows)."""
    kept = len(mine.incidents)
    p = mine.problems
    incident_rows = p[p["family"] == "incidents"] if "family" in p else p
    unique = incident_rows.drop_duplicates(["source_file", "source_row"])
    merged = int((unique["action"] == MERGED).sum())
    quarantined = int((unique["action"] == QUARANTINE).sum())
    return {"in": kept + merged + quarantined, "kept": kept, "merged": merged, "quarantined": quarantined}


def files_table(mine: Dataset) -> pd.DataFrame:
    """Per file, the rows of a slice of every family: rows_in = kept + merged + quarantined."""
    kept = pd.concat([frame["source_file"] for family, frame in mine.records().items()
                      if family == "incidents" or not frame.empty]).value_counts()
    problems = mine.problems
    counted = problems[problems["action"].isin([MERGED, QUARANTINE])].drop_duplicates(
        ["source_file", "source_row", "column"])
    per_action = counted.groupby(["source_file", "action"]).size().unstack(fill_value=0)
    table = pd.DataFrame({"kept": kept})
    for action in (MERGED, QUARANTINE):
        table[action] = per_action[action] if action in per_action else 0
    table = table.fillna(0).astype(int)
    table.insert(0, "rows_in", table.sum(axis=1))
    return table.rename_axis("source_file").reset_index().sort_values("source_file", ignore_index=True)

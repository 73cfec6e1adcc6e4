"""Where every input row went, as text for the terminal: per file, then per reason with examples."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

from firestats import activities, clean, training
from firestats.clean import FLAGGED, MERGED, QUARANTINE
from firestats.store import Dataset

ACCOUNT_KEYS = ("rows_in", "kept", "merged", "quarantined")
# What each reason means, for every record family (incident wording wins where codes coincide).
REASONS = {**activities.REASONS, **training.REASONS, **clean.REASONS}
# Merging the rows of one incident's responding units is how such exports work, not a problem.
EXPECTED_MERGES = {"unit_row"}
_ACTION_ORDER = {QUARANTINE: 0, MERGED: 1, FLAGGED: 2}  # what was left out first


def quality_summary(accounting: pd.DataFrame, problems: pd.DataFrame, notes: list[dict]) -> dict:
    """Rows in, kept, merged and quarantined per file and in all, with counts per reason."""
    per_file = accounting.set_index("source_file").reindex([n["source_file"] for n in notes], fill_value=0)
    files = [{**note, **per_file.loc[note["source_file"]].astype(int).to_dict()} for note in notes]
    totals = accounting[list(ACCOUNT_KEYS)].sum().astype(int).to_dict()
    reasons = (
        problems.groupby(["action", "reason"]).size().rename("rows").reset_index()
        .assign(description=lambda t: t["reason"].map(REASONS))
        .to_dict(orient="records")
    )
    return {"files": files, "totals": totals, "reasons": [{k: _plain(v) for k, v in r.items()} for r in reasons]}


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _pad(text: str, width: int) -> str:
    """Left-align text in a terminal, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)


def problem_rows(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems a user should look at: quarantined and flagged rows, and duplicate exports."""
    expected = (problems["action"] == MERGED) & problems["reason"].isin(EXPECTED_MERGES)
    return problems[~expected]


def unread_sheets(summary: dict[str, Any]) -> list[str]:
    """The workbook sheets a quality summary says were not read (cells but no header row)."""
    return [sheet for f in summary["files"] for sheet in f.get("ignored_sheets", [])]


def describe(dataset: Dataset, examples: int = 3) -> list[str]:
    """Lines that account for every row: a table per file, then each reason with example rows."""
    q = dataset.quality
    width = max([len(f["source_file"]) * 2 for f in q["files"]] + [10]) + 2
    lines = [_pad("file", width) + "".join(f"{k:>12}" for k in ACCOUNT_KEYS)]
    for f in q["files"]:
        lines.append(_pad(f["source_file"], width) + "".join(f"{f[k]:>12}" for k in ACCOUNT_KEYS))
    lines.append(_pad("total", width) + "".join(f"{q['totals'][k]:>12}" for k in ACCOUNT_KEYS))
    unread = unread_sheets(q)
    if unread:
        lines.append(f"not read, no header row in the first rows: {', '.join(unread)}")
    order = dataset.problems["action"].map(_ACTION_ORDER)
    problems = dataset.problems.assign(_order=order).sort_values(["_order", "reason"], kind="stable")
    for (_, action, reason), rows in problems.groupby(["_order", "action", "reason"], sort=False):
        lines.append(f"{action} · {reason} · {len(rows)} row(s): {REASONS.get(reason, reason)}")
        for _, row in rows.head(examples).iterrows():
            where = f"{row['source_file']} row {row['source_row']}"
            cell = f", column {row['column']} = {row['value']!r}" if row["column"] else ""
            lines.append(f"    {where}{cell}")
    return lines


def _mine(frame: pd.DataFrame, date: str, station: str, year: int) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[((frame["station"] == station) & (frame[date].dt.year == year)).fillna(False).astype(bool)]


def station_year_problems(dataset: Dataset, station: str, year: int) -> pd.DataFrame:
    """The problem rows attributed to one station's year, of every record family."""
    p = dataset.problems
    return p[((p["station"] == station) & (p["year"] == year)).fillna(False).astype(bool)]


def station_year_files(dataset: Dataset, station: str, year: int) -> pd.DataFrame:
    """Per file, the rows of one station's year: rows in = kept + merged + quarantined."""
    kept = pd.concat([
        _mine(dataset.incidents, "received_at", station, year)["source_file"],
        *(_mine(f, "date", station, year)["source_file"] for f in (dataset.assessments, dataset.activities)
          if not f.empty),
    ]).value_counts()
    problems = station_year_problems(dataset, station, year)
    counted = problems[problems["action"].isin([MERGED, QUARANTINE])].drop_duplicates(
        ["source_file", "source_row", "column"])
    per_action = counted.groupby(["source_file", "action"]).size().unstack(fill_value=0)
    table = pd.DataFrame({"kept": kept})
    for action in (MERGED, QUARANTINE):
        table[action] = per_action[action] if action in per_action else 0
    table = table.fillna(0).astype(int)
    table.insert(0, "rows_in", table.sum(axis=1))
    return table.rename_axis("source_file").reset_index().sort_values("source_file", ignore_index=True)


def unattributed(dataset: Dataset) -> int:
    """Quarantined rows whose station or year could not be read (they belong to no station's report)."""
    p = dataset.problems
    lost = p[(p["action"] == QUARANTINE) & (p["station"].isna() | p["year"].isna())]
    return len(lost.drop_duplicates(["source_file", "source_row"]))

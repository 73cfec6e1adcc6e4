"""Where every input row went: the quality summary written beside the data, and its text for the terminal."""

from __future__ import annotations

import unicodedata

import pandas as pd

from firestats.catalogue import action_word, shown_in, table_heading, term
from firestats.ingest.mapping import Mapping
from firestats.store.dataset import Dataset
from firestats.store.layout import skipped_files, unread_sheets
from firestats.vocabulary.messages import _, console_language
from firestats.vocabulary.problems import ACCOUNT_KEYS, FLAGGED, MERGED, QUARANTINE, reason_text

# Merges that are no problem: a unit's row folded into its incident, and a copy of an incident another export (or
# the same, exported twice) holds too, as overlapping monthly exports and a CSV beside its XLSX do.
EXPECTED_MERGES = {"unit_row", "duplicate"}
_ACTION_ORDER = {QUARANTINE: 0, MERGED: 1, FLAGGED: 2}  # what was left out first


def quality_summary(accounting: pd.DataFrame, problems: pd.DataFrame, notes: list[dict]) -> dict:
    """Rows in, kept, merged and quarantined per file and in all, counts per family and reason, and the
    quarantined rows no station's year can claim (``unattributed``, rows)."""
    # A file's rows can be accounted in two parts: those its lines lost and those its records lost.
    per_file = accounting.groupby("source_file")[list(ACCOUNT_KEYS)].sum()
    per_file = per_file.reindex([n["source_file"] for n in notes], fill_value=0)
    files = [{**note, **per_file.loc[note["source_file"]].astype(int).to_dict()} for note in notes]
    totals = accounting[list(ACCOUNT_KEYS)].sum().astype(int).to_dict()
    counts = problems.groupby(["family", "action", "reason"]).size().rename("rows").reset_index()
    counts["description"] = [reason_text(f, r) for f, r in zip(counts["family"], counts["reason"])]
    reasons = [{k: _plain(v) for k, v in r.items()} for r in counts.to_dict(orient="records")]
    return {"files": files, "totals": totals, "reasons": reasons, "unattributed": unattributed(problems)}


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def unattributed(problems: pd.DataFrame) -> int:
    """Quarantined rows whose station or year could not be read (they belong to no station's report)."""
    lost = problems[(problems["action"] == QUARANTINE) & (problems["station"].isna() | problems["year"].isna())]
    return len(lost.drop_duplicates(["source_file", "source_row"]))


def _width(text: str) -> int:
    """Columns a text takes in a terminal, a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    """Left-align text in a terminal."""
    return text + " " * max(width - _width(text), 1)


def _right(text: str, width: int) -> str:
    """Right-align text in a terminal."""
    return " " * max(width - _width(text), 1) + text


def problem_rows(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems a user should look at: quarantined and flagged rows (merged copies are accounted, not
    problems; a copy whose values differ is flagged)."""
    expected = (problems["action"] == MERGED) & problems["reason"].isin(EXPECTED_MERGES)
    return problems[~expected]


def describe(dataset: Dataset, examples: int = 3, mapping: Mapping | None = None) -> list[str]:
    """Lines that account for every row: a table per file, then each reason with example rows. A Chinese console
    reads the catalogue's words (输入行, 隔离 …); an English one the keys scripts read (rows_in, quarantined …). The
    ``mapping``'s exclusion rules that left out no row are named: a rule that matches nothing is likely mistyped."""
    q = dataset.quality
    chinese = console_language() == "zh"
    width = max([_width(f["source_file"]) for f in q["files"]] + [10]) + 2
    head = [term(e.key) for e in shown_in("accounting")] if chinese else list(ACCOUNT_KEYS)
    columns = [max(_width(h), 10) + 2 for h in head]
    file, total = (table_heading("file"), table_heading("total")) if chinese else ("file", "total")
    lines = [_pad(file, width) + "".join(map(_right, head, columns))]
    for name, counts in [*((f["source_file"], f) for f in q["files"]), (total, q["totals"])]:
        lines.append(_pad(name, width) + "".join(_right(str(counts[k]), c) for k, c in zip(ACCOUNT_KEYS, columns)))
    unread = unread_sheets(q)
    if unread:
        lines.append(_("not read, no header row in the first rows: {sheets}").format(sheets=", ".join(unread)))
    lines += [_("not read (not an export): {file}").format(file=line) for line in skipped_files(q)]
    if q.get("incident_types"):
        lines.append(_("incidents by type: {counts}").format(
            counts=" · ".join(f"{t} {n}" for t, n in q["incident_types"].items())))
    lines += [_("given the mapping's default for {field}: {n} row(s) (no value or pattern matched)").format(
        field=field, n=n) for field, n in q.get("defaulted", {}).items() if n]
    excluded = set(dataset.problems.loc[dataset.problems["reason"] == "excluded", "value"])
    lines += [_("the mapping's rule to exclude {rule} matched no row").format(rule=rule.describe())
              for rule in (mapping.exclude if mapping else ()) if rule.describe() not in excluded]
    order = dataset.problems["action"].map(_ACTION_ORDER)
    problems = dataset.problems.assign(_order=order).sort_values(["_order", "family", "reason"], kind="stable")
    for (_order, family, action, reason), rows in problems.groupby(["_order", "family", "action", "reason"],
                                                                   sort=False):
        lines.append(_("{action} · {reason} · {n} row(s): {text}").format(
            action=action_word(action) if chinese else action, reason=reason, n=len(rows),
            text=reason_text(family, reason)))
        for _row, row in rows.head(examples).iterrows():
            where = _("{file} row {row}").format(file=row["source_file"], row=row["source_row"])
            cell = _(", column {column} = {value!r}").format(column=row["column"], value=row["value"]) \
                if row["column"] else ""
            lines.append(f"    {where}{cell}")
    return lines

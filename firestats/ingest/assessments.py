"""Training assessments (训练考核成绩): score sheets in, one record per person, item and test out.

Sheets come in long form (one row per person, item and test) or wide form (one column per
item, the usual Excel layout); both become one record per person, item and test. Every
record is kept or quarantined with a reason; absent (缺考, blank) and exempt (免考) records are
kept with their status and count in no rate.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from firestats.errors import InputError
from firestats.ingest import parse
from firestats.ingest.problems import record_problems
from firestats.ingest.readers import match_headers
from firestats.ingest.stations import normalise_stations
from firestats.vocabulary.items import catalogue, item_names, lookup_table, spec
from firestats.vocabulary.problems import FLAGGED, QUARANTINE
from firestats.vocabulary.spelling import normalise_header

RECORD_COLUMNS = ["date", "station", "kind", "person", "position", "age", "item", "raw_result", "result",
                  "status", "rank", "source_file", "source_row", "source_column"]
PRESENT, ABSENT, EXEMPT = "present", "absent", "exempt"


def headers() -> set[str]:
    """Every header spelling of a score sheet, item names included, normalised."""
    names = {normalise_header(a) for spellings in spec()["headers"].values() for a in spellings}
    return names | set(item_names())


def to_records(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One score sheet (long or wide) as records, and the problem rows of those quarantined."""
    columns = [c for c in frame.columns if c not in ("source_file", "source_row")]
    found = match_headers(columns, spec()["headers"])
    # A column named twice was made unique by the reader (3000米跑（2）): it is the same item.
    item_columns = {c: item_names()[_named(c)] for c in columns if _named(c) in item_names()}
    missing = [f for f in ("date", "person", "station") if f not in found]
    if missing or not (("item" in found and "result" in found) or item_columns):
        raise InputError(f"{source}: not a score sheet: needs 日期, 姓名, 站 and either 科目 + 成绩 or one column "
                         f"per item; columns found: {', '.join(map(str, columns))}")
    shared = {f: frame[found[f]] if f in found else pd.Series(pd.NA, index=frame.index, dtype=object)
              for f in ("date", "kind", "person", "position", "station", "age", "birth_date", "rank")}
    base = pd.DataFrame({**shared, "source_file": frame["source_file"], "source_row": frame["source_row"]})
    if "item" in found and "result" in found:
        long = base.assign(item_cell=frame[found["item"]], raw=frame[found["result"]], source_column="")
    else:
        long = pd.concat([base.assign(item_cell=name, raw=frame[col], source_column=col)
                          for col, name in item_columns.items()], ignore_index=True)
    kept, problems = _clean(long.reset_index(drop=True))
    named = pd.Series(item_columns)
    repeated = named.index[named.duplicated(keep=False)] if "item" not in found else []
    twice = kept["source_column"].isin(repeated)
    return kept, pd.concat([problems, record_problems(kept, twice, FLAGGED, "repeated_item", kept["source_column"],
                                                      kept["raw_result"])], ignore_index=True)


def _named(column: str) -> str:
    """A header as item names are written, without the （2） the reader adds to a repeated name."""
    return normalise_header(re.sub(r"（\d+）$", "", column))


def _clean(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = pd.DataFrame(index=long.index)
    out["date"] = parse.timestamps(long["date"]).dt.normalize()
    out["station"] = normalise_stations(long["station"])
    out["kind"] = parse.lookup(parse.replace(parse.text(long["kind"]), r"\s", ""), lookup_table("kinds"))
    out["person"] = parse.replace(parse.text(long["person"]), r"\s", "")
    out["position"] = parse.text(long["position"])
    out["age"] = _ages(long, out["date"])
    out["item"] = parse.lookup(parse.replace(parse.text(long["item_cell"]), r"\s", ""), item_names())
    raw = parse.text(long["raw"])
    out["raw_result"] = raw
    status = parse.lookup(parse.replace(raw, r"\s", ""), lookup_table("statuses"))
    out["status"] = status.fillna(PRESENT).where(raw.notna(), ABSENT)
    out["result"] = results(long["raw"], out["item"]).where(out["status"] == PRESENT)
    out["rank"] = parse.numbers(parse.extract(parse.text(long["rank"]), r"(?P<n>\d+)")["n"]).astype("Int64")
    for column in ("source_file", "source_row", "source_column"):
        out[column] = long[column]

    checks = {
        "missing_date": parse.is_blank(long["date"]),
        "bad_date": out["date"].isna() & ~parse.is_blank(long["date"]),
        "missing_person": out["person"].isna(),
        "missing_station": out["station"].isna(),
        "unknown_kind": out["kind"].isna(),
        "unknown_item": out["item"].isna(),
        "bad_result": (out["status"] == PRESENT) & out["result"].isna() & out["item"].notna(),
    }
    # Kept, but an item scored by age group cannot be scored: said, not silently left out.
    no_age = (out["status"] == PRESENT) & out["result"].notna() & out["age"].isna() & ~pd.concat(
        checks.values(), axis=1).any(axis=1)
    problems = pd.concat([record_problems(out, mask, QUARANTINE, reason, out["source_column"], out["raw_result"])
                          for reason, mask in checks.items()]
                         + [record_problems(out, no_age, FLAGGED, "missing_age", "", None)], ignore_index=True)
    bad = pd.concat(checks.values(), axis=1).any(axis=1)
    return out[~bad].reset_index(drop=True)[RECORD_COLUMNS], problems


def _ages(long: pd.DataFrame, dates: pd.Series) -> pd.Series:
    """Age in whole years at the test: the age column (28, 28岁), or from the birth date or the
    birth month a 出生年月 column holds (1995.03, 1995年3月: taken as the 1st of the month)."""
    age = parse.numbers(parse.replace(parse.text(long["age"]), r"\s*(?:岁|周岁)$", ""))
    born = parse.timestamps(long["birth_date"])
    month = parse.extract(parse.text(long["birth_date"]), r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?$")
    first = pd.to_datetime(month["y"] + "-" + month["m"] + "-01", format="%Y-%m-%d", errors="coerce")
    born = born.fillna(first)
    years = dates.dt.year - born.dt.year - ((dates.dt.month * 100 + dates.dt.day) < (born.dt.month * 100 + born.dt.day))
    return age.fillna(years.astype("float64"))


def results(cells: pd.Series, items: pd.Series) -> pd.Series:
    """Results in each item's unit: seconds for timed items, repetitions for counts.

    Timed: ``12'35"``, ``12分35秒``, ``12:35``, ``755`` and, for long runs, ``12.35`` (12'35").
    Counts: ``15``, ``15个``, ``15次``.
    """
    units = items.map({name: i.unit for name, i in catalogue().items()})
    dotted_items = {name for name, i in catalogue().items() if i.dotted_minutes}
    out = pd.Series(np.nan, index=cells.index, dtype="float64")
    timed = (units == "s").fillna(False).astype(bool)
    out[timed] = parse.durations(cells[timed])
    text = parse.text(cells)
    dotted = timed & items.isin(dotted_items) & parse.matches(text, r"^\d{1,2}\.\d{2}$")
    if dotted.any():
        minutes = parse.extract(text[dotted], r"^(?P<m>\d{1,2})\.(?P<s>\d{2})$").apply(pd.to_numeric)
        out[dotted] = minutes["m"] * 60 + minutes["s"]
    counted = (units.isin(["reps", "m"])).fillna(False).astype(bool)
    out[counted] = parse.numbers(cells[counted])
    # Beyond an item's slowest plausible time, hours:minutes (an Excel time cell) means minutes:seconds.
    limit = items.map({name: i.max_s for name, i in catalogue().items()}).astype("float64")
    too_slow = timed & (out > limit).fillna(False)
    out[too_slow & (out % 60 == 0)] = out / 60
    return out.where((out >= 0) & ~(out > limit).fillna(False))

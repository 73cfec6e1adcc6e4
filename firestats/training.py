"""Training assessments (训练考核成绩): score sheets in, scored results and a year's figures out.

Sheets come in long form (one row per person, item and test) or wide form (one column per
item, the usual Excel layout); both become one record per person, item and test. Every
record is kept or quarantined with a reason; absent (缺考, blank) and exempt (免考) records are
kept with their status and count in no rate. Rates are shares 0..1 of the scored results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from firestats import parse
from firestats.catalogue import catalogue, item_names, lookup_table, spec
from firestats.clean import QUARANTINE, normalise_stations, record_problems
from firestats.privacy import mask_name
from firestats.readers import InputError, match_headers, normalise_header, unique_names
from firestats.scoring import ScoreTable

KINDS = ("周测", "月考", "比武")
RECORD_COLUMNS = ["date", "station", "kind", "person", "position", "age", "item", "raw_result", "result",
                  "status", "rank", "source_file", "source_row", "source_column"]
REASONS: dict[str, str] = {
    "missing_date": "缺少考核日期",
    "bad_date": "考核日期无法识别",
    "missing_person": "缺少姓名",
    "missing_station": "缺少站名",
    "unknown_kind": "考核类型无法识别（周测/月考/比武）",
    "unknown_item": "科目不在科目表中（可在 assessments.yaml 中补充）",
    "bad_result": "成绩无法识别",
}
PRESENT, ABSENT, EXEMPT = "present", "absent", "exempt"


def headers() -> set[str]:
    """Every header spelling of a score sheet, item names included, normalised."""
    names = {normalise_header(a) for spellings in spec()["headers"].values() for a in spellings}
    return names | set(item_names())


def to_records(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One score sheet (long or wide) as records, and the problem rows of those quarantined."""
    columns = [c for c in frame.columns if c not in ("source_file", "source_row")]
    found = match_headers(columns, spec()["headers"])
    item_columns = {c: item_names()[normalise_header(c)] for c in columns if normalise_header(c) in item_names()}
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
    return _clean(long.reset_index(drop=True))


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
    problems = pd.concat([record_problems(out, mask, QUARANTINE, reason, out["source_column"], out["raw_result"])
                          for reason, mask in checks.items()], ignore_index=True)
    bad = pd.concat(checks.values(), axis=1).any(axis=1)
    return out[~bad].reset_index(drop=True)[RECORD_COLUMNS], problems


def _ages(long: pd.DataFrame, dates: pd.Series) -> pd.Series:
    """Age in whole years at the test: the age column, or the birth date taken from the test date."""
    age = parse.numbers(long["age"])
    born = parse.timestamps(long["birth_date"])
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
    return out.where(out >= 0)


def of_station_year(records: pd.DataFrame, station: str, year: int) -> pd.DataFrame:
    """The records of one station's year (scoring only these keeps a report's cost to its own data)."""
    if records.empty:
        return records
    return records[((records["station"] == station) & (records["date"].dt.year == year)).fillna(False).astype(bool)]


def score(records: pd.DataFrame, table: ScoreTable) -> pd.DataFrame:
    """Records with ``points`` and ``grade`` (scored results only; others NaN / NA)."""
    scored = table.score_frame(records.assign(result=records["result"].where(records["status"] == PRESENT)))
    return scored


def _rates(scored: pd.DataFrame, table: ScoreTable) -> dict[str, Any]:
    points = scored["points"].dropna()
    if points.empty:
        return {"n": 0, "pass_rate": None, "excellent_rate": None, "mean_points": None}
    return {
        "n": int(points.size),
        "pass_rate": float((points >= table.cutoffs["pass"]).mean()),
        "excellent_rate": float((points >= table.cutoffs["excellent"]).mean()),
        "mean_points": round(float(points.mean()), 2),
    }


def training_figures(scored: pd.DataFrame, station: str, year: int, table: ScoreTable,
                     show_names: bool = False) -> dict[str, Any] | None:
    """A station's assessment figures for a year; None when it has no assessment records.

    Rates are shares 0..1 of scored results (absent and exempt records count in none);
    points are the score table's; names are masked (张*三) unless ``show_names``.
    """
    mine = scored[(scored["station"] == station) & (scored["date"].dt.year == year)]
    if mine.empty:
        return None
    name = (lambda n: n) if show_names else mask_name
    present = mine[mine["status"] == PRESENT]
    sessions = mine.drop_duplicates(["date", "kind"])
    by_item = {item: _rates(rows, table) for item, rows in present.groupby("item", sort=True)}
    ranked = sorted((item for item in by_item if by_item[item]["n"]),
                    key=lambda i: (by_item[i]["pass_rate"], by_item[i]["excellent_rate"], by_item[i]["mean_points"]))
    placed = mine[(mine["kind"] == "比武") & mine["rank"].notna()].drop_duplicates(["date", "person"])
    competitions = placed.sort_values(["date", "rank"], kind="stable")
    trend = present.groupby(["person", present["date"].dt.month])["points"].mean().round(2)
    return {
        "score_table": {"version": table.version, "title": table.title, "official": table.official},
        "tests": {k: int((sessions["kind"] == k).sum()) for k in KINDS},
        "participants": int(present["person"].nunique()),
        "results": int(len(present)),
        "absent": int((mine["status"] == ABSENT).sum()),
        "exempt": int((mine["status"] == EXEMPT).sum()),
        "overall": _rates(present, table),
        "by_item": by_item,
        "by_month": {int(m): _rates(rows, table) for m, rows in present.groupby(present["date"].dt.month)},
        "weakest_items": ranked[:3],
        "strongest_items": ranked[::-1][:3],
        "competitions": [{"date": f"{r.date:%Y-%m-%d}", "person": name(r.person), "rank": int(r.rank)}
                         for r in competitions.itertuples()],
        "people": dict(zip(unique_names([name(p) for p in trend.index.unique(level=0)]),
                           ({int(m): float(v) for m, v in rows.droplevel(0).items()}
                            for _, rows in trend.groupby(level=0)))),
    }



def weekly_rates(scored: pd.DataFrame, station: str, year: int, table: ScoreTable) -> pd.DataFrame:
    """Each weekly test (周测) of the year: ISO week, scored results, pass and excellent rates (0..1)."""
    mine = scored[(scored["station"] == station) & (scored["date"].dt.year == year) & (scored["kind"] == "周测")]
    points = mine.dropna(subset=["points"])
    grouped = points.groupby(points["date"].dt.isocalendar().week.astype(int))["points"]
    return pd.DataFrame({
        "n": grouped.size(),
        "pass_rate": grouped.apply(lambda p: (p >= table.cutoffs["pass"]).mean()),
        "excellent_rate": grouped.apply(lambda p: (p >= table.cutoffs["excellent"]).mean()),
    }).rename_axis("week")

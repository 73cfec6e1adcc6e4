"""Exports as offices really produce them: every spelling read, every row accounted, nothing kept that no
export could mean. Each case is a small file made here; each test asserts the accounting and the figures."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from firestats.compute.assessments import weekly_rates
from firestats.compute.scoring import load_table
from firestats.compute.station import compute, station_figures
from firestats.errors import InputError
from firestats.ingest import assessments as training
from firestats.ingest import parse
from firestats.ingest.prepare import build

HEADER = "警情编号,出动站,接警时间,出动时间,到场时间,警情类型,抢救人数,挽回损失\n"


def accounted(dataset) -> None:
    totals = dataset.quality["totals"]
    assert totals["rows_in"] == totals["kept"] + totals["merged"] + totals["quarantined"]


def export(tmp_path, lines: list[str], name: str = "警情.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("cell, expected", [
    ("2024-03-05T10:00:00+08:00", "2024-03-05 10:00:00"),
    ("2024-03-05T02:00:00Z", "2024-03-05 10:00:00"),
    ("2024-03-05 10:00:00 +0800", "2024-03-05 10:00:00"),
    ("2024-03-04T22:00:00-04:00", "2024-03-05 10:00:00"),
    ("2024/3/5 下午 3:00", "2024-03-05 15:00:00"),
    ("2024/3/5 上午 9:05", "2024-03-05 09:05:00"),
])
def test_offsets_and_half_day_words_are_read_as_china_time(cell, expected):
    assert parse.timestamps(pd.Series([cell], dtype=object)).iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("marker", ["NA", "N/A", "null", "-", "—", "无", "  n/a "])
def test_missing_value_markers_are_blank_not_unreadable(tmp_path, marker):
    data = build([export(tmp_path, [f"A1,城东站,2024-03-05 10:00,{marker},{marker},火灾,{marker},{marker}"])])
    accounted(data)
    assert len(data.incidents) == 1 and data.problems.empty
    figures = compute(data, "城东站", 2024).figures
    assert figures["people"]["rescued"] is None and figures["response"]["dispatch_to_arrival"]["n"] == 0


def test_invisible_characters_do_not_make_look_alike_stations(tmp_path):
    data = build([export(tmp_path, ["A1,城\u200d东站,2024-03-05 10:00,,,火灾,,",
                                    "A2,\ufeff城东\u200b站,2024-03-06 10:00,,,火灾,,",
                                    "A3,城东站,2024-03-07 10:00,,,火灾,,"])])
    assert data.incidents["station"].unique().tolist() == ["城东站"]
    assert station_figures(data, "城东", 2024)["incidents"]["total"] == 3


def test_station_names_are_matched_whatever_their_case(tmp_path):
    data = build([export(tmp_path, ["A1,Soho,2024-03-05 10:00,,,火灾,,"])])
    assert station_figures(data, "soho", 2024)["station"] == "Soho"


def test_notes_beside_the_exports_are_left_out_and_named(tmp_path):
    export(tmp_path, ["A1,城东站,2024-03-05 10:00,,,火灾,,"])
    (tmp_path / "SOURCE.txt").write_text("Downloaded from the city's open data portal.\n", encoding="utf-8")
    (tmp_path / "中队地址_已地理编码.csv").write_text("名称,经度,纬度\n城东中队,120.1,30.2\n", encoding="utf-8")
    data = build([tmp_path])
    accounted(data)
    skipped = {f["source_file"] for f in data.quality["files"] if f.get("skipped")}
    assert skipped == {"SOURCE.txt", "中队地址_已地理编码.csv"} and len(data.incidents) == 1
    with pytest.raises(InputError, match="SOURCE.txt"):  # named on its own, it is refused
        build([tmp_path / "SOURCE.txt"])


def test_a_file_named_twice_is_read_once(tmp_path):
    path = export(tmp_path, ["A1,城东站,2024-03-05 10:00,,,火灾,,", "A2,城东站,2024-03-06 10:00,,,火灾,,"])
    data = build([tmp_path, path])
    accounted(data)
    assert data.quality["totals"]["rows_in"] == 2 and len(data.incidents) == 2


def test_years_no_export_means_are_quarantined_and_far_times_blanked(tmp_path):
    data = build([export(tmp_path, [
        "A1,城东站,1899-12-30 10:00,,,火灾,,", "A2,城东站,2099-01-01 10:00,,,火灾,,",
        "A3,城东站,2024-03-05 10:00,2024-03-05 10:01,2200-03-05 10:05,火灾,,",
        "A4,城东站,2024-03-06 10:00,2024-03-06 10:01,2024-03-06 10:05,火灾,,"])])
    accounted(data)
    reasons = data.problems.set_index("incident_id")["reason"].to_dict()
    assert reasons["A1"] == reasons["A2"] == "implausible_received_at"
    assert reasons["A3"] == "implausible_time" and data.station_years() == [("城东站", 2024)]
    assert compute(data, "城东站", 2024).figures["response"]["dispatch_to_arrival"]["n"] == 1


def sheet(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame["source_file"] = "s.xlsx"
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def test_birth_months_ages_with_岁_and_time_cells_are_scored():
    base = {"日期": "2024-03-25", "考核类型": "月考", "站": "城东"}
    records, problems = training.to_records(sheet([
        {**base, "姓名": "甲", "出生年月": "1995.03", "3000米跑": "12'35\""},
        {**base, "姓名": "乙", "出生年月": "1995年3月", "3000米跑": dt.time(12, 35)},
        {**base, "姓名": "丙", "年龄": "28岁", "3000米跑": "12:35"},
    ]), "s.xlsx")
    assert problems.empty
    assert records["age"].tolist() == [29, 29, 28] and records["result"].tolist() == [755, 755, 755]
    scored = load_table("example-2024").score_frame(records)
    assert scored["points"].notna().all()


def test_a_result_without_an_age_is_flagged_and_figures_stay_valid_json():
    records, problems = training.to_records(sheet([
        {"日期": "2024-03-25", "考核类型": "月考", "站": "城东", "姓名": "甲", "3000米跑": "12'35\""}]), "s.xlsx")
    assert len(records) == 1 and problems["reason"].tolist() == ["missing_age"]
    from firestats.ingest.incidents import empty_result
    from firestats.ingest.store import Dataset

    data = Dataset(empty_result().incidents, problems.assign(family="assessments"), {"unattributed": 0}, records)
    figures = compute(data, "城东站", 2024).figures
    json.dumps(figures, allow_nan=False)  # raises on NaN
    assert figures["assessments"]["results"] == 1 and figures["assessments"]["overall"]["n"] == 0


def test_the_first_and_last_weekly_tests_of_a_year_are_different_weeks():
    records, _ = training.to_records(sheet([
        {"日期": day, "考核类型": "周测", "站": "城东", "姓名": "甲", "年龄": 28, "科目": "3000米跑", "成绩": "12'35\""}
        for day in ("2024-01-03", "2024-12-31")]), "s.xlsx")
    table = load_table("example-2024")
    weeks = weekly_rates(table.score_frame(records), table)
    assert weeks.index.tolist() == [1, 53]


def test_ledger_spellings_offices_use(tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("日期,站,类别,内容,数量\n"
                      "2024-03-01,城东站,实地演练,演练,1.5\n2024-03-02,城东站,奖励,青年文明号,1\n"
                      "2024-03-03,城东站,无人机,飞手培训,2 次\n2024-03-04,城东站,B2驾照,取得B2驾驶证,1\n",
                      encoding="utf-8")
    data = build([ledger])
    accounted(data)
    assert data.problems.empty
    activities = compute(data, "城东站", 2024).figures["activities"]
    assert activities["field_drills"] == 1.5 and activities["drone_pilots_trained"] == 2
    assert activities["licences"] == {"B2": 1} and activities["awards"][0]["content"] == "青年文明号"


def test_the_standard_name_of_the_weighted_100m_run_is_known():
    assert training.item_names()["100米负重折返跑"] == "100米负重跑"


def test_two_stations_numbering_their_incidents_alike_keep_both(tmp_path):
    """Ledgers that number incidents 1, 2, 3 at two stations are six incidents, not three merged."""
    east = export(tmp_path, ["1,城东站,2024-03-05 10:00,,,火灾,,", "2,城东站,2024-03-06 10:00,,,火灾,,"], "东.csv")
    west = export(tmp_path, ["1,城西站,2024-03-05 11:00,,,火灾,,", "2,城西站,2024-03-06 11:00,,,火灾,,"], "西.csv")
    data = build([east, west])
    accounted(data)
    assert len(data.incidents) == 4 and data.quality["totals"]["merged"] == 0
    again = build([east, east.parent])  # the same export twice over is still merged
    assert len(again.incidents) == 4


def test_a_title_line_without_trailing_commas_is_skipped_like_any_title(tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_bytes("江北站2024年工作台账\n日期,站,类别,内容,数量\n2024-03-01,江北站,实地演练,演练,2\n".encode("gb18030"))
    data = build([ledger])
    accounted(data)
    assert compute(data, "江北站", 2024).figures["activities"]["field_drills"] == 2


def test_a_row_with_an_extra_field_does_not_refuse_the_file(tmp_path):
    data = build([export(tmp_path, ["A1,城东站,2024-03-05 10:00,,,火灾,,,多余",
                                    "A2,城东站,2024-03-06 10:00,,,火灾,,"])])
    accounted(data)
    assert len(data.incidents) == 2


def test_an_english_export_without_a_mapping_is_told_to_use_one(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("Call Number,Unit,Received DtTm\n1,E01,2024-03-05 10:00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"use --mapping \(shipped: pudong, lfb, sf, dublin\)"):
        build([path])

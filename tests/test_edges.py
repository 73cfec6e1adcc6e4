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
from firestats.periods import Period
from firestats.store.preparation import build

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
    ("2024/3/5 凌晨 1:30", "2024-03-05 01:30:00"),  # each of 午, 上 and 晨 the byte search looks for, alone
    ("2024/3/5 晚上 9:00", "2024-03-05 21:00:00"),
    ("2024/3/5 中午 12:10", "2024-03-05 12:10:00"),
])
def test_offsets_and_half_day_words_are_read_as_china_time(cell, expected):
    assert parse.timestamps(pd.Series([cell], dtype=object)).iloc[0] == pd.Timestamp(expected)


@pytest.mark.slow
@pytest.mark.parametrize("marker", ["NA", "N/A", "null", "-", "—", "无", "  n/a "])
def test_missing_value_markers_are_blank_not_unreadable(tmp_path, marker):
    data = build([export(tmp_path, [f"A1,城东站,2024-03-05 10:00,{marker},{marker},火灾,{marker},{marker}"])])
    accounted(data)
    assert len(data.incidents) == 1 and data.problems.empty
    figures = compute(data, "城东站", Period(2024)).figures
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
    assert reasons["A3"] == "implausible_time" and data.station_years() == {"城东站": {2024}}
    assert compute(data, "城东站", Period(2024)).figures["response"]["dispatch_to_arrival"]["n"] == 1


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
    from firestats.store.dataset import Dataset
    from firestats.store.merging import empty_result

    data = Dataset(empty_result().incidents, problems.assign(family="assessments"), {"unattributed": 0}, records)
    figures = compute(data, "城东站", Period(2024)).figures
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
    activities = compute(data, "城东站", Period(2024)).figures["activities"]
    assert activities["field_drills"] == 1.5 and activities["drone_pilots_trained"] == 2
    assert activities["licences"] == {"B2": 1} and activities["awards"][0]["content"] == "青年文明号"


def test_a_ledger_kept_through_a_period_gives_0_for_what_it_logged_none_of(tmp_path):
    """A month with ledger rows logged no education: 0, left out of the draft's prose; a month without any
    ledger row has no activity figures at all (None)."""
    ledger = tmp_path / "台账.csv"
    ledger.write_text("日期,站,类别,内容,数量\n2024-03-01,城东站,实地演练,演练,2\n2024-05-01,城东站,实地演练,演练,1\n",
                      encoding="utf-8")
    data = build([ledger])
    march = compute(data, "城东站", Period(2024, "month", 3)).figures["activities"]
    assert march["field_drills"] == 2 and march["special_education"] == 0 and march["licences"] == {}
    assert march["awards"] == []
    assert compute(data, "城东站", Period(2024, "month", 4)).figures["activities"] is None


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
    assert compute(data, "江北站", Period(2024)).figures["activities"]["field_drills"] == 2


def test_an_english_export_without_a_mapping_is_told_to_use_one(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("Call Number,Unit,Received DtTm\n1,E01,2024-03-05 10:00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"use --mapping \(shipped: pudong, lfb, sf, dublin\)"):
        build([path])


def test_a_quote_that_never_closes_swallows_no_rows(tmp_path):
    """Six data lines are six incidents; the line with the stray quote is read literally and named."""
    lines = ['A1,城东站,2024-03-05 10:00,,,火灾,"人民路1号,']
    lines += [f"A{i},城东站,2024-03-{i + 4:02d} 10:00,,,火灾,1," for i in range(2, 7)]
    data = build([export(tmp_path, lines)])
    accounted(data)
    assert data.quality["totals"]["rows_in"] == 6 and len(data.incidents) == 6
    flagged = data.problems[data.problems["reason"] == "unclosed_quote"]
    assert flagged[["source_row", "column"]].values.tolist() == [[2, "抢救人数"]]
    assert data.incidents["rescued"].sum() == 5


def test_a_quoted_cell_over_two_lines_is_one_row(tmp_path):
    lines = ['A1,城东站,2024-03-05 10:00,,,火灾,,"1\n万元"', "A2,城东站,2024-03-06 10:00,,,火灾,,"]
    data = build([export(tmp_path, lines)])
    accounted(data)
    assert len(data.incidents) == 2 and data.problems.empty


def test_a_row_with_an_extra_field_is_quarantined_not_misread(tmp_path):
    """An unquoted comma shifts every cell after it: the row is left out with its reason, the file read."""
    data = build([export(tmp_path, ["A1,城东站,2024-03-05 10:00,,,火灾,,,多余",
                                    "A2,城东站,2024-03-06 10:00,,,火灾,,"])])
    accounted(data)
    assert data.quality["totals"] == {"rows_in": 2, "kept": 1, "merged": 0, "quarantined": 1}
    assert data.problems[["source_row", "reason", "value"]].values.tolist() == [[2, "extra_fields", "多余"]]


def test_a_sheet_and_a_file_of_one_name_are_accounted_apart(tmp_path):
    header = ["警情编号", "出动站", "接警时间", "警情类型"]
    with pd.ExcelWriter(tmp_path / "警情.xlsx") as book:
        pd.DataFrame([["A1", "城东站", "2024-03-05 10:00", "火灾"]], columns=header).to_excel(
            book, sheet_name="二月.csv", index=False)
        pd.DataFrame([["A2", "城东站", "2024-03-06 10:00", "火灾"]], columns=header).to_excel(
            book, sheet_name="三月", index=False)
    (tmp_path / "警情.xlsx!二月.csv").write_text(",".join(header) + "\nB1,城西站,2024-03-05 10:00,火灾\n")
    data = build([tmp_path])
    accounted(data)
    names = [f["source_file"] for f in data.quality["files"]]
    assert len(set(names)) == 3 and all(f["rows_in"] == 1 for f in data.quality["files"])


def test_a_station_merged_over_rows_is_every_rows_station(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["警情编号", "出动站", "接警时间", "警情类型"])
    for i in range(4):
        sheet.append([f"A{i}", "城东站" if i == 0 else None, f"2024-03-0{i + 1} 10:00", "火灾"])
    sheet.merge_cells("B2:B5")
    book.save(tmp_path / "merged.xlsx")
    data = build([tmp_path / "merged.xlsx"])
    accounted(data)
    assert data.incidents["station"].tolist() == ["城东站"] * 4 and data.problems.empty


def _shared_string_workbook(path, text_length: int, uses: int) -> None:
    """A workbook whose one shared string, ``text_length`` bytes, fills ``uses`` cells (written as Excel does)."""
    import zipfile

    import xlsxwriter

    small = path.with_suffix(".small.xlsx")
    book = xlsxwriter.Workbook(str(small))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["警情编号", "出动站", "接警时间", "警情类型"])
    for row in range(uses):
        sheet.write_string(row + 1, 0, "SAME")
    book.close()
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"SAME", b"A" * text_length)
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    small.unlink()


@pytest.mark.parametrize("text_length, uses, message", [
    (12_000_000, 50, "longer than an Excel cell can hold"),
    (190_000, 20_000, "repeats its text to 3,624 MB"),
])
def test_a_workbook_asking_for_more_memory_than_a_machine_has_is_refused(tmp_path, text_length, uses, message):
    path = tmp_path / "bomb.xlsx"
    _shared_string_workbook(path, text_length, uses)
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError, match=message):
        build([path])


def test_a_cell_at_the_far_corner_is_refused_before_it_is_read(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active["XFD1048576"] = "x"
    book.save(tmp_path / "corner.xlsx")
    with pytest.raises(InputError, match=r"1,048,576 rows × 16,384 columns"):
        build([tmp_path / "corner.xlsx"])
    (tmp_path / "警情.csv").write_text(HEADER + "A1,城东站,2024-03-05 10:00,,,火灾,,\n", encoding="utf-8")
    data = build([tmp_path])  # in a folder, the one file is left out and named
    assert len(data.incidents) == 1 and any(f.get("skipped") for f in data.quality["files"])


def test_a_wide_sheet_with_an_item_twice_keeps_both_results_and_says_so():
    records, problems = training.to_records(sheet([
        {"日期": "2024-03-25", "考核类型": "月考", "站": "城东", "姓名": "甲", "年龄": 28, "3000米跑": "12'35\"",
         "3000米跑（2）": "13'00\""}]), "s.xlsx")
    assert sorted(records["result"].tolist()) == [755, 780]
    assert problems["reason"].tolist() == ["repeated_item", "repeated_item"]


def test_exports_of_one_incident_that_disagree_are_flagged_and_seconds_kept(tmp_path):
    first = export(tmp_path, ["A1,城东站,2024-03-05 10:00,2024-03-05 10:01,,火灾,,"], "a.csv")
    second = export(tmp_path, ["A1,城东站,2024-03-05 10:00:36,2024-03-05 10:01:10,,抢险救援,,"], "b.csv")
    data = build([first, second])
    accounted(data)
    kept = data.incidents.iloc[0]
    assert kept["received_at"] == pd.Timestamp("2024-03-05 10:00:36") and kept["type"] == "火灾扑救"
    conflicts = data.problems[data.problems["reason"] == "conflicting_values"]
    assert conflicts[["source_file", "column"]].values.tolist() == [["b.csv", "type"]]


def test_clock_times_roll_past_midnight_step_by_step_and_none_precedes_the_call(tmp_path):
    from firestats.ingest.mapping import parse_mapping

    mapping = parse_mapping({"name": "clock", "fields": {
        "incident_id": "ID", "station": "Station", "received_at": {"date": "Date", "time": "Call"},
        "dispatched_at": {"time": "Order", "after": "received_at"},
        "arrived_at": {"time": "Arrive", "after": "received_at"},
        "cleared_at": {"time": "Leave", "after": "received_at"},
        "returned_at": {"time": "Back", "after": "received_at"},
        "type": {"column": "Kind", "default": "其他"}}}, "test")
    path = tmp_path / "calls.csv"
    path.write_text("ID,Station,Date,Call,Order,Arrive,Leave,Back,Kind\n"
                    "1,A,2024-03-05,23:50,23:52,23:59,06:10,07:00,F\n"  # a night-long call-out
                    "2,A,2024-03-05,16:07,14:45,16:20,16:50,17:00,F\n"  # ordered before the call
                    "3,A,2024-03-05,10:00,10:02,10:09,10:40,10:30,F\n", encoding="utf-8")  # back before leaving
    data = build([path], mapping)
    accounted(data)
    times = data.incidents.set_index("incident_id")
    assert times.loc["1", "returned_at"] == pd.Timestamp("2024-03-06 07:00")
    assert pd.isna(times.loc["2", "dispatched_at"])
    for name in ("dispatched_at", "arrived_at", "cleared_at", "returned_at"):
        assert not (data.incidents[name] < data.incidents["received_at"]).any()
    flags = data.problems.set_index("incident_id")[["reason", "column"]]
    assert flags.loc["2"].values.tolist() == ["time_before_call", "dispatched_at"]
    assert flags.loc["3"].values.tolist() == ["times_out_of_order", "returned_at"]

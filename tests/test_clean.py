import pandas as pd
import pytest

from firestats.compute import incidents as metrics
from firestats.errors import InputError
from firestats.ingest.incidents import normalise_types, to_canonical
from firestats.ingest.stations import normalise_stations
from firestats.schema import INCIDENT_TYPES
from firestats.store.merging import clean_incidents


def export(rows: list[dict], name: str = "a.csv") -> pd.DataFrame:
    """A raw export frame as a reader returns it, with provenance."""
    frame = pd.DataFrame(rows, dtype=object)
    frame["source_file"] = name
    frame["source_row"] = range(2, len(frame) + 2)
    return to_canonical(frame, name)


def row(id_: str, **cells) -> dict:
    base = {"警情编号": id_, "出动站": "城东", "接警时间": "2024-05-01 10:00:00", "出动时间": "2024-05-01 10:01:00",
            "到场时间": "2024-05-01 10:05:00", "警情类型": "火灾", "抢救人数": "", "挽回损失(万元)": ""}
    return {**base, **cells}


def test_station_spellings_resolve_to_one_name():
    names = pd.Series(["城东", "城东站", "城东消防救援站", " 城东中队 ", "城东消防站", "高新区站", None])
    assert normalise_stations(names).tolist()[:6] == ["城东站"] * 5 + ["高新区站"]
    assert pd.isna(normalise_stations(names).iloc[6])


def test_type_spellings_map_to_the_six_types():
    spellings = pd.Series(["火灾", "灭火", "抢险", "救助", "公务执勤", "虚假警情", "虚警", "其它", "待定"])
    assert normalise_types(spellings).tolist()[:8] == ["火灾扑救", "火灾扑救", "抢险救援", "社会救助", "安保勤务",
                                                       "虚假警", "虚假警", "其他"]
    assert pd.isna(normalise_types(spellings).iloc[8])
    assert set(normalise_types(spellings).dropna()) <= set(INCIDENT_TYPES)


def test_missing_required_column_names_file_and_field():
    frame = pd.DataFrame({"警情编号": ["1"], "出动站": ["城东"], "警情类型": ["火灾"],
                          "source_file": "x.csv", "source_row": 2})
    with pytest.raises(InputError, match=r"x\.csv: no column for 接警时间 \(received_at\)"):
        to_canonical(frame, "x.csv")


def test_every_row_is_kept_merged_or_quarantined():
    rows = [
        row("1"),
        row("1", **{"抢救人数": "3人"}),  # the same incident again, with a blank filled in
        row("2", **{"警情类型": "待定"}),  # unknown type
        row("3", **{"接警时间": "待补录"}),  # unreadable call time
        row("4", **{"出动站": ""}),
        row("5", **{"到场时间": "2024-05-01 09:59:00"}),  # arrival before dispatch
        row("6", **{"挽回损失(万元)": "1.5万"}),
        {"警情编号": "合计", "出动站": "6起"},
    ]
    result = clean_incidents([export(rows)])
    acc = result.accounting.iloc[0]
    assert (acc["rows_in"], acc["kept"], acc["merged"], acc["quarantined"]) == (8, 3, 1, 4)
    assert result.incidents["incident_id"].tolist() == ["1", "5", "6"]
    merged = result.incidents.set_index("incident_id")
    assert merged.loc["1", "rescued"] == 3
    assert merged.loc["6", "loss_averted_10k_yuan"] == 1.5

    reasons = result.problems.set_index("source_row")["reason"].to_dict()
    assert reasons == {3: "duplicate", 4: "unknown_type", 5: "bad_received_at", 6: "missing_station",
                       7: "arrival_before_dispatch", 9: "summary_row"}
    unknown = result.problems[result.problems["reason"] == "unknown_type"].iloc[0]
    assert (unknown["station"], unknown["year"], unknown["value"]) == ("城东站", 2024, "待定")


def test_arrival_before_dispatch_keeps_incident_without_response_time():
    result = clean_incidents([export([row("1"), row("2", **{"到场时间": "2024-05-01 10:00:30"})])])
    seconds = metrics.response_seconds(result.incidents)
    assert seconds["dispatch_to_arrival"].tolist()[0] == 240
    assert pd.isna(seconds["dispatch_to_arrival"].iloc[1]) and pd.isna(seconds["received_to_arrival"].iloc[1])
    assert result.incidents["flag_arrival_before_dispatch"].tolist() == [False, True]


def test_unreadable_optional_values_are_blanked_and_listed():
    result = clean_incidents([export([row("1", **{"出动时间": "昨天", "抢救人数": "-2", "挽回损失(万元)": "很多"})])])
    assert len(result.incidents) == 1
    listed = result.problems[["reason", "column", "value"]].to_dict(orient="records")
    assert {"reason": "bad_timestamp", "column": "dispatched_at", "value": "昨天"} in listed
    assert {"reason": "negative_number", "column": "rescued", "value": "-2"} in listed
    assert {"reason": "bad_number", "column": "loss_averted_10k_yuan", "value": "很多"} in listed
    assert result.problems["action"].eq("flagged").all()


def test_duplicates_across_files_are_merged():
    first = export([row("1"), row("2")], "h1.csv")
    second = export([row("2"), row("3")], "h2.xlsx")
    result = clean_incidents([first, second])
    assert result.accounting.set_index("source_file")[["kept", "merged"]].to_dict("index") == {
        "h1.csv": {"kept": 2, "merged": 0}, "h2.xlsx": {"kept": 1, "merged": 1}}

"""Real public exports (../shared/real-data) through the shipped mappings, against plain pandas.

Each expectation below is computed straight from the file with pandas, without firestats, the
way an analyst would check a figure by hand.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import pairs, visit
from test_overview import assert_as_computed

from firestats.compute import incidents as metrics
from firestats.compute.places import UNIDENTIFIED
from firestats.compute.station import compute
from firestats.ingest.grid import degrees
from firestats.ingest.mapping import load_mapping
from firestats.periods import Period
from firestats.publish.overview import station_figures, stations_in
from firestats.store.preparation import build

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-data"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not REAL.is_dir(), reason=f"real exports not present at {REAL}")]


def chinese_station(name: str) -> str:
    return re.sub(r"(消防救援站|消防站|救援站|中队|站)$", "", name.strip()) + "站"


def in_order(received: pd.Series, dispatched: pd.Series, arrived: pd.Series) -> pd.Series:
    """False only where the arrival is recorded before the call or the dispatch (a missing time is no evidence)."""
    return ~((arrived < dispatched) | (arrived < received))


def pudong(frame: pd.DataFrame, times) -> pd.DataFrame:
    frame = frame.drop_duplicates(["立案时间", "所属队站", "火警地址"])
    received, dispatched, arrived = (times(frame[c]) for c in ("立案时间", "中队出动时间", "中队到场时间"))
    return pd.DataFrame({
        "station": frame["所属队站"].map(chinese_station),
        "received": received,
        "type": frame["实/虚警"].str.strip().map({"实警": "火灾扑救", "虚警": "虚假警"}),
        "call_to_arrival_s": (arrived - received).dt.total_seconds().where(in_order(received, dispatched, arrived)),
        "district": frame["所属街道"].str.strip().fillna(address_town(frame["火警地址"])),
    })


def address_town(address: pd.Series) -> pd.Series:
    """A few alarms have no 所属街道: their address, spaced by level, names the town second (浦东新区 周浦镇 …), or
    the district alone where a road comes second (浦东新区 S20 往东海大桥方向)."""
    levels = address.str.split()
    return levels.str[1].where(levels.str[1].str.endswith(("街道", "镇", "乡")), levels.str[0])


def pudong_csv() -> pd.DataFrame:
    frame = pd.read_csv(REAL / "pudong-fire-alarms" / "每日火警详情.csv", encoding="utf-8-sig", dtype=str)
    return pudong(frame, lambda s: pd.to_datetime(s, format="%m/%d/%Y %H:%M"))


def pudong_xlsx() -> pd.DataFrame:
    frame = pd.read_excel(REAL / "pudong-fire-alarms" / "每日火警详情.xlsx", engine="openpyxl")
    return pudong(frame.astype({"实/虚警": str, "所属队站": str}), lambda s: pd.to_datetime(s).dt.round("s"))


LFB_TYPES = {"Fire": "火灾扑救", "Special Service": "抢险救援", "False Alarm": "虚假警"}


def lfb(name: str) -> pd.DataFrame:
    frame = pd.read_csv(REAL / "lfb-incidents" / name, dtype=str)
    received = pd.to_datetime(frame["DateOfCall"] + " " + frame["TimeOfCall"], format="mixed")
    return pd.DataFrame({
        "station": frame["IncidentStationGround"].str.strip(),
        "received": received,
        "type": frame["IncidentGroup"].map(LFB_TYPES),
        "call_to_arrival_s": pd.to_numeric(frame["FirstPumpArriving_AttendanceTime"]),
        "district": frame["IncGeo_BoroughName"].str.strip(),
    })


SF_TYPES = {
    "Traffic Collision": "抢险救援", "Water Rescue": "抢险救援", "Gas Leak (Natural and LP Gases)": "抢险救援",
    "Electrical Hazard": "抢险救援", "Fuel Spill": "抢险救援", "HazMat": "抢险救援", "Explosion": "抢险救援",
    "Industrial Accidents": "抢险救援", "Extrication / Entrapped (Machinery, Vehicle)": "抢险救援",
    "Elevator / Escalator Rescue": "社会救助", "Citizen Assist / Service Call": "社会救助", "Assist Police": "社会救助",
}


def sf(name: str) -> pd.DataFrame:
    units = pd.read_csv(REAL / "sf-fire-calls" / name, dtype=str)
    units = units[units["Station Area"].fillna("").str.strip() != ""]
    when = {c: pd.to_datetime(units[c], format="%m/%d/%Y %I:%M:%S %p")
            for c in ("Received DtTm", "Dispatch DtTm", "On Scene DtTm")}
    units = units.assign(**when)
    incidents = units.groupby("Incident Number").agg(
        station=("Station Area", "first"), call=("Call Type", "first"), received=("Received DtTm", "min"),
        dispatched=("Dispatch DtTm", "min"), arrived=("On Scene DtTm", "min"),
        district=("Neighborhooods - Analysis Boundaries", "first"))
    kind = incidents["call"].map(SF_TYPES)
    kind = kind.fillna(pd.Series(np.where(incidents["call"].str.endswith("Fire"), "火灾扑救", None), kind.index))
    ok = in_order(incidents["received"], incidents["dispatched"], incidents["arrived"])
    return pd.DataFrame({
        "station": incidents["station"].str.strip(), "received": incidents["received"], "type": kind.fillna("其他"),
        "call_to_arrival_s": (incidents["arrived"] - incidents["received"]).dt.total_seconds().where(ok),
        "district": incidents["district"].str.strip(),
    })


def dublin() -> pd.DataFrame:
    frame = pd.read_csv(REAL / "dublin-fire-brigade" / "Fire Incident.csv", dtype=str)
    received = pd.to_datetime(frame["Date"] + " " + frame["TOC"], format="%d/%m/%Y %H:%M:%S")
    clock = pd.to_timedelta(frame["IA"])
    arrived = received.dt.normalize() + clock
    arrived = arrived.where(arrived >= received - pd.Timedelta(hours=12), arrived + pd.Timedelta(days=1))
    dispatched = received.dt.normalize() + pd.to_timedelta(frame["ORD"])
    dispatched = dispatched.where(dispatched >= received - pd.Timedelta(hours=12), dispatched + pd.Timedelta(days=1))
    desc = frame["Description"]
    kind = np.select([desc.str.contains("ALARM|AFA"), desc.str.startswith("F/"), desc.str.startswith("S/S")],
                     ["虚假警", "火灾扑救", "抢险救援"], "其他")
    return pd.DataFrame({
        "station": frame["Station Name"].str.replace("Rathfarnharm", "Rathfarnham"),
        "received": received, "type": kind,
        "call_to_arrival_s": (arrived - received).dt.total_seconds().where(in_order(received, dispatched, arrived)),
    })


CASES = {
    "pudong-csv": ("pudong", "pudong-fire-alarms/每日火警详情.csv", pudong_csv),
    "pudong-xlsx": ("pudong", "pudong-fire-alarms/每日火警详情.xlsx", pudong_xlsx),
    "lfb-2023": ("lfb", "lfb-incidents/df_i.csv", lambda: lfb("df_i.csv")),
    "lfb-2009": ("lfb", "lfb-incidents/LFB Incident data.csv", lambda: lfb("LFB Incident data.csv")),
    "sf-2020": ("sf", "sf-fire-calls/jnhamid_Fire_Department_Calls_for_Service.csv",
                lambda: sf("jnhamid_Fire_Department_Calls_for_Service.csv")),
    "sf-2009-2019": ("sf", "sf-fire-calls/tony-and-friends_Fire_Department_Calls_for_Service (1).csv",
                     lambda: sf("tony-and-friends_Fire_Department_Calls_for_Service (1).csv")),
    "dublin": ("dublin", "dublin-fire-brigade/Fire Incident.csv", dublin),
}


@pytest.mark.parametrize("case", list(CASES))
def test_shipped_mapping_matches_plain_pandas(case):
    mapping, path, independent = CASES[case]
    data = build([REAL / path], load_mapping(mapping))
    want = independent()
    want["year"] = want["received"].dt.year

    expected_pairs = {(s, int(y)): n for (s, y), n in want.groupby(["station", "year"]).size().items()}
    got_pairs = {(s, y): len(data.narrow(s, y).incidents) for s, y in pairs(data)}
    assert got_pairs == expected_pairs

    totals = data.quality["totals"]
    assert totals["rows_in"] == totals["kept"] + totals["merged"] + totals["quarantined"]
    assert metrics.type_counts(data.incidents).loc[lambda s: s > 0].to_dict() == want["type"].value_counts().to_dict()

    for (station, year), group in want.groupby(["station", "year"]):
        figures = compute(data, station, Period(year)).figures
        seconds = group["call_to_arrival_s"].dropna()
        got = figures["response"]["received_to_arrival"]
        assert got["n"] == len(seconds), (station, year)
        if len(seconds):
            assert got["median_s"] == pytest.approx(float(np.median(seconds))), (station, year)


@pytest.mark.parametrize("case", ["lfb-2023", "sf-2020", "pudong-csv", "dublin"])
def test_stations_side_by_side_are_each_stations_own_compute(case):
    """The overview's and a level's figures, counted over every station's rows at once, are each station's own
    compute's value for value under each export's standard, times and places (a year and a month of it)."""
    mapping, path, _ = CASES[case]
    data = build([REAL / path], load_mapping(mapping))
    year = max(y for _, y in pairs(data))
    for period in (Period(year), Period(year, "month", 3)):
        this, _ = station_figures(data, period)
        for station in stations_in(data, period)[:12]:
            assert_as_computed(this[station], compute(data, station, period, interval=False).figures, station)


# The London standard (the Home Office's) leaves out a total under a minute or over an hour.
HOME_OFFICE_S = (60, 3600)


@pytest.mark.parametrize("case", [c for c in CASES if c != "dublin"])  # Dublin's export names no district
def test_incidents_and_median_total_response_by_district_match_plain_pandas(case):
    """Every station-year's incidents and median call-to-first-arrival (seconds) per district (Pudong's 所属街道,
    London's borough, San Francisco's neighbourhood), against pandas grouping the file's own column: every district,
    an incident without one under 未识别, busiest first and 未识别 last; no median where none was timed."""
    mapping, path, independent = CASES[case]
    data = build([REAL / path], load_mapping(mapping))
    want = independent()
    want["district"] = want["district"].replace("", np.nan).fillna(UNIDENTIFIED)
    seconds = want["call_to_arrival_s"].where(want["call_to_arrival_s"].between(0, 86_400, inclusive="left"))
    want["s"] = seconds.where(seconds.between(*HOME_OFFICE_S)) if mapping == "lfb" else seconds
    for (station, year), mine in want.groupby(["station", want["received"].dt.year]):
        by = mine.groupby("district")["s"]
        counts, medians = by.size(), by.median()
        got = compute(data, station, Period(int(year)), interval=False).figures["places"]["districts"]
        assert {d: v["incidents"] for d, v in got.items()} == counts.to_dict(), (station, year)
        assert {d: v["median_s"] for d, v in got.items()} == pytest.approx(
            medians.astype(object).where(medians.notna(), None).to_dict()), (station, year)
        assert list(got) == sorted(counts.index, key=lambda d: (d == UNIDENTIFIED, -counts[d], d)), (station, year)


def test_an_export_without_people_or_loss_columns_gives_null_not_zero():
    """London's export has no rescued, evacuated or loss columns: those figures have no records."""
    data = build([REAL / "lfb-incidents/df_i.csv"], load_mapping("lfb"))
    station, year = pairs(data)[0]
    figures = compute(data, station, Period(year)).figures
    assert figures["incidents"]["total"] > 0
    assert figures["people"] == {"rescued": None, "evacuated": None} and figures["loss_averted_10k_yuan"] is None


def test_the_same_alarms_as_csv_and_xlsx_are_the_same_incidents():
    """Pudong's CSV is inside its XLSX, spelled differently: together they give the XLSX's incidents."""
    mapping = load_mapping("pudong")
    alone = build([REAL / "pudong-fire-alarms/每日火警详情.xlsx"], mapping)
    both = build([REAL / "pudong-fire-alarms/每日火警详情.csv", REAL / "pudong-fire-alarms/每日火警详情.xlsx"], mapping)
    assert len(both.incidents) == len(alone.incidents)
    totals = both.quality["totals"]
    assert totals["rows_in"] == totals["kept"] + totals["merged"] + totals["quarantined"]
    columns = ["incident_id", "station", "type", "received_at", "dispatched_at", "arrived_at"]
    pd.testing.assert_frame_equal(both.incidents[columns].sort_values("incident_id", ignore_index=True),
                                  alone.incidents[columns].sort_values("incident_id", ignore_index=True))
    assert not (both.problems["reason"] == "conflicting_values").any()  # the minute and the second agree


def test_no_dublin_time_precedes_its_call_and_crews_return_after_they_leave():
    """MAV (mobile and available: the crew leaves the scene) is cleared, CD (closing down) returned."""
    data = build([REAL / "dublin-fire-brigade/Fire Incident.csv"], load_mapping("dublin"))
    incidents = data.incidents
    for name in ("dispatched_at", "departed_at", "arrived_at", "cleared_at", "returned_at",
                 "first_unit_dispatched_at", "first_unit_departed_at"):  # the first unit's, turnout's and travel's too
        assert not (incidents[name] < incidents["received_at"]).any(), name
    assert incidents["returned_at"].notna().mean() > 0.99
    assert ((incidents["returned_at"] >= incidents["cleared_at"]) | incidents["cleared_at"].isna()
            | incidents["returned_at"].isna()).mean() > 0.99


def test_a_folder_with_notes_beside_the_exports_is_prepared():
    """The README's own example: SOURCE.txt beside San Francisco's exports is named, not fatal."""
    data = build([REAL / "sf-fire-calls"], load_mapping("sf"))
    assert {f["source_file"] for f in data.quality["files"] if f.get("skipped")} == {"SOURCE.txt"}
    assert len(data.incidents) > 0


def sf_segments(name: str) -> pd.DataFrame:
    """Per incident, the four segments by their definitions: call processing from the call to the first
    dispatch; turnout and travel of the unit first on scene; total from the call to the first on scene."""
    units = pd.read_csv(REAL / "sf-fire-calls" / name, dtype=str)
    units = units[units["Station Area"].fillna("").str.strip() != ""]
    stamps = ("Received DtTm", "Dispatch DtTm", "Response DtTm", "On Scene DtTm")
    units = units.assign(**{c: pd.to_datetime(units[c], format="%m/%d/%Y %I:%M:%S %p") for c in stamps})
    by = units.groupby("Incident Number", sort=False)
    on_scene = units.dropna(subset=["On Scene DtTm"])  # of two on scene in the same second, the first dispatched
    on_scene = on_scene.sort_values(["On Scene DtTm", "Dispatch DtTm", "Response DtTm"], kind="stable")
    first_on_scene = on_scene.drop_duplicates("Incident Number").set_index("Incident Number")
    incidents = by.agg(station=("Station Area", "first"), received=("Received DtTm", "min"),
                       dispatched=("Dispatch DtTm", "min"), arrived=("On Scene DtTm", "min"))
    incidents = incidents.join(first_on_scene[["Dispatch DtTm", "Response DtTm"]])

    def seconds(start, end):
        value = (incidents[end] - incidents[start]).dt.total_seconds()
        return value.where((value >= 0) & (value < 86_400) & in_order(incidents["received"], incidents["dispatched"],
                                                                        incidents["arrived"]))

    return pd.DataFrame({
        "station": incidents["station"].str.strip(), "year": incidents["received"].dt.year,
        "call_processing": seconds("received", "dispatched"), "turnout": seconds("Dispatch DtTm", "Response DtTm"),
        "travel": seconds("Response DtTm", "arrived"), "total": seconds("received", "arrived"),
    })


def test_san_francisco_segments_are_the_first_arriving_units_own():
    name = "jnhamid_Fire_Department_Calls_for_Service.csv"
    data = build([REAL / "sf-fire-calls" / name], load_mapping("sf"))
    want = sf_segments(name)
    checked = 0
    for (station, year), group in want.groupby(["station", "year"]):
        segments = compute(data, station, Period(year)).figures["response"]["segments"]
        for segment in ("call_processing", "turnout", "travel", "total"):
            values = group[segment].dropna()
            got = segments[segment]
            assert got["n"] == len(values), (station, year, segment)
            if len(values):
                median, p90 = np.percentile(values, [50, 90])
                assert got["median_s"] == pytest.approx(median, abs=1), (station, year, segment)
                assert got["p90_s"] == pytest.approx(p90, abs=1), (station, year, segment)
                checked += 1
    assert checked > 20


def test_london_total_response_is_the_first_pump_attendance_time():
    data = build([REAL / "lfb-incidents/df_i.csv"], load_mapping("lfb"))
    want = lfb("df_i.csv")
    want["year"] = want["received"].dt.year
    # The Home Office's figures leave out totals under a minute or over an hour.
    want = want[want["call_to_arrival_s"].between(60, 3600)]
    for (station, year), group in want.groupby(["station", "year"]):
        figures = compute(data, station, Period(year)).figures
        total = figures["response"]["segments"]["total"]
        assert total["n"] == len(group), (station, year)
        assert total["mean_s"] == pytest.approx(group["call_to_arrival_s"].mean()), (station, year)
        assert figures["response"]["standard"]["key"] == "uk"
        assert sum(figures["response"]["total_bands"].values()) == total["n"]


# A London and a San Francisco export (CASES' keys), each with a point per incident (London's from its grid where it
# gives no degrees), and its latest year's first station rendered by the CLI.
SHOWN = {"lfb": "lfb-2023", "sf": "sf-2020"}


@pytest.fixture(scope="module", params=list(SHOWN))
def rendered(request, tmp_path_factory) -> tuple[str, pd.DataFrame, Path]:
    """The mapping, the rendered station-year's incidents in plain pandas, and the folder of its outputs (page,
    draft, workbook)."""
    from click.testing import CliRunner

    from firestats.cli import main

    mapping = request.param
    _, export, independent = CASES[SHOWN[mapping]]
    data, out = tmp_path_factory.mktemp(f"{mapping}-data"), tmp_path_factory.mktemp(f"{mapping}-out")
    prepared = CliRunner().invoke(main, ["prepare", str(REAL / export), "--mapping", mapping, "--out", str(data)])
    assert prepared.exit_code == 0, prepared.output
    station, year = max(pairs(build([REAL / export], load_mapping(mapping))), key=lambda p: p[1])
    result = CliRunner().invoke(main, ["report", "--data", str(data), "--station", station, "--year", str(year),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    want = independent()
    return mapping, want[(want["station"] == station) & (want["received"].dt.year == year)], out / str(year)


def test_a_report_shows_what_the_export_has_and_says_what_it_lacks(rendered):
    """London has no dispatch column: its report leads with the call to the first pump, never n=0 or
    '100% missing'; San Francisco's is graded against NFPA 1710 with the thresholds the settings state. Both draw
    their incidents' points on a map, and the page stays within its 400 KB."""
    from firestats.compute.response import profile

    mapping, _, out = rendered
    page = next(out.glob("*.html")).read_text("utf-8")
    assert "n=0" not in page and "100.0%的警情缺少" not in page
    assert 'alt="警情地图"' in page and len(page.encode("utf-8")) <= 400_000  # a map from its points, in the budget
    standard = profile("uk" if mapping == "lfb" else "nfpa1710")
    assert f"对照标准：{standard['name']}" in page
    if mapping == "lfb":  # London's gap is a data note in English, never a finding; its labels are English
        assert "Call to first arrival, mean" in page and "The export has no dispatch time" in page
        assert "导出的警情记录没有" not in page and "segment_seconds" not in page
    else:
        assert "Call handling" in page and "1分04秒" in page and "4分钟" in page  # 64 s and 240 s, as graded
    docx = next(out.glob("*.docx"))
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    assert re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]", xml) == []  # an English summary


def test_london_and_san_francisco_pages_draw_every_incident_on_a_map_offline_within_400_kb(browser, rendered):
    """Opened in headless Chromium from file://, the page requests nothing but file: and data: URLs, draws its map
    (and every other image), places every incident of the station's year on it (London's without degrees from
    their grid point) and weighs under 400 KB."""
    _, mine, out = rendered
    n = len(mine)
    path = next(out.glob("*.html"))
    seen = visit(browser, path)
    seen.pop("page").close()
    assert [u for u in seen["requests"] if not u.startswith(("file:", "data:"))] == []
    assert not seen["errors"]
    assert "警情地图" in seen["drawn"] and all(seen["images"])
    assert f"有经纬度的警情{n}起（共{n}起）" in seen["text"]
    assert path.stat().st_size < 400_000


def test_the_draft_names_the_busiest_district_and_the_workbook_counts_each(rendered):
    """London's and San Francisco's English drafts name the station-year's busiest borough or neighbourhood with its
    incidents and share as pandas counts them, and the workbook's Places sheet gives every district's incidents."""
    _, mine, out = rendered
    counts = mine["district"].value_counts()
    busiest = min(counts.index, key=lambda d: (-counts[d], d))
    n = counts[busiest]
    text = "\n".join(p.text for p in docx.Document(next(out.glob("*.docx"))).paragraphs)
    assert f"By place, {busiest} had the most incidents ({n:,}, {n / len(mine):.1%})" in text
    rows: dict = {}
    for row in openpyxl.load_workbook(next(out.glob("*.xlsx")))["Places"].iter_rows(values_only=True):
        rows.setdefault(row[0], row[1])  # the first table's: incidents and arrival by place
    assert {d: rows.get(d) for d in counts.index} == counts.to_dict()


def test_london_incidents_without_degrees_are_placed_from_their_grid_point():
    """Three London incidents in five have no Latitude/Longitude (blank, or 0) but a British National Grid point, the
    centre of its 100 m square: every prepared incident has a point inside Greater London, those the export gives in
    degrees keep them (-4.50755e-05 too), and for those the centre of their square lies within its half-diagonal
    (71 m, and the conversion's few metres) of their degrees."""
    frame = pd.read_csv(REAL / "lfb-incidents/df_i.csv", dtype={"IncidentNumber": str}).set_index("IncidentNumber")
    data = build([REAL / "lfb-incidents/df_i.csv"], load_mapping("lfb"))
    got = data.incidents.set_index("incident_id")[["latitude", "longitude"]]
    assert len(got) == len(frame) and got["latitude"].between(51.28, 51.70).all()
    assert got["longitude"].between(-0.52, 0.34).all()
    given = frame[frame["Latitude"].fillna(0) != 0]
    assert 0.3 < len(given) / len(frame) < 0.5
    assert got.loc[given.index].to_numpy().tolist() == given[["Latitude", "Longitude"]].to_numpy().tolist()
    latitude, longitude = degrees(given["Easting_rounded"].to_numpy(float), given["Northing_rounded"].to_numpy(float),
                                  "EPSG:27700")
    metres_north = (latitude - given["Latitude"]) * 111_320
    metres_east = (longitude - given["Longitude"]) * 111_320 * np.cos(np.radians(given["Latitude"]))
    assert np.hypot(metres_north, metres_east).max() < 75


def test_incident_types_pudongs_export_cannot_hold_have_no_records_never_zero():
    """Pudong's export is fire alarms alone: its mapping declares 火灾扑救 and 虚假警, the rest are None."""
    data = build([REAL / "pudong-fire-alarms/每日火警详情.csv"], load_mapping("pudong"))
    station, year = pairs(data)[0]
    by_type = compute(data, station, Period(year)).figures["incidents"]["by_type"]
    assert [t for t, n in by_type.items() if n is None] == ["抢险救援", "社会救助", "安保勤务", "其他"]
    assert by_type["火灾扑救"] + by_type["虚假警"] == compute(data, station, Period(year)).figures["incidents"]["total"]

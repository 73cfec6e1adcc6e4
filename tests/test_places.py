"""Figures by place (辖区分布): incidents and response by district equal a plain-pandas count of the sample's truth,
a Chinese address without a district column gives its town level, and the draft, the workbook and the findings say
where."""

from __future__ import annotations

import csv
import io
import json

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from firestats.compute.places import UNIDENTIFIED, place_of, town_of
from firestats.compute.station import station_figures
from firestats.periods import Period
from firestats.publish import exports
from firestats.publish.station_report import station_report
from firestats.request import Request
from firestats.settings import settings, use_settings, within_seconds
from firestats.store import load

STATION, YEAR = "城东站", 2025


def by_district(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per district, in plain pandas: incidents, the call-to-first-arrival's timed incidents, median and 90th
    percentile (seconds), and the share of dispatch-to-arrival times within the settings' threshold."""
    ok = ~incidents["flag_arrival_before_dispatch"]

    def seconds(start: str) -> pd.Series:
        value = (incidents["arrived_at"] - incidents[start]).dt.total_seconds().where(ok)
        return value.where((value >= 0) & (value < 86_400))

    frame = pd.DataFrame({"district": incidents["district"], "total": seconds("received_at"),
                          "arrival": seconds("dispatched_at")})
    return frame.groupby("district").agg(
        incidents=("total", "size"), timed=("total", "count"), median_s=("total", "median"),
        p90_s=("total", lambda s: s.quantile(0.9)),
        within_share=("arrival", lambda s: (s.dropna() <= within_seconds()).mean()))


@pytest.fixture(scope="module")
def places(prepared) -> dict:
    return station_figures(prepared, STATION, YEAR)["places"]


def test_incidents_and_median_total_response_by_district_equal_plain_pandas(places, truth):
    t = truth.incidents
    want = by_district(t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR)])
    got = places["districts"]
    assert {d: v["incidents"] for d, v in got.items()} == want["incidents"].to_dict()
    assert {d: v["median_s"] for d, v in got.items()} == pytest.approx(want["median_s"].to_dict(), abs=1e-9)
    assert list(got) == want["incidents"].sort_values(ascending=False).index.tolist()  # busiest first
    assert sum(v["share"] for v in got.values()) == pytest.approx(1)
    last = t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR - 1)]["district"].value_counts()
    assert {d: v["year_on_year"] for d, v in got.items()} == pytest.approx(
        {d: (want["incidents"][d] - last[d]) / last[d] for d in want.index})


def test_each_districts_timed_incidents_90th_percentile_and_share_within_the_threshold_equal_plain_pandas(
        places, truth):
    t = truth.incidents
    want = by_district(t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR)])
    got = places["districts"]
    assert {d: v["timed"] for d, v in got.items()} == want["timed"].to_dict()
    assert {d: v["p90_s"] for d, v in got.items()} == pytest.approx(want["p90_s"].to_dict(), abs=1e-9)
    assert {d: v["within_share"] for d, v in got.items()} == pytest.approx(want["within_share"].to_dict())


def test_a_quarters_change_on_the_quarter_before_equals_plain_pandas(prepared, truth):
    """环比: each district's incidents in 2025's second quarter against its first, as pandas counts them."""
    t = truth.incidents
    mine = t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR)]
    quarter = mine["received_at"].dt.quarter
    now, then = (mine.loc[quarter == q, "district"].value_counts() for q in (2, 1))
    got = station_figures(prepared, STATION, f"{YEAR}-Q2")["places"]["districts"]
    assert {d: v["period_on_period"] for d, v in got.items()} == pytest.approx(
        {d: (now[d] - then[d]) / then[d] for d in now.index})


def test_the_places_of_repeated_incidents_equal_plain_pandas(places, truth):
    """An address to its building number (人民路156号), at least the settings' minimum incidents, most first."""
    t = truth.incidents
    mine = t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR)]
    address = mine["address"].str.replace(r"\s+", "", regex=True)
    counts = address.str.extract(r"^(.*?\d+[号弄])", expand=False).fillna(address).value_counts()
    least = settings()["places"]["hotspot_min"]
    got = {spot: v["incidents"] for spot, v in places["hotspots"].items()}
    assert got == counts[counts >= least].head(settings()["places"]["hotspots"]).to_dict() and got
    assert list(got.values()) == sorted(got.values(), reverse=True)


def test_the_json_and_csv_carry_each_places_figures(report, files):
    """The figures by place travel whole to JSON (shares to four places) and, a row per figure, to CSV (keyed
    places.districts.<place>.…)."""
    districts = report.figures["places"]["districts"]
    written = json.loads(files[".json"])["places"]["districts"]
    assert list(written) == list(districts)
    for place, figures in districts.items():
        assert written[place] == pytest.approx(figures, abs=5e-5), place
    rows = {row["键"]: row["数值"] for row in csv.DictReader(io.StringIO(files[".csv"].decode("utf-8-sig")))}
    assert {place: int(rows[f"places.districts.{place}.incidents"]) for place in districts} == \
        {place: v["incidents"] for place, v in districts.items()}


def test_the_detachment_overview_counts_and_times_each_place_across_its_stations(prepared, truth):
    """The overview's figures by place are the detachment's own, from every station's records of the year: each
    district's incidents and median call to the first arrival as pandas computes them over all stations, and its
    table of each district's incidents by station a pandas crosstab."""
    from firestats.publish.overview import TOTAL, detachment_overview

    t = truth.incidents
    year = t[t["received_at"].dt.year == YEAR]
    want = by_district(year)
    view = detachment_overview(Request.of(None, YEAR, prepared))
    got = view.figures[TOTAL]["places"]["districts"]
    assert {d: v["incidents"] for d, v in got.items()} == want["incidents"].to_dict()
    assert {d: v["median_s"] for d, v in got.items()} == pytest.approx(want["median_s"].to_dict(), abs=1e-9)
    shown = pd.read_html(io.StringIO(view.places().data))[0].set_index("地点").drop(columns="合计")
    assert shown.to_dict() == pd.crosstab(year["district"], year["station"]).to_dict()


def test_explores_table_by_place_is_the_reports_named_as_the_report_names_it(prepared, truth):
    """explore.ipynb's section on places: a row per district, its incidents and median call to the first arrival
    as pandas computes them, under the report's column names."""
    from firestats.publish.explore import places_table

    t = truth.incidents
    want = by_district(t[(t["station"] == STATION) & (t["received_at"].dt.year == YEAR)])
    got = places_table(load(prepared), "城东", Period(YEAR))
    assert got.index.name == "地点" and got["警情数"].to_dict() == want["incidents"].to_dict()
    assert got["中位数"].to_dict() == pytest.approx(want["median_s"].to_dict(), abs=1e-9)


def test_a_district_s_types_add_up_to_its_incidents(places):
    assert {d: sum(types.values()) for d, types in places["types"].items()} == \
        {d: v["incidents"] for d, v in places["districts"].items()}


@pytest.mark.parametrize("address, town", [
    ("上海市浦东新区川沙新镇华夏东路1号", "川沙新镇"),
    ("浙江省杭州市西湖区北山街道曙光路12号", "北山街道"),
    ("东湖街道人民路5号", "东湖街道"),
    ("浦东新区 陆家嘴街道 即墨路99号(上船大楼)3号楼1楼大厅（误报）", "陆家嘴街道"),
    ("江西省南昌市新建区联圩乡新联村", "联圩乡"),
    ("广州市天河区体育西路", "天河区"),
    ("人民路156号", None),
    ("4000 Block of MISSION ST", None),
    (None, None),
])
def test_an_address_gives_its_town_level(address, town):
    assert town_of(address) == town


def test_without_a_district_the_address_is_parsed_and_the_rest_unidentified():
    incidents = pd.DataFrame({"district": [None, "新港镇", None, " "],
                              "address": ["浦东新区川沙新镇华夏东路1号", "人民路1号", "人民路2号", np.nan]})
    assert place_of(incidents).tolist() == ["川沙新镇", "新港镇", UNIDENTIFIED, UNIDENTIFIED]


@pytest.fixture(scope="module")
def report(prepared):
    return station_report(Request.of(STATION, YEAR, prepared))


@pytest.fixture(scope="module")
def files(report, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("places") / f"{STATION}.html"
    return {path.suffix: content for path, content in exports.beside(out, report.publication(), report.request).items()}


def test_the_draft_names_the_busiest_place_with_its_count_and_share(report, files):
    (place, busiest), *_ = report.figures["places"]["districts"].items()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(files[".docx"])).paragraphs)
    assert f"从区域分布看，{place}警情最多（{busiest['incidents']}起，占{busiest['share']:.1%}）" in text


def test_the_workbook_has_a_places_sheet_with_each_places_incidents(report, files):
    sheet = openpyxl.load_workbook(io.BytesIO(files[".xlsx"]))["辖区"]
    rows: dict = {}
    for row in sheet.iter_rows(values_only=True):  # the first table's: 各区域警情与到场用时
        rows.setdefault(row[0], row[1])
    assert {place: rows[place] for place in report.figures["places"]["districts"]} == \
        {place: v["incidents"] for place, v in report.figures["places"]["districts"].items()}


def test_the_slowest_place_beyond_the_threshold_is_a_finding(report):
    districts = report.figures["places"]["districts"]
    slowest = min(districts, key=lambda place: districts[place]["within_share"])
    found = [f for f in report.found if f.rule == "slow_place"]
    assert len(found) == 1 and found[0].text.startswith(slowest)
    assert found[0].value == pytest.approx(1 - districts[slowest]["within_share"])


def test_incidents_inside_each_station_area_equal_a_plain_shapely_count(prepared, tmp_path):
    """A unit's station areas (辖区) in its settings, as GeoJSON: two polygons (the second a square with a hole) around
    the sample station; each counts the incidents whose point is inside it or on its edge."""
    west = [[120.15, 30.22], [120.22, 30.22], [120.22, 30.32], [120.15, 30.32], [120.15, 30.22]]
    east = [[[120.22, 30.22], [120.30, 30.22], [120.30, 30.32], [120.22, 30.32], [120.22, 30.22]],
            [[120.24, 30.25], [120.26, 30.25], [120.26, 30.27], [120.24, 30.27], [120.24, 30.25]]]
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "西片"}, "geometry": {"type": "Polygon", "coordinates": [west]}},
        {"type": "Feature", "properties": {"name": "东片"}, "geometry": {"type": "Polygon", "coordinates": east}}]}
    (tmp_path / "areas" / "辖区.geojson").parent.mkdir()
    (tmp_path / "areas" / "辖区.geojson").write_text(json.dumps(areas, ensure_ascii=False), encoding="utf-8")
    unit = tmp_path / "firestats.yaml"
    unit.write_text("places: {areas: areas/辖区.geojson}\n", encoding="utf-8")
    try:
        got = station_figures(prepared, STATION, YEAR, settings=str(unit))["places"]["areas"]
    finally:
        use_settings(None)  # the request put the unit's settings in use in this process
    incidents = load(prepared).narrow(STATION, Period(YEAR)).incidents.dropna(subset=["latitude", "longitude"])
    points = [Point(x, y) for x, y in zip(incidents["longitude"], incidents["latitude"])]
    want = {"西片": sum(Polygon(west).covers(p) for p in points),
            "东片": sum(Polygon(east[0], [east[1]]).covers(p) for p in points)}
    assert {name: v["incidents"] for name, v in got.items()} == want
    assert all(want.values()) and sum(want.values()) < len(incidents)  # some inside each, some in neither or the hole

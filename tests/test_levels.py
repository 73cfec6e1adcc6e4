"""A detachment's and its brigades' figures: sums where summing is right, recomputed over every member's rows
where it is not (medians, rates), never an average of the stations'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import everyday

from firestats.compute.station import compute, of_request
from firestats.periods import Period
from firestats.request import Request
from firestats.sample import STATIONS
from firestats.settings import use_settings
from firestats.store import load
from firestats.vocabulary.hierarchy import BRIGADE, DETACHMENT, levels

YEAR = Period(2024)


@pytest.fixture(scope="module")
def data(prepared):
    return load(prepared)


@pytest.fixture
def brigades(tmp_path):
    unit = tmp_path / "firestats.yaml"
    unit.write_text("unit: {detachment: 东江市消防救援支队, brigades: {东城大队: [城东站, 城南站, 远郊站], "
                    "西城大队: {full: 东江市消防救援支队西城片区大队, members: [城西站, 城北站]}}}\n", encoding="utf-8")
    use_settings(unit)
    yield levels(f"{s}站" if not s.endswith("站") else s for s in STATIONS)
    use_settings(None)


def test_the_detachment_and_its_brigades_come_from_the_units_settings(brigades):
    assert [(lv.kind, lv.name) for lv in brigades] == [(DETACHMENT, "东江市消防救援支队"), (BRIGADE, "东城大队"),
                                                       (BRIGADE, "西城大队")]
    assert brigades[1].members == ("城东站", "城南站")  # a station the data does not hold is left out
    assert [lv.full for lv in brigades] == ["东江市消防救援支队", "东江市消防救援支队东城大队",
                                            "东江市消防救援支队西城片区大队"]  # the settings' own, else composed
    assert len(brigades[0].members) == len(STATIONS)


def test_without_brigades_the_detachment_is_every_station():
    assert [(lv.kind, lv.name, len(lv.members), lv.full) for lv in levels(["城东站", "城西站"])] == \
        [(DETACHMENT, "支队", 2, "【请填写：支队名称】")]  # its documents ask for its name rather than invent one


def test_a_levels_figures_are_its_members_rows_not_an_average_of_theirs(data, truth, brigades):
    east = brigades[1]
    mine = of_request(data, Request(east.name, YEAR, level=BRIGADE), YEAR).figures
    members = [compute(data, station, YEAR, interval=False).figures for station in east.members]
    assert mine["station"] == "东城大队"
    assert mine["incidents"]["total"] == sum(m["incidents"]["total"] for m in members)
    t = truth.incidents
    rows = t[t["station"].isin(east.members) & (t["received_at"].dt.year == 2024) & ~t["flag_arrival_before_dispatch"]]
    d2a = (rows["arrived_at"] - rows["dispatched_at"]).dt.total_seconds().dropna()
    assert mine["response"]["dispatch_to_arrival"]["median_s"] == pytest.approx(float(np.median(d2a)))
    rates = [(m["assessments"]["overall"]["pass_rate"], m["assessments"]["overall"]["n"]) for m in members]
    pooled = sum(r * n for r, n in rates) / sum(n for _, n in rates)
    assert mine["assessments"]["overall"]["pass_rate"] == pytest.approx(pooled)
    assert mine["assessments"]["overall"]["pass_rate"] != pytest.approx(np.mean([r for r, _ in rates]), abs=1e-9)


def test_each_members_share_and_rank(prepared, brigades, tmp_path):
    from firestats.publish.station_report import station_report

    unit = str(tmp_path / "firestats.yaml")  # the brigades fixture's
    report = station_report(Request.of("东江市消防救援支队", YEAR, prepared, DETACHMENT, settings=unit))
    stations = report.publication()["members"]["stations"]
    assert sum(r["share"] for r in stations) == pytest.approx(1)
    assert sum(r["incidents"] for r in stations) == report.figures["incidents"]["total"]
    assert stations[0]["incidents"] == max(r["incidents"] for r in stations)  # busiest first
    assert report.station_name == "东江市消防救援支队"


def test_the_years_behind_a_figure_are_each_years_own(data, truth):
    from firestats.compute.trend import years_behind

    table = years_behind(data, "城东站", Period(2025, "quarter", 3))
    t = truth.incidents
    mine = t[(t["station"] == "城东站") & t["received_at"].dt.month.between(7, 9)]
    assert table["incidents.total"].to_dict() == mine.groupby(mine["received_at"].dt.year).size().to_dict()
    assert list(table.index) == [2023, 2024, 2025]  # the store's years, up to five
    assert list(years_behind(data, "城东站", Period(2024), most=1).index) == [2024]


@pytest.mark.parametrize("who", everyday(["城西站", ["城东站", "城南站"], None]),
                         ids=["station", "brigade", "detachment"])
def test_each_year_behind_is_that_years_own_compute(data, who):
    """Counted side by side, one group a year, each year's trend figures are its own compute's to the last bit."""
    from firestats.catalogue import shown_in
    from firestats.compute.compare import value_at
    from firestats.compute.trend import years_behind

    for period in (Period(2025), Period(2025, "quarter", 2)):
        table = years_behind(data, who, period)
        assert list(table.index) == [2023, 2024, 2025]
        for year, row in table.iterrows():
            own = compute(data, who, period.in_year(year), interval=False).figures
            want = {e.key: value_at(own, e.key) for e in shown_in("trend")}
            assert {k: None if pd.isna(v) else v for k, v in row.items()} == want, (period, year)


@pytest.mark.parametrize("values, moved", [([5, 4, 3], -3), ([1, 2, 3, 4], 4), ([5, 4], 0), ([3, 1, 2, 3], 3),
                                           ([1, 2, 2, 3], 0), ([1, None, 2, 3], 0), ([2, 1, 3], 0)])
def test_a_trend_is_stated_only_where_it_held_three_years_or_more(values, moved):
    import pandas as pd

    from firestats.compute.trend import steady

    assert steady(pd.Series(values, dtype="Float64")) == moved


@pytest.mark.slow
def test_the_draft_states_a_move_held_three_years_and_never_one_of_two(prepared, truth):
    from firestats.catalogue import term
    from firestats.publish.station_report import station_report
    from firestats.request import Request

    t = truth.incidents
    mine = t[t["station"] == "城东站"]
    counts = mine.groupby([mine["received_at"].dt.year, "type"]).size().unstack(fill_value=0)
    report = station_report(Request.of("城东", 2025, prepared))
    text = "".join(report.publication()["annual"])
    for kind in counts.columns:
        years = counts[kind].loc[[2023, 2024, 2025]].tolist()
        rising, falling = years[0] < years[1] < years[2], years[0] > years[1] > years[2]
        each = "、".join(f"{year}年{n}起" for year, n in zip((2023, 2024, 2025), years))
        stated = f"近三年{term(f'incidents.by_type.{kind}')}连续{'上升' if rising else '下降'}（{each}）"
        assert (stated in text) == (rising or falling), (kind, years)
    two = station_report(Request.of("城东", 2024, prepared))  # 2023 and 2024 alone: two points make no trend
    assert "连续" not in "".join(two.publication()["annual"])
    assert "2023年" in two.years_behind().data and "只有本期一年" not in two.years_behind().data


def test_a_year_with_records_but_none_in_the_period_is_no_row_of_zeros(tmp_path):
    from conftest import write_exports

    from firestats.compute.trend import years_behind
    from firestats.store import prepare

    prepare([write_exports(tmp_path / "raw", ["城东站"], year=2024)], tmp_path / "data")  # March alone
    data = load(tmp_path / "data")
    assert list(years_behind(data, "城东站", Period(2024, "quarter", 1))["incidents.total"]) == [2]
    assert years_behind(data, "城东站", Period(2024, "quarter", 3)).empty  # records in 2024, none in its Q3


def test_a_level_the_settings_do_not_hold_is_refused_in_one_line(prepared, tmp_path):
    from click.testing import CliRunner

    from firestats.cli import main

    base = ["report", "--data", str(prepared), "--year", "2024", "--out", str(tmp_path)]
    for given, said in ((["--level", "大队"], "no 大队 '' in the settings; 大队: —"),
                        (["--level", "支队", "--name", "西江支队"], "no 支队 '西江支队' in the settings; 支队: 支队"),
                        (["--station", "城东", "--level", "支队"], "give --station, or --level"),
                        ([], "give --station, or --level")):
        run = CliRunner().invoke(main, [*base, *given])
        assert run.exit_code == 2 and said in run.output and "Traceback" not in run.output, (given, run.output)
    assert not any(tmp_path.iterdir())  # refused before anything is written


def test_each_members_change_on_a_year_earlier_is_its_own_count_and_per_cent(prepared, brigades, tmp_path):
    """The level's table of its stations gives each station's 同比 as its incidents less a year earlier's and that
    change over a year earlier's, in per cent."""
    import re

    from firestats.publish.station_report import station_report

    unit = str(tmp_path / "firestats.yaml")  # the brigades fixture's
    report = station_report(Request.of("东江市消防救援支队", YEAR, prepared, DETACHMENT, settings=unit))
    table = report.stations().data.split("<h3>各站接处警排名、占比与增减</h3>")[1].split("</table>")[0]
    rows = {cells[1]: cells for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row) for row in
                                          re.findall(r"<tr>(.*?)</tr>", table)) if cells}
    for station in report.publication()["members"]["stations"]:
        now, last = station["incidents"], station["last"]
        assert last, station  # the sample holds every station's year before
        assert rows[station["station"]][4:6] == [f"{now - last:+d}", f"{(now - last) / last:+.1%}"], station


@pytest.mark.parametrize("who", everyday(["城西站", ["城东站", "城南站"], None]),
                         ids=["station", "brigade", "detachment"])
def test_a_period_compared_with_is_its_own_compute_and_none_without_records(data, who):
    """A year earlier and the period before, counted side by side, are their own computes value for value; a period
    without records is None, nothing to compare with."""
    from test_overview import assert_as_computed

    from firestats.compute.side_by_side import compared
    from firestats.request import Options

    for period in (Period(2024), Period(2025, "quarter", 1), Period(2024, "month", 12)):
        assert_as_computed(compared(data, who, period, Options()), compute(data, who, period).figures, str(period))
    assert compared(data, who, Period(2022), Options()) is None

"""Months, quarters and halves: periods as users write them, slices that add up to the year, and the
figures of a quarter and a month against plain pandas on the sample's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from firestats.compute.station import compute, station_figures
from firestats.errors import InputError
from firestats.ingest.store import load
from firestats.periods import Period, parse_period, periods_in
from firestats.sample import STATIONS, YEARS


@pytest.mark.parametrize("text, period, name, dates, words", [
    ("2024", Period(2024), "2024年", "2024年1月1日至12月31日", "全年"),
    ("2024-H2", Period(2024, "half", 2), "2024年下半年", "2024年7月1日至12月31日", "下半年"),
    ("2024-q3", Period(2024, "quarter", 3), "2024年第三季度", "2024年7月1日至9月30日", "本季度"),
    ("2024-03", Period(2024, "month", 3), "2024年3月", "2024年3月1日至3月31日", "本月"),
    ("2024-2", Period(2024, "month", 2), "2024年2月", "2024年2月1日至2月29日", "本月"),
    ("2024-12", Period(2024, "month", 12), "2024年12月", "2024年12月1日至12月31日", "本月"),
])
def test_periods_as_users_write_them(text, period, name, dates, words):
    assert parse_period(text) == period
    assert (period.name, period.dates, period.words) == (name, dates, words)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2024-Q5", "2024-13", "2024-H3", "24", "2024/03", "三月"])
def test_a_period_nobody_can_mean_is_refused(text):
    with pytest.raises(InputError, match="is no period"):
        parse_period(text)


def test_the_period_before_and_a_year_before():
    assert Period(2024, "quarter", 1).previous() == Period(2023, "quarter", 4)
    assert Period(2024, "month", 3).previous() == Period(2024, "month", 2)
    assert Period(2024, "half", 1).previous() == Period(2023, "half", 2)
    assert Period(2024, "month", 3).a_year_earlier() == Period(2023, "month", 3)


def test_months_quarters_and_halves_add_up_to_the_year(prepared):
    data = load(prepared)
    for station in STATIONS:
        for year in YEARS:
            whole = data.narrow(station, year)
            for kind in ("half", "quarter", "month"):
                parts = [data.narrow(station, p) for p in periods_in(year, kind)]
                assert sum(len(p.incidents) for p in parts) == len(whole.incidents), (station, year, kind)
                assert sum(len(p.problems) for p in parts) == len(whole.problems), (station, year, kind)
                assert sum(len(p.activities) for p in parts) == len(whole.activities), (station, year, kind)


@pytest.mark.parametrize("label", ["2024-Q2", "2024-03", "2025-H1"])
def test_a_periods_figures_equal_plain_pandas(prepared, truth, label):
    period = parse_period(label)
    t = truth.incidents
    mine = t[(t["station"] == "城南站") & (t["received_at"] >= period.start) & (t["received_at"] < period.end)]
    figures = station_figures(prepared, "城南", label)
    assert figures["period"] == label and figures["year"] == period.year
    assert figures["incidents"]["total"] == len(mine)
    by_type = figures["incidents"]["by_type"]
    assert by_type == {k: int((mine["type"] == k).sum()) for k in by_type}
    ok = ~mine["flag_arrival_before_dispatch"]
    d2a = (mine["arrived_at"] - mine["dispatched_at"]).dt.total_seconds()[ok].dropna()
    assert figures["response"]["dispatch_to_arrival"]["n"] == len(d2a)
    assert figures["response"]["dispatch_to_arrival"]["median_s"] == pytest.approx(float(np.median(d2a)))
    outside = [m for m in range(1, 13) if m not in period.months]
    assert all(figures["monthly"][m] == 0 for m in outside)


def test_a_year_computed_as_a_period_is_the_year(prepared):
    data = load(prepared)
    as_year, as_period = compute(data, "城东站", 2024).figures, compute(data, "城东站", Period(2024)).figures
    assert as_year == as_period and "period" not in as_year
    assert pd.Series(as_year["monthly"]).sum() == as_year["incidents"]["total"]


def test_a_monthly_report_names_its_dates_and_compares_with_the_month_before(prepared):
    from firestats.publish.station_report import station_report

    report = station_report(prepared, "城东", 2024, period="03")
    header, compared = report.header().data, report.year_on_year().data
    assert "城东消防救援站 2024年3月工作数据分析" in header and "统计期间：2024年3月1日至3月31日" in header
    assert f"本月共接处警{report.figures['incidents']['total']}起" in header
    assert "同比（与2023年3月比）" in compared and "环比（与2024年2月比）" in compared
    yearly = station_report(prepared, "城东", 2024)
    assert "2024年1月1日至12月31日" in yearly.header().data and "环比" not in yearly.year_on_year().data


def test_a_month_is_drawn_day_by_day(prepared, truth):
    from firestats.publish.station_report import station_report

    report = station_report(prepared, "城西", 2024, period="02")
    t = truth.incidents
    mine = t[(t["station"] == "城西站") & (t["received_at"].dt.strftime("%Y-%m") == "2024-02")]
    daily = report.figures["daily"]
    assert len(daily) == 29 and sum(daily.values()) == len(mine)
    assert daily[1] == int((mine["received_at"].dt.day == 1).sum())
    assert "2024年2月每日接处警数量" in report.monthly_chart().data


def test_a_half_years_word_draft_keeps_the_annual_structure_said_of_the_half(prepared):
    from firestats.publish import annual
    from firestats.publish.station_report import station_report

    half = station_report(prepared, "城东", 2024, period="H1").publication()
    blocks = annual.draft(annual.load_template(), half)
    assert blocks[0].text == "城东消防救援站2024年上半年工作总结"
    text = "".join(b.text for b in blocks)
    assert "截至2024年6月30日" in text and "上半年累计开展实地演练" in text and "全年" not in text
    year = annual.draft(annual.load_template(), station_report(prepared, "城东", 2024).publication())
    assert year[0].text == "城东消防救援站2024年度工作总结" and "盘点2024年全年工作" in "".join(b.text for b in year)


@pytest.mark.slow
def test_a_monthly_report_is_rendered_into_its_periods_folder(prepared, tmp_path):
    from click.testing import CliRunner

    from firestats.cli import main

    result = CliRunner().invoke(main, ["report", "--data", str(prepared), "--station", "城东", "--year", "2024",
                                       "--period", "03", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2024-03" / "城东站.html").read_text("utf-8")
    assert "统计期间：2024年3月1日至3月31日" in page and "环比（与2024年2月比）" in page
    assert (tmp_path / "2024-03" / "城东站.txt").read_text("utf-8-sig").startswith("本月")
    refused = CliRunner().invoke(main, ["report", "--data", str(prepared), "--station", "城东", "--year", "2024",
                                        "--period", "Q7", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "is no period" in refused.output


@pytest.mark.slow
def test_a_batch_renders_every_quarter_of_a_year_and_lists_them(prepared, tmp_path):
    from click.testing import CliRunner

    from firestats.cli import main

    args = ["batch", "--data", str(prepared), "--out", str(tmp_path), "--period", "quarter", "--year", "2024",
            "--station", "城东", "--workers", "2"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and "rendered 4, unchanged 0, failed 0" in first.output, first.output
    index = (tmp_path / "index.html").read_text("utf-8")
    for q in range(1, 5):
        assert (tmp_path / f"2024-Q{q}" / "城东站.html").is_file() and f"2024-Q{q}/" in index
    assert "rendered 0, unchanged 4" in CliRunner().invoke(main, args).output

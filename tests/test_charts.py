"""Every chart is well-formed SVG whose Chinese text the reader's Chinese fonts draw, with nothing cut off."""

import time
from urllib.parse import quote
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from firestats.compute import incidents as metrics
from firestats.compute.assessments import weekly_rates
from firestats.compute.figures import Rates
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish import charts, raster
from firestats.publish.html import URL_SAFE, heat_table, url_quoted
from firestats.publish.svg import FAMILIES
from firestats.settings import settings
from firestats.store.dataset import load

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def station_year(prepared):
    return load(prepared).narrow("城东站", 2024).incidents


def draw_all(incidents):
    return [
        charts.type_mix(metrics.type_counts(incidents)),
        charts.monthly(metrics.monthly_counts(incidents), 2024),
        charts.hourly(metrics.hourly_counts(incidents)),
        charts.response_times(metrics.response_seconds(incidents)["dispatch_to_arrival"], 300),
    ]


def texts(chart) -> list[str]:
    """The chart's SVG parsed as XML (a malformed one raises), its texts in order; its fonts are the Chinese ones
    of every system first."""
    root = ElementTree.fromstring(charts.to_svg(chart))
    assert root.get("font-family").startswith(f"'{FAMILIES[0]}'")
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.slow
def test_training_and_activity_charts_are_svg_with_their_chinese_words(prepared):
    this = compute(load(prepared), "城东站", Period(2024))
    drawn = {
        "及格率": charts.weekly_rates(weekly_rates(this.data.assessments, this.table), 2024),
        "无每周一测记录": charts.weekly_rates(weekly_rates(this.data.assessments.iloc[0:0], this.table), 1999),
        "各科目及格率与优秀率": charts.item_rates(this.typed.assessments.by_item),
        "熟悉单位": charts.activity_totals(pd.Series({"实地演练": 12, "熟悉单位": 40})),
    }
    for word, chart in drawn.items():
        assert word in texts(chart)


def test_every_incident_chart_is_svg_with_its_words_and_ticks(station_year):
    words = ["警情类型构成", "2024年各月接处警数量", "接警时段分布（按接警时间）", "出动至到场用时分布（n="]
    for chart, word in zip(draw_all(station_year), words):
        drawn = texts(chart)
        assert len(drawn) > 5 and any(text.startswith(word) for text in drawn), word


def test_charts_with_no_incidents(station_year):
    empty = [*draw_all(station_year.iloc[0:0]), charts.item_rates({}),
             charts.activity_totals(pd.Series([], dtype=float))]
    for chart in empty:
        assert texts(chart) and all(np.isfinite(plot.limits()).all() for plot in chart.plots)
    assert "无可计算的响应时间" in texts(draw_all(station_year.iloc[0:0])[-1])


def test_the_map_is_svg_with_its_marks_painted_its_areas_named_and_its_station_starred():
    rng = np.random.default_rng(1)
    longitude, latitude = 120 + rng.random(200) / 10, 30 + rng.random(200) / 10
    minutes = np.where(rng.random(200) < 0.1, np.nan, rng.random(200) * 10)
    ring = np.array([[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]])
    chart = charts.incident_map(longitude, latitude, minutes, 5, (30.05, 120.05), [("城东辖区", [ring])])
    root = ElementTree.fromstring(charts.to_svg(chart))
    assert {"警情密度（六边形）", "到场用时", "城东辖区", "接警至首车到场（分钟）"} <= set(texts(chart))
    images = [i.get("{http://www.w3.org/1999/xlink}href") for i in root.iter(f"{SVG}image")]
    assert len(images) == 2 and all(i.startswith("data:image/png;base64,iVBOR") for i in images)
    assert len(list(root.iter(f"{SVG}polygon"))) == 2  # the station, on each half
    assert _inside(chart)


def _inside(chart) -> bool:
    """Every text (titles, tick labels, legends, bar labels) lies within the canvas, by its estimated width."""
    charts.to_svg(chart)
    return all(box.left >= 0 and box.top >= 0 and box.right <= chart.width and box.bottom <= chart.height
               for box in chart.text_boxes)


def test_no_label_is_cut_off_at_the_edges(station_year):
    """Margins are set from the labels' lengths: long names and large counts still fit."""
    busy = pd.Series(np.arange(1, 13) * 1000, index=range(1, 13))
    long_names = pd.Series({"防火检查与消防安全宣传培训": 1200.5, "熟悉单位": 40, "Fire safety visits": 5})
    items = {name: Rates(10, 0.5, 0.2, 60.0) for name in ("负重登六楼", "原地着战斗服并携带装备登楼")}
    drawn = [*draw_all(station_year), charts.monthly(busy, 2024), charts.monthly_compare(busy, busy / 2, 2024),
             charts.monthly(busy * 100, 2024), charts.type_mix(pd.Series({"火灾扑救": 5000, "其他": 1})),
             charts.activity_totals(long_names), charts.item_rates(items)]
    assert all(_inside(chart) for chart in drawn)


def test_names_from_the_data_are_drawn_as_written_and_cannot_break_the_svg():
    kinds = pd.Series({"城$\\foo$西": 3, "<b>x</b> & y": 2, "熟悉\x01单位": 1})
    drawn = texts(charts.activity_totals(kinds))  # parsed: the markup and the control character did not break it
    assert {"城$\\foo$西", "<b>x</b> & y", "熟悉单位"} <= set(drawn)


def test_a_heat_table_shades_every_count_on_one_scale_and_escapes_names():
    counts = {"城东站": {1: 4, 2: 0}, "<b>城西</b>站": {1: 1, 2: 2}}
    html = heat_table(counts, "月", "2024年各站各月接处警（起）", "站")
    assert "<b>" not in html and "&lt;b&gt;城西&lt;/b&gt;站" in html
    assert "<th>1月</th><th>2月</th><th>合计</th>" in html
    assert 'rgba(192,57,43,1.00)">4<' in html and 'rgba(192,57,43,0.00)">0<' in html  # the largest is darkest
    assert '<td class="num">4</td></tr>' in html and '<td class="num">3</td></tr>' in html  # each row's total


def test_an_absurd_response_time_neither_stretches_the_axis_nor_multiplies_the_bins():
    typed_2200 = (pd.Timestamp("2200-03-05 10:05") - pd.Timestamp("2024-03-05 10:01")).total_seconds()
    started = time.perf_counter()
    chart = charts.response_times(pd.Series([240.0, 250, 300, 310, typed_2200, np.inf]), 300)
    assert charts.to_svg(chart).startswith(b"<?xml") and time.perf_counter() - started < 2
    plot = chart.plots[0]
    assert len(plot.bars[0].values) <= charts.MAX_BINS
    assert plot.limits()[0] == (0, settings()["charts"]["response_max_minutes"])
    assert plot.bars[0].values.sum() == 6  # every incident counted, the absurd ones in the last bar


def test_the_maps_hexagons_count_the_points_as_matplotlibs_hexbin_does():
    rng = np.random.default_rng(7)
    x, y = rng.normal(120.2, 0.02, 3000), rng.normal(30.27, 0.01, 3000)
    extent = (120.14, 120.26, 30.24, 30.30)  # some points fall outside: neither counts them
    ours = raster.hexagon_counts(x, y, extent, 28)
    theirs = Figure().add_subplot().hexbin(x, y, gridsize=28, mincnt=1, extent=extent)
    mine = sorted(zip(np.round(ours[0], 6), np.round(ours[1], 6), ours[2]))
    assert mine == sorted(zip(np.round(theirs.get_offsets()[:, 0], 6), np.round(theirs.get_offsets()[:, 1], 6),
                              theirs.get_array().astype(int)))
    assert 0 < sum(ours[2]) < 3000


@given(st.text(max_size=300))
def test_a_chart_is_quoted_into_its_data_url_as_urllib_quotes_it(text):
    assert url_quoted(text.encode()) == quote(text.encode(), safe=URL_SAFE)

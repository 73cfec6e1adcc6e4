"""Every chart draws its Chinese text with a real glyph: matplotlib's missing-glyph warning fails the test."""

import os
import subprocess
import sys
import time
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from firestats.compute import incidents as metrics
from firestats.compute.assessments import weekly_rates
from firestats.compute.figures import Rates
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish import charts
from firestats.publish.html import heat_table
from firestats.settings import settings
from firestats.store.dataset import load

GLYPH_MISSING = r"Glyph .* missing from font"


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


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_training_and_activity_charts_render_chinese(prepared):
    this = compute(load(prepared), "城东站", Period(2024))
    drawn = [
        charts.weekly_rates(weekly_rates(this.data.assessments, this.table), 2024),
        charts.weekly_rates(weekly_rates(this.data.assessments.iloc[0:0], this.table), 1999),
        charts.item_rates(this.typed.assessments.by_item),
        charts.activity_totals(pd.Series({"实地演练": 12, "熟悉单位": 40})),
    ]
    for fig in drawn:
        assert charts.to_svg(fig).startswith(b"<?xml")


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_every_chart_renders_chinese_without_missing_glyphs(station_year):
    for fig in draw_all(station_year):
        svg = charts.to_svg(fig)
        assert svg.startswith(b"<?xml") and svg.count(b"<text") > 5


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_charts_with_no_incidents(station_year):
    for fig in draw_all(station_year.iloc[0:0]):
        assert charts.to_svg(fig).startswith(b"<?xml")


def test_the_glyph_check_would_catch_a_latin_only_font():
    """Without the CJK font, the same text raises the warning the tests above turn into errors."""
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure()
        fig.add_subplot().set_title("警情类型构成")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts.to_svg(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def _inside(fig: Figure) -> bool:
    """Every drawn artist (titles, tick labels, legends, bar labels) lies within the figure."""
    charts.to_svg(fig)
    box = fig.get_tightbbox()  # inches
    width, height = fig.get_size_inches()
    return box.x0 >= -0.01 and box.y0 >= -0.01 and box.x1 <= width + 0.01 and box.y1 <= height + 0.01


def test_no_label_is_cut_off_at_the_edges(station_year):
    """Margins are set from the labels' lengths, not measured: long names and large counts still fit."""
    busy = pd.Series(np.arange(1, 13) * 1000, index=range(1, 13))
    long_names = pd.Series({"防火检查与消防安全宣传培训": 1200.5, "熟悉单位": 40, "Fire safety visits": 5})
    items = {name: Rates(10, 0.5, 0.2, 60.0) for name in ("负重登六楼", "原地着战斗服并携带装备登楼")}
    drawn = [*draw_all(station_year), charts.monthly(busy, 2024), charts.monthly_compare(busy, busy / 2, 2024),
             charts.type_mix(pd.Series({"火灾扑救": 5000, "其他": 1})), charts.activity_totals(long_names),
             charts.item_rates(items)]
    assert all(_inside(fig) for fig in drawn)


def test_names_from_the_data_are_drawn_as_written_not_as_formulas():
    kinds = pd.Series({"城$\\foo$西": 3, "$x^2$": 2, "熟悉单位": 1})
    fig = charts.activity_totals(kinds)
    assert charts.to_svg(fig).startswith(b"<?xml")  # mathtext would fail on \\foo
    assert {t.get_text() for t in fig.axes[0].get_yticklabels()} == set(kinds.index)


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
    fig = charts.response_times(pd.Series([240.0, 250, 300, 310, typed_2200, np.inf]), 300)
    assert charts.to_svg(fig).startswith(b"<?xml") and time.perf_counter() - started < 2
    ax = fig.axes[0]
    assert len(ax.patches) <= charts.MAX_BINS and ax.get_xlim() == (0, settings()["charts"]["response_max_minutes"])
    assert sum(p.get_height() for p in ax.patches) == 6  # every incident counted, the absurd ones in the last bar


def test_a_font_found_by_searching_is_remembered_in_matplotlibs_cache(tmp_path):
    """A Chinese font installed after matplotlib built its font list is searched for once, not by every report."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    stale = ("from matplotlib import font_manager as fm; import matplotlib;"
             "from firestats.publish.fonts import FAMILIES;"
             "fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if f.name not in FAMILIES];"
             "fm.json_dump(fm.fontManager, f'{matplotlib.get_cachedir()}/fontlist-v{fm.FontManager.__version__}.json')")
    known = "from firestats.publish.fonts import FAMILIES, _known; print(sorted(set(FAMILIES) & _known()))"
    run = [sys.executable, "-c"]
    subprocess.run([*run, stale], env=env, check=True)
    assert subprocess.run([*run, known], env=env, check=True, capture_output=True, text=True).stdout.strip() == "[]"
    subprocess.run([sys.executable, "-m", "firestats.publish.fonts"], env=env, check=True, capture_output=True)
    assert subprocess.run([*run, known], env=env, check=True, capture_output=True, text=True).stdout.strip() != "[]"

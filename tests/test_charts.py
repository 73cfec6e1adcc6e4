"""Every chart draws its Chinese text with a real glyph: matplotlib's missing-glyph warning fails the test."""

import warnings

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure

from firestats import charts, metrics, training
from firestats.scoring import load_table
from firestats.settings import score_table_name
from firestats.store import load

GLYPH_MISSING = r"Glyph .* missing from font"


@pytest.fixture(scope="module")
def station_year(prepared):
    data = load(prepared)
    return metrics.station_year(data.incidents, "城东站", 2024)


def draw_all(incidents):
    return [
        charts.type_mix(metrics.type_counts(incidents)),
        charts.monthly(metrics.monthly_counts(incidents), 2024),
        charts.hourly(metrics.hourly_counts(incidents)),
        charts.response_times(metrics.response_seconds(incidents)["dispatch_to_arrival"], 300),
    ]


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_training_and_activity_charts_render_chinese(prepared):
    data = load(prepared)
    table = load_table(score_table_name())
    scored = training.score(data.assessments, table)
    figures = metrics.all_figures(data, "城东站", 2024)
    drawn = [
        charts.weekly_rates(training.weekly_rates(scored, "城东站", 2024, table), 2024),
        charts.weekly_rates(training.weekly_rates(scored, "城东站", 1999, table), 1999),
        charts.item_rates(figures["assessments"]["by_item"]),
        charts.activity_totals(pd.Series({"实地演练": 12, "熟悉单位": 40})),
    ]
    for fig in drawn:
        assert charts.to_png(fig).startswith(b"\x89PNG")


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_every_chart_renders_chinese_without_missing_glyphs(station_year):
    for fig in draw_all(station_year):
        png = charts.to_png(fig)
        assert png.startswith(b"\x89PNG") and len(png) > 10_000


@pytest.mark.filterwarnings(f"error:{GLYPH_MISSING}")
def test_charts_with_no_incidents(station_year):
    for fig in draw_all(station_year.iloc[0:0]):
        assert charts.to_png(fig).startswith(b"\x89PNG")


def test_the_glyph_check_would_catch_a_latin_only_font():
    """Without the CJK font, the same text raises the warning the tests above turn into errors."""
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure()
        fig.add_subplot().set_title("警情类型构成")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts.to_png(fig)
    assert any("missing from font" in str(w.message) for w in caught)

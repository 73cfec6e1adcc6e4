"""Every chart draws its Chinese text with a real glyph: matplotlib's missing-glyph warning fails the test."""

import warnings

import matplotlib
import pytest
from matplotlib.figure import Figure

from firestats import charts, metrics
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

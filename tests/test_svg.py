"""The SVG the charts are written as: round ticks in whole numbers for counts, a legend out of the data's way,
a break where a value is missing, marks kept inside their plot, and the same bytes for the same chart."""

from xml.etree import ElementTree

import numpy as np
import pandas as pd

from firestats.publish import charts
from firestats.publish.svg import Bars, Canvas, Line, _ticks

SVG = "{http://www.w3.org/2000/svg}"


def test_counts_are_ticked_in_whole_numbers_and_shares_as_they_need():
    few = charts.monthly(pd.Series([0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1], index=range(1, 13)), 2024)
    few.svg()
    plot = few.plots[0]
    canvas = Canvas(4, 3)
    shares = canvas.plot(40, 20, 10, 30)
    shares.lines.append(Line(np.arange(3.0), np.array([0.1, 0.15, 0.3]), "#000"))
    canvas.svg()
    assert [t for _, t in _ticks_of(plot)] == ["0", "1"]
    assert all("." in t for _, t in _ticks_of(shares)) and "0.15" in [t for _, t in _ticks_of(shares)]


def _ticks_of(plot):
    low, high = plot.limits()[1]
    return _ticks(plot.y, low, high, (plot.bottom - plot.top) / 25)


def test_a_legend_goes_to_the_corner_it_covers_least():
    high = pd.DataFrame({"pass_rate": [0.95, 0.97, 0.9, 0.96] * 5, "excellent_rate": [0.8, 0.85, 0.9, 0.82] * 5},
                        index=range(1, 21))
    chart = charts.weekly_rates(high, 2024)
    root = ElementTree.fromstring(chart.svg())
    legend = next(t for t in root.iter(f"{SVG}text") if t.text == "及格率")
    plot = chart.plots[0]
    assert float(legend.get("y")) > (plot.top + plot.bottom) / 2  # both lines run high: the legend sits low


def test_a_missing_value_breaks_the_line_and_marks_no_point():
    canvas = Canvas(4, 3)
    plot = canvas.plot(40, 20, 10, 30)
    plot.lines.append(Line(np.arange(5.0), np.array([1, 2, np.nan, 4, 5]), "#000", marker="o"))
    root = ElementTree.fromstring(canvas.svg())
    assert len(list(root.iter(f"{SVG}polyline"))) == 2 and len(list(root.iter(f"{SVG}circle"))) == 4


def test_marks_beyond_the_plots_limits_are_clipped_to_its_box():
    canvas = Canvas(4, 3)
    plot = canvas.plot(40, 20, 10, 30)
    plot.bars.append(Bars(np.array([0.0, 9.0]), 2.0, np.array([1.0, 1.0]), "#c0392b"))
    plot.x.limits = (0, 10)
    root = ElementTree.fromstring(canvas.svg())
    clip = root.find(f"{SVG}clipPath/{SVG}rect")
    group = root.find(f"{SVG}g[@clip-path]")
    assert float(clip.get("x")) + float(clip.get("width")) == canvas.width - 10
    assert len(group.findall(f"{SVG}rect")) == 2  # the bar from 9 to 11 drawn inside the clip, cut at 10


def test_the_same_chart_is_the_same_bytes():
    counts = pd.Series(np.arange(24) % 7, index=range(24))
    assert charts.to_svg(charts.hourly(counts)) == charts.to_svg(charts.hourly(counts.copy()))
    chart = charts.hourly(counts)
    assert chart.svg() == chart.svg()

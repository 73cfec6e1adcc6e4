"""The charts behind the figures, sized for an A4 page, written as SVG with Chinese text the reader's fonts draw.

Each function takes figures (Series or seconds) and returns a :class:`~firestats.publish.svg.Canvas`, written
straight as SVG (``svg.py``); the map paints its hexagons and thousands of points as images (``raster.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from firestats.compute.figures import Rates
from firestats.publish import raster
from firestats.publish.svg import PT, Bars, Canvas, Colorbar, Line, Plot, Rule, text_width_in
from firestats.settings import settings

WIDTH_IN = 7.5  # fits an A4 page's text width with margins
ACCENT = "#c0392b"  # fire-service red
DARK = "#2c3e50"  # a second series beside the red
MUTED = "#7f8c8d"


# Margins in inches around the plot, set from the text they hold.
LEFT_IN = 0.65  # y tick numbers up to four digits and a rotated y label
BOTTOM_IN = 0.55  # x tick labels and an x label
TOP_IN = 0.32  # the title
RIGHT_IN = 0.2
PAD_IN = 0.15  # between a tick label and the figure's edge, and room for tick marks
MAX_BINS = 120  # a histogram's bars at most, whatever the data holds
BAR = 0.8  # a bar's width, of the distance between two categories


def _canvas(height_in: float = 3.2, left_in: float = LEFT_IN, right_in: float = RIGHT_IN,
            bottom_in: float = BOTTOM_IN, top_in: float = TOP_IN) -> tuple[Canvas, Plot]:
    """A chart's canvas, as wide as the page's text and ``height_in`` inches high, and its one plot within the
    margins given in inches."""
    canvas = Canvas(WIDTH_IN, height_in)
    return canvas, canvas.plot(left_in * PT, top_in * PT, right_in * PT, bottom_in * PT)


def _label_margin(labels, points: float = 10) -> float:
    """Inches for the widest of ``labels`` beside an axis, with padding."""
    return max((text_width_in(str(label), points) for label in labels), default=0) + PAD_IN


def _columns(plot: Plot, positions, labels: list[str], values: np.ndarray, label: str | None = None) -> None:
    """Upright bars of ``values`` (count of incidents) at ``positions``, labelled ``labels``, on a light grid."""
    positions = np.asarray(positions, dtype=float)
    plot.bars.append(Bars(positions - BAR / 2, BAR, np.asarray(values, dtype=float), ACCENT, label))
    plot.x.ticks = (list(positions), labels)
    plot.y.whole = plot.grid = True


def type_mix(by_type: pd.Series) -> Canvas:
    """Horizontal bars of incidents per type (count of incidents), largest first."""
    data = by_type.sort_values()
    return _share_bars(data, int(data.sum()), 2.8, "警情类型构成")


def _share_bars(data: pd.Series, total: int, height_in: float, title: str) -> Canvas:
    """Horizontal bars of incidents (count of incidents), bottom to top as ``data`` lists them, each labelled with
    its count and share of ``total``; ``height_in`` inches high."""
    canvas, plot = _canvas(height_in, left_in=_label_margin(data.index))
    total = max(total, 1)
    values = data.to_numpy()
    _rows(plot, [str(name) for name in data.index], values)
    plot.labels += [(value, i, f"{value}起 ({value / total:.0%})", 9) for i, value in enumerate(values)]
    plot.x.label, plot.x.whole, plot.title = "警情数（起）", True, title
    plot.x.limits = (0, max(int(data.max()) if len(data) else 1, 1) * 1.25)
    return canvas


def _rows(plot: Plot, names: list[str], values: np.ndarray) -> None:
    """Horizontal bars of ``values``, the first at the bottom, each named on the left."""
    rows = np.arange(len(names), dtype=float)
    plot.bars.append(Bars(rows - BAR / 2, BAR, np.asarray(values, dtype=float), ACCENT, horizontal=True))
    plot.y.ticks = (list(rows), names)


def monthly(counts: pd.Series, year: int) -> Canvas:
    """Bars of incidents per month 1..12 (count of incidents)."""
    canvas, plot = _canvas()
    _columns(plot, range(len(counts)), [f"{m}月" for m in counts.index], counts.to_numpy())
    plot.y.label, plot.title = "警情数（起）", f"{year}年各月接处警数量"
    return canvas


def monthly_compare(this: pd.Series, last: pd.Series | None, year: int) -> Canvas:
    """Incidents per month this year, with last year's as a line where there is one."""
    canvas, plot = _canvas()
    _columns(plot, range(len(this)), [f"{m}月" for m in this.index], this.to_numpy(), f"{year}年")
    if last is not None:
        plot.lines.append(Line(np.arange(len(last), dtype=float), last.to_numpy(dtype=float), DARK, f"{year - 1}年",
                               "o"))
    plot.y.label, plot.legend = "警情数（起）", "best"
    plot.title = (f"各月接处警数量同比（{year}年与{year - 1}年）" if last is not None
                  else f"{year}年各月接处警（无上年数据）")
    return canvas


def years(table: pd.DataFrame, panels: dict[str, str]) -> Canvas:
    """Small multiples of the years behind a report (index: year): a panel per figure of ``panels`` (its key in
    ``table`` -> its title), counts as bars, seconds as a line in minutes, shares 0..1 as a line in per cent; a year
    without the figure is left out of its panel."""
    canvas = Canvas(WIDTH_IN, 2.1)
    labels = [f"{y}年" for y in table.index]
    left, right, top, bottom = LEFT_IN * PT, 0.35 * PT, 0.3 * PT, 0.35 * PT
    # Panels share the width with gaps of 0.45 of a panel between them, as matplotlib's wspace had them.
    width = (canvas.width - left - right) / (len(panels) + 0.45 * (len(panels) - 1))
    for i, (key, title) in enumerate(panels.items()):
        start = left + i * width * 1.45
        plot = canvas.plot(start, top, canvas.width - start - width, bottom)
        values = pd.to_numeric(table[key], errors="coerce").astype(float).to_numpy()
        positions = np.arange(len(labels), dtype=float)
        if key.endswith(("_s", "rate")):
            scale, unit = (1 / 60, "（分钟）") if key.endswith("_s") else (100, "（%）")
            plot.lines.append(Line(positions, values * scale, ACCENT, marker="o"))
            plot.x.ticks, plot.grid, title = (list(positions), labels), True, title + unit
        else:
            _columns(plot, positions, labels, values)
        plot.title, plot.title_size, plot.x.size, plot.y.size = title, 9, 8, 8
    return canvas


def daily(counts: pd.Series, title: str) -> Canvas:
    """Bars of incidents per day of a month 1..31 (count of incidents): a month's report in place of months."""
    canvas, plot = _canvas()
    _columns(plot, counts.index, [], counts.to_numpy())
    days = range(1, len(counts) + 1, 2)
    plot.x.ticks = (list(days), [f"{d}日" for d in days])
    plot.y.label, plot.title = "警情数（起）", title
    return canvas


def hourly(counts: pd.Series) -> Canvas:
    """Bars of incidents per hour of the day 0..23 (count of incidents, by time received)."""
    canvas, plot = _canvas()
    _columns(plot, counts.index, [], counts.to_numpy())
    hours = range(0, 24, 2)
    plot.x.ticks = (list(hours), [f"{h}时" for h in hours])
    plot.y.label, plot.title = "警情数（起）", "接警时段分布（按接警时间）"
    return canvas


def response_times(seconds: pd.Series, within_s: int | None, what: str = "出动至到场") -> Canvas:
    """Histogram of one response segment's times in minutes (``what`` names it), with the threshold
    (none for a standard without one), median and P90 marked.

    The axis ends at ``charts.response_max_minutes`` (settings) at most, longer times counted in
    the last bar, so no typed value can stretch the axis or multiply the bins.
    """
    canvas, plot = _canvas()
    minutes = seconds.dropna().to_numpy(dtype=float) / 60
    limit = within_s / 60 if within_s else 0.0
    top = float(settings()["charts"]["response_max_minutes"])
    if minutes.size:
        minutes = np.clip(minutes, 0, top)  # an infinite or absurd time is counted in the last bar
        top = min(max(float(np.percentile(minutes, 99)), limit) * 1.1, top)
        width = max(0.5, top / MAX_BINS)
        counts, edges = np.histogram(np.clip(minutes, 0, top), bins=np.arange(0, top + width, width))
        plot.bars.append(Bars(edges[:-1], width, counts, ACCENT, opacity=0.85))
        median, p90 = np.percentile(minutes, [50, 90])
        plot.rules += [Rule(median, "#34495e", 1.2, "4 2", f"中位数 {median:.1f} 分钟"),
                       Rule(p90, MUTED, 1.4, "1.4 2.3", f"90%分位 {p90:.1f} 分钟")]
        plot.x.limits = (0, top)
    else:
        plot.note, plot.x.limits = "无可计算的响应时间", (0, max(limit, 1) * 1.5)
    if within_s:
        plot.rules.append(Rule(limit, "#27ae60", 2, None, f"{limit:g} 分钟线"))
    plot.x.label, plot.y.label = f"{what}用时（分钟）", "警情数（起）"
    plot.title, plot.legend, plot.grid, plot.y.whole = f"{what}用时分布（n={minutes.size}）", "best", True, True
    return canvas


def weekly_rates(weekly: pd.DataFrame, year: int) -> Canvas:
    """Pass and excellent rates (per cent) of each weekly test across the year."""
    canvas, plot = _canvas()
    if len(weekly):
        weeks = weekly.index.to_numpy(dtype=float)
        plot.lines += [Line(weeks, weekly["pass_rate"].to_numpy(dtype=float) * 100, ACCENT, "及格率", "o", 3),
                       Line(weeks, weekly["excellent_rate"].to_numpy(dtype=float) * 100, DARK, "优秀率", "s", 3)]
        plot.legend = "best"
    else:
        plot.note = "无每周一测记录"
    plot.y.limits, plot.x.whole, plot.grid = (0, 105), True, True
    plot.x.label, plot.y.label, plot.title = "周次", "比例（%）", f"{year}年每周一测及格率与优秀率"
    return canvas


def item_rates(by_item: dict[str, Rates]) -> Canvas:
    """Pass and excellent rates (per cent) by item, weakest item at the top."""
    rows = sorted(by_item.items(), key=lambda kv: kv[1].pass_rate or 0, reverse=True)
    names = [name for name, _ in rows]
    # The legend sits outside the bars, on the right.
    canvas, plot = _canvas(0.95 + 0.4 * max(len(by_item), 1), left_in=_label_margin(names),
                           right_in=text_width_in("及格率", 9) + 0.65)
    y = np.arange(len(rows), dtype=float)
    plot.bars += [Bars(y, 0.4, np.array([r.pass_rate * 100 for _, r in rows]), ACCENT, "及格率", horizontal=True),
                  Bars(y - 0.4, 0.4, np.array([r.excellent_rate * 100 for _, r in rows]), DARK, "优秀率",
                       horizontal=True)]
    plot.y.ticks = (list(y), names)
    plot.x.limits, plot.x.label, plot.title, plot.legend = (0, 105), "比例（%）", "各科目及格率与优秀率", "outside"
    return canvas


def activity_totals(totals: pd.Series, title: str = "工作台账合计") -> Canvas:
    """Bars of the year's activity totals by category (each in its own unit)."""
    data = totals.sort_values()
    canvas, plot = _canvas(0.9 + 0.32 * max(len(totals), 1), left_in=_label_margin(data.index), bottom_in=0.35)
    values = data.to_numpy(dtype=float)
    _rows(plot, [str(name) for name in data.index], values)
    plot.labels += [(value, i, f"{value:g}", 9) for i, value in enumerate(values)]
    plot.title = title
    plot.x.limits = (0, max(float(data.max()) if len(data) else 1, 1) * 1.15)
    return canvas


def to_svg(chart: Canvas) -> bytes:
    """The chart as SVG bytes, the same on every run, its text drawn by the reader's Chinese font."""
    return chart.svg()


def places(counts: pd.Series, shown: int = 15) -> Canvas:
    """Horizontal bars of incidents per place (count of incidents), the busiest ``shown`` at the top."""
    data = counts.head(shown).iloc[::-1]
    title = "辖区分布" if len(counts) <= shown else f"辖区分布（警情最多的{shown}个区域）"
    return _share_bars(data, int(counts.sum()), 0.9 + 0.3 * max(len(data), 1), title)


# The map's margins and, within each of its two halves, the room beside a plot for its tick labels (degrees at
# 7 points) and for its colour scale with its ticks and label, in points.
MAP_MARGINS_PT = {"left": 4, "right": 4, "top": 21.6, "bottom": 21.6}
MAP_TICKS_PT = 30
MAP_SCALE_PT = 48
MAP_GRID = 28  # hexagons across the density plot
MAP_DOT_PT = 2.0  # an incident's dot, across


def incident_map(longitude: np.ndarray, latitude: np.ndarray, minutes: np.ndarray, within_minutes: float,
                 station: tuple[float, float] | None = None,
                 outlines: list[tuple[str, list[np.ndarray]]] = ()) -> Canvas:
    """Where the incidents were, with no tiles: their density as hexagons (left) and each as a point coloured by
    its call-to-first-arrival ``minutes`` (right; grey without one), the ``station`` (latitude, longitude) as a
    star and the unit's station areas outlined (name, rings of longitude/latitude). Degrees are drawn to scale at
    the points' latitude; the plots hold the 1st to 99th percentile of the points, so a mistyped one stretches
    nothing. The hexagons and points are painted as one image each (``raster.py``): 10,000 points as SVG would be
    a megabyte."""
    canvas = Canvas(WIDTH_IN, 3.1)
    lows, highs = np.nanpercentile(longitude, [1, 99]), np.nanpercentile(latitude, [1, 99])
    pad_x, pad_y = (lows[1] - lows[0]) * 0.05 or 0.005, (highs[1] - highs[0]) * 0.05 or 0.005
    limits = (lows[0] - pad_x, lows[1] + pad_x), (highs[0] - pad_y, highs[1] + pad_y)
    # A degree of longitude is cos(latitude) of a degree of latitude on the ground: the box keeps that ratio.
    ratio = (limits[1][1] - limits[1][0]) / ((limits[0][1] - limits[0][0]) * np.cos(np.radians(np.nanmean(latitude))))
    margin = MAP_MARGINS_PT
    half = (canvas.width - margin["left"] - margin["right"]) / 2
    room_w, room_h = half - MAP_TICKS_PT - MAP_SCALE_PT, canvas.height - margin["top"] - margin["bottom"]
    width, height = (room_w, room_w * ratio) if room_w * ratio <= room_h else (room_h / ratio, room_h)
    plots = []
    for i in range(2):
        left = margin["left"] + i * half + MAP_TICKS_PT + (room_w - width) / 2
        top = margin["top"] + (room_h - height) / 2
        plot = canvas.plot(left, top, canvas.width - left - width, canvas.height - top - height)
        plot.x.limits, plot.y.limits = limits
        plot.x.size = plot.y.size = plot.title_size = 7
        plots.append(plot)
    density, timed = plots
    extent = (*limits[0], *limits[1])
    centres_x, centres_y, counts, spacing = raster.hexagon_counts(longitude, latitude, extent, MAP_GRID)
    low, high = (int(counts.min()), int(counts.max())) if counts.size else (0, 1)
    density.images.append(raster.hexagons_png(width, height, limits, centres_x, centres_y, spacing,
                                              raster.colours(counts, low, high, "Reds")))
    density.colorbar = Colorbar(_scale("Reds"), low, high, "警情数（起）", whole=True)
    known = np.isfinite(minutes)
    grey = np.tile(np.array([0xBD, 0xC3, 0xC7, 0xFF], dtype=np.uint8), (int((~known).sum()), 1))
    rgba = np.concatenate([grey, raster.colours(minutes[known], 0, 2 * within_minutes, "RdYlGn_r")])
    order = np.concatenate([np.flatnonzero(~known), np.flatnonzero(known)])  # the grey ones under the timed
    timed.images.append(raster.points_png(width, height, limits, longitude[order], latitude[order], rgba, MAP_DOT_PT))
    timed.colorbar = Colorbar(_scale("RdYlGn_r"), 0, 2 * within_minutes, "接警至首车到场（分钟）")
    for plot, title in ((density, "警情密度（六边形）"), (timed, "到场用时")):
        plot.title, plot.title_size = title, 10
        plot.lines += [Line(ring[:, 0], ring[:, 1], DARK, width=0.9) for _, rings in outlines for ring in rings]
        if station is not None:
            plot.lines.append(Line(np.array([station[1]]), np.array([station[0]]), DARK, marker="*", size=11))
    # the area's name at its outline's middle
    timed.names += [(rings[0][:, 0].mean(), rings[0][:, 1].mean(), name, 8) for name, rings in outlines]
    return canvas


def _scale(cmap: str, steps: int = 11) -> list[str]:
    """A colour map's colours at ``steps`` even points from its bottom to its top, as #rrggbb."""
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b, _ in raster.colours(np.linspace(0, 1, steps), 0, 1, cmap)]

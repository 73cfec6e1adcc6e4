"""The charts behind the figures, sized for an A4 page, written as SVG with Chinese text the reader's fonts draw.

Each function takes figures (Series or seconds) and returns a :class:`~firestats.publish.svg.Canvas`, written
straight as SVG (``svg.py``); the map alone, hexagons and thousands of points as images, is drawn by
matplotlib with a Chinese font and returns its Figure, leaving no global pyplot state behind.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from firestats.compute.figures import Rates
from firestats.publish.fonts import use_cjk_font
from firestats.publish.svg import PT, Bars, Canvas, Line, Plot, Rule, text_width_in
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


# The map's text stays text in the reader's fonts, ids are salted alike on every run and no date is stamped in:
# the same map is the same bytes. Names from the data are drawn as written (a station 城$\foo$西 is no mathtext
# formula), and a title stays where its axes' top puts it rather than measuring every tick label again.
SVG = {"svg.fonttype": "none", "svg.hashsalt": "firestats", "text.parse_math": False, "axes.titley": 1.0}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def to_svg(chart: Canvas | Figure) -> bytes:
    """The chart as SVG bytes, the same on every run, its text drawn by the reader's Chinese font."""
    if isinstance(chart, Canvas):
        return chart.svg()
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG):
        chart.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def places(counts: pd.Series, shown: int = 15) -> Canvas:
    """Horizontal bars of incidents per place (count of incidents), the busiest ``shown`` at the top."""
    data = counts.head(shown).iloc[::-1]
    title = "辖区分布" if len(counts) <= shown else f"辖区分布（警情最多的{shown}个区域）"
    return _share_bars(data, int(counts.sum()), 0.9 + 0.3 * max(len(data), 1), title)


def incident_map(longitude: np.ndarray, latitude: np.ndarray, minutes: np.ndarray, within_minutes: float,
                 station: tuple[float, float] | None = None,
                 outlines: list[tuple[str, list[np.ndarray]]] = ()) -> Figure:
    """Where the incidents were, with no tiles: their density as hexagons (left) and each as a point coloured by
    its call-to-first-arrival ``minutes`` (right; grey without one), the ``station`` (latitude, longitude) as a
    star and the unit's station areas outlined (name, rings of longitude/latitude). Degrees are drawn to scale at
    the points' latitude; the axes hold the 1st to 99th percentile of the points, so a mistyped one stretches
    nothing. The marks are drawn as one image each inside the SVG: 10,000 points as paths would be a megabyte."""
    use_cjk_font()
    with matplotlib.rc_context(SVG):  # read as the texts are made, not only as they are written
        return _map(longitude, latitude, minutes, within_minutes, station, outlines)


def _map(longitude: np.ndarray, latitude: np.ndarray, minutes: np.ndarray, within_minutes: float,
         station: tuple[float, float] | None, outlines: list[tuple[str, list[np.ndarray]]]) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, 3.1), dpi=110)
    fig.subplots_adjust(left=0.5 / WIDTH_IN, right=1 - 0.1 / WIDTH_IN, bottom=0.3 / 3.1, top=1 - 0.3 / 3.1,
                        wspace=0.12)
    density, timed = fig.subplots(1, 2)
    lows, highs = np.nanpercentile(longitude, [1, 99]), np.nanpercentile(latitude, [1, 99])
    pad_x, pad_y = (lows[1] - lows[0]) * 0.05 or 0.005, (highs[1] - highs[0]) * 0.05 or 0.005
    hexes = density.hexbin(longitude, latitude, gridsize=28, mincnt=1, cmap="Reds", linewidths=0,
                           extent=(lows[0] - pad_x, lows[1] + pad_x, highs[0] - pad_y, highs[1] + pad_y))
    hexes.set_rasterized(True)
    fig.colorbar(hexes, ax=density, shrink=0.7, pad=0.02).set_label("警情数（起）", fontsize=8)
    known = np.isfinite(minutes)
    timed.scatter(longitude[~known], latitude[~known], s=3, color="#bdc3c7", linewidths=0, rasterized=True)
    dots = timed.scatter(longitude[known], latitude[known], c=minutes[known], s=4, cmap="RdYlGn_r", vmin=0,
                         vmax=2 * within_minutes, linewidths=0, rasterized=True)
    fig.colorbar(dots, ax=timed, shrink=0.7, pad=0.02).set_label("接警至首车到场（分钟）", fontsize=8)
    for ax, title in ((density, "警情密度（六边形）"), (timed, "到场用时")):
        for _, rings in outlines:
            for ring in rings:
                ax.plot(ring[:, 0], ring[:, 1], color=DARK, linewidth=0.9)
        if station is not None:
            ax.plot(station[1], station[0], marker="*", markersize=11, color=DARK, markeredgecolor="white")
        ax.set_xlim(lows[0] - pad_x, lows[1] + pad_x)
        ax.set_ylim(highs[0] - pad_y, highs[1] + pad_y)
        ax.set_aspect(1 / np.cos(np.radians(np.nanmean(latitude))))
        ax.set_title(title, fontsize=10)
        ax.ticklabel_format(useOffset=False)  # degrees as written (120.22), not +1.2e2 and a remainder
        ax.locator_params(nbins=4)
        ax.tick_params(labelsize=7)
    for name, rings in outlines:  # the area's name at its outline's middle
        ring = rings[0]
        timed.text(ring[:, 0].mean(), ring[:, 1].mean(), name, fontsize=8, ha="center", va="center")
    return fig

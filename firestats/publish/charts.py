"""The charts behind the figures, drawn with a Chinese font and sized for an A4 page.

Each function takes figures (Series or seconds), returns a matplotlib Figure and leaves
no global pyplot state behind, so reports and tests can draw many in one process.
"""

from __future__ import annotations

import io
import unicodedata

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from firestats.compute.figures import Rates
from firestats.publish.fonts import use_cjk_font
from firestats.settings import settings

WIDTH_IN = 7.5  # fits an A4 page's text width with margins
ACCENT = "#c0392b"  # fire-service red
MUTED = "#7f8c8d"


# Margins in inches around the axes, set from the text they hold rather than measured by
# constrained layout, which lays every label out twice and took half of each chart's time.
LEFT_IN = 0.65  # y tick numbers up to four digits and a rotated y label
BOTTOM_IN = 0.55  # x tick labels and an x label
TOP_IN = 0.32  # the title
RIGHT_IN = 0.2
PAD_IN = 0.15  # between a tick label and the figure's edge, and room for tick marks
MAX_BINS = 120  # a histogram's bars at most, whatever the data holds
# Names from the data are drawn as written: a station 城$\foo$西 is no mathtext formula. A title stays where its
# axes' top puts it (no chart has tick labels above its axes): placing it above them measured every tick label
# again, a quarter of each chart's drawing.
_RC = {"text.parse_math": False, "axes.titley": 1.0}


def _figure(height_in: float = 3.2, left_in: float = LEFT_IN, right_in: float = RIGHT_IN,
            bottom_in: float = BOTTOM_IN, top_in: float = TOP_IN) -> Figure:
    use_cjk_font()
    matplotlib.rcParams.update(_RC)
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=110)
    fig.subplots_adjust(left=left_in / WIDTH_IN, right=1 - right_in / WIDTH_IN,
                        bottom=bottom_in / height_in, top=1 - top_in / height_in)
    return fig


def text_width_in(text: str, points: float = 10) -> float:
    """The width of a label in inches at ``points`` size: a CJK character is one em, others about 0.6."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * points / 72


def _label_margin(labels, points: float = 10) -> float:
    """Inches for the widest of ``labels`` beside an axis, with padding."""
    return max((text_width_in(str(label), points) for label in labels), default=0) + PAD_IN


def _tidy(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


def type_mix(by_type: pd.Series) -> Figure:
    """Horizontal bars of incidents per type (count of incidents), largest first."""
    data = by_type.sort_values()
    return _share_bars(data, int(data.sum()), 2.8, "警情类型构成")


def _share_bars(data: pd.Series, total: int, height_in: float, title: str) -> Figure:
    """Horizontal bars of incidents (count of incidents), bottom to top as ``data`` lists them, each labelled with
    its count and share of ``total``; ``height_in`` inches high."""
    fig = _figure(height_in, left_in=_label_margin(data.index))
    ax = fig.add_subplot()
    total = max(total, 1)
    bars = ax.barh(data.index, data.to_numpy(), color=ACCENT)
    for bar, value in zip(bars, data.to_numpy()):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value}起 ({value / total:.0%})",
                va="center", fontsize=9)
    ax.set_xlabel("警情数（起）")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(int(data.max()) if len(data) else 1, 1) * 1.25)
    return fig


def monthly(counts: pd.Series, year: int) -> Figure:
    """Bars of incidents per month 1..12 (count of incidents)."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar([f"{m}月" for m in counts.index], counts.to_numpy(), color=ACCENT)
    ax.set_ylabel("警情数（起）")
    ax.set_title(f"{year}年各月接处警数量")
    _tidy(ax)
    return fig


def monthly_compare(this: pd.Series, last: pd.Series | None, year: int) -> Figure:
    """Incidents per month this year, with last year's as a line where there is one."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = [f"{m}月" for m in this.index]
    ax.bar(labels, this.to_numpy(), color=ACCENT, label=f"{year}年")
    if last is not None:
        ax.plot(labels, last.to_numpy(), color="#2c3e50", marker="o", markersize=4, label=f"{year - 1}年")
    ax.set_ylabel("警情数（起）")
    title = f"各月接处警数量同比（{year}年与{year - 1}年）" if last is not None else f"{year}年各月接处警（无上年数据）"
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=9)
    _tidy(ax)
    return fig


def years(table: pd.DataFrame, panels: dict[str, str]) -> Figure:
    """Small multiples of the years behind a report (index: year): a panel per figure of ``panels`` (its key in
    ``table`` -> its title), counts as bars, seconds as a line in minutes, shares 0..1 as a line in per cent; a year
    without the figure is left out of its panel."""
    fig = _figure(2.1, right_in=0.35, bottom_in=0.35, top_in=0.3)
    labels = [f"{y}年" for y in table.index]
    axes = fig.subplots(1, len(panels), gridspec_kw={"wspace": 0.45})
    for ax, (key, title) in zip(np.atleast_1d(axes), panels.items()):
        values = pd.to_numeric(table[key], errors="coerce").astype(float)
        if key.endswith("_s"):
            ax.plot(labels, (values / 60).to_numpy(), color=ACCENT, marker="o", markersize=4)
            title += "（分钟）"
        elif key.endswith("rate"):
            ax.plot(labels, (values * 100).to_numpy(), color=ACCENT, marker="o", markersize=4)
            title += "（%）"
        else:
            ax.bar(labels, values.to_numpy(), color=ACCENT)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        _tidy(ax)
    return fig


def daily(counts: pd.Series, title: str) -> Figure:
    """Bars of incidents per day of a month 1..31 (count of incidents): a month's report in place of months."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(counts.index, counts.to_numpy(), color=ACCENT)
    ax.set_xticks(range(1, len(counts) + 1, 2), [f"{d}日" for d in range(1, len(counts) + 1, 2)])
    ax.set_ylabel("警情数（起）")
    ax.set_title(title)
    _tidy(ax)
    return fig


def hourly(counts: pd.Series) -> Figure:
    """Bars of incidents per hour of the day 0..23 (count of incidents, by time received)."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar(counts.index, counts.to_numpy(), color=ACCENT)
    ax.set_xticks(range(0, 24, 2), [f"{h}时" for h in range(0, 24, 2)])
    ax.set_ylabel("警情数（起）")
    ax.set_title("接警时段分布（按接警时间）")
    _tidy(ax)
    return fig


def response_times(seconds: pd.Series, within_s: int | None, what: str = "出动至到场") -> Figure:
    """Histogram of one response segment's times in minutes (``what`` names it), with the threshold
    (none for a standard without one), median and P90 marked.

    The axis ends at ``charts.response_max_minutes`` (settings) at most, longer times counted in
    the last bar, so no typed value can stretch the axis or multiply the bins.
    """
    fig = _figure()
    ax = fig.add_subplot()
    minutes = seconds.dropna().to_numpy(dtype=float) / 60
    limit = within_s / 60 if within_s else 0.0
    top = float(settings()["charts"]["response_max_minutes"])
    if minutes.size:
        minutes = np.clip(minutes, 0, top)  # an infinite or absurd time is counted in the last bar
        top = min(max(float(np.percentile(minutes, 99)), limit) * 1.1, top)
        width = max(0.5, top / MAX_BINS)
        ax.hist(np.clip(minutes, 0, top), bins=np.arange(0, top + width, width), color=ACCENT, alpha=0.85)
        median, p90 = np.percentile(minutes, [50, 90])
        ax.axvline(median, color="#34495e", linestyle="--", linewidth=1.2, label=f"中位数 {median:.1f} 分钟")
        ax.axvline(p90, color=MUTED, linestyle=":", linewidth=1.4, label=f"90%分位 {p90:.1f} 分钟")
        ax.set_xlim(0, top)
    else:
        ax.text(0.5, 0.5, "无可计算的响应时间", transform=ax.transAxes, ha="center", va="center")
    if within_s:
        ax.axvline(limit, color="#27ae60", linewidth=2, label=f"{limit:g} 分钟线")
    ax.set_xlabel(f"{what}用时（分钟）")
    ax.set_ylabel("警情数（起）")
    ax.set_title(f"{what}用时分布（n={minutes.size}）")
    ax.legend(frameon=False, fontsize=9)
    _tidy(ax)
    return fig


def weekly_rates(weekly: pd.DataFrame, year: int) -> Figure:
    """Pass and excellent rates (per cent) of each weekly test across the year."""
    fig = _figure()
    ax = fig.add_subplot()
    if len(weekly):
        ax.plot(weekly.index, weekly["pass_rate"] * 100, marker="o", markersize=3, color=ACCENT, label="及格率")
        ax.plot(weekly.index, weekly["excellent_rate"] * 100, marker="s", markersize=3, color="#2c3e50",
                label="优秀率")
        ax.legend(frameon=False, fontsize=9)
    else:
        ax.text(0.5, 0.5, "无每周一测记录", transform=ax.transAxes, ha="center", va="center")
    ax.set_ylim(0, 105)
    ax.set_xlabel("周次")
    ax.set_ylabel("比例（%）")
    ax.set_title(f"{year}年每周一测及格率与优秀率")
    _tidy(ax)
    return fig


def item_rates(by_item: dict[str, Rates]) -> Figure:
    """Pass and excellent rates (per cent) by item, weakest item at the top."""
    rows = sorted(by_item.items(), key=lambda kv: kv[1].pass_rate or 0, reverse=True)
    names = [name for name, _ in rows]
    # The legend sits outside the bars, on the right.
    fig = _figure(0.95 + 0.4 * max(len(by_item), 1), left_in=_label_margin(names),
                  right_in=text_width_in("及格率", 9) + 0.65)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, [r.pass_rate * 100 for _, r in rows], height=0.4, color=ACCENT, label="及格率")
    ax.barh(y - 0.2, [r.excellent_rate * 100 for _, r in rows], height=0.4, color="#2c3e50", label="优秀率")
    ax.set_yticks(y, names)
    ax.set_xlim(0, 105)
    ax.set_xlabel("比例（%）")
    ax.set_title("各科目及格率与优秀率")
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def activity_totals(totals: pd.Series, title: str = "工作台账合计") -> Figure:
    """Bars of the year's activity totals by category (each in its own unit)."""
    data = totals.sort_values()
    fig = _figure(0.9 + 0.32 * max(len(totals), 1), left_in=_label_margin(data.index), bottom_in=0.35)
    ax = fig.add_subplot()
    bars = ax.barh(data.index, data.to_numpy(), color=ACCENT)
    for bar, value in zip(bars, data.to_numpy()):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:g}", va="center", fontsize=9)
    ax.set_title(title)
    ax.set_xlim(0, max(float(data.max()) if len(data) else 1, 1) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


# Text stays text in the reader's fonts (a CJK font's glyphs as paths made charts larger than PNGs), ids are
# salted alike on every run, and no date is stamped in: the same chart is the same bytes. A station's eight
# charts: 120 KB as SVG, against 253 KB as PNG at the 110 dpi they had (blurred on paper) and 549 KB at 220 dpi.
SVG = {"svg.fonttype": "none", "svg.hashsalt": "firestats"}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def to_svg(fig: Figure) -> bytes:
    """The figure as SVG bytes, the same on every run, its text drawn by the reader's CJK font."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG):
        fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def places(counts: pd.Series, shown: int = 15) -> Figure:
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
    fig = _figure(3.1, left_in=0.5, bottom_in=0.3, right_in=0.1, top_in=0.3)
    fig.subplots_adjust(wspace=0.12)
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
                ax.plot(ring[:, 0], ring[:, 1], color="#2c3e50", linewidth=0.9)
        if station is not None:
            ax.plot(station[1], station[0], marker="*", markersize=11, color="#2c3e50", markeredgecolor="white")
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

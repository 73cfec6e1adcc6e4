"""Charts written straight as SVG: a canvas, the plot areas on it, and their bars, lines, ticks and legends.

matplotlib built tick objects, measured every label with FreeType and walked its tree of artists for each
chart: 40-100 ms a chart, more than half of a warm report. A report's charts are bars, lines and reference
lines on linear axes, which this writes as SVG elements in about a millisecond. Text stays text, drawn by
the reader's Chinese font, and is laid out from its estimated width (a CJK character one em, another 0.6),
as the charts' margins already were.

Coordinates are points (1/72 inch) from the canvas's top-left corner; a plot maps its data onto its box.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape

import numpy as np
from matplotlib.ticker import MaxNLocator

PT = 72  # points per inch: the SVG's unit
# The reader's browser draws the text, with the first of these it has: Simplified-Chinese designs of every system
# first, the TC/JP/KR cuts of Noto (the same characters) next, then any sans-serif.
FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "SimHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Source Han Sans",
)
FONT_FAMILY = ", ".join([*(f"'{family}'" for family in FAMILIES), "sans-serif"])
TICK_PT = 3.5  # a tick mark's length, outside the axis
TICK_PAD_PT = 3.5  # between a tick mark and its label
LABEL_PAD_PT = 4.0  # between the tick labels and the axis's label
TITLE_PAD_PT = 6.0  # between the plot's top and its title's baseline
VALUE_GAP_PT = 3.0  # between a bar's end and the value written after it
LINE_PT = 0.8  # axis lines and tick marks
MARGIN = 0.05  # data limits widened by this share of their range on each side, as matplotlib does
GRID = "#e5e5e5"
# Characters XML forbids in a document: a name typed with one must not break the image.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width_in(text: str, points: float = 10) -> float:
    """The width of a label in inches at ``points`` size: a CJK character is one em, others about 0.6."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * points / PT


def _n(value: float) -> str:
    """A coordinate in points, to a tenth: a chart's bytes depend on nothing but its data."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Box:
    """A text's estimated extent on the canvas, in points: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float


class Canvas:
    """An SVG drawing ``width_in`` x ``height_in`` inches on a white ground, holding its plots; every text's
    estimated box is kept, so that a test can see none is cut off at the edges."""

    def __init__(self, width_in: float, height_in: float) -> None:
        self.width, self.height = width_in * PT, height_in * PT
        self.parts: list[str] = []
        self.text_boxes: list[Box] = []
        self.plots: list[Plot] = []

    def plot(self, left: float, top: float, right: float, bottom: float) -> Plot:
        """A plot area whose box lies ``left``/``top``/``right``/``bottom`` points in from the canvas's edges."""
        made = Plot(self, left, top, self.width - right, self.height - bottom)
        self.plots.append(made)
        return made

    def text(self, x: float, y: float, value: str, size: float = 10, anchor: str = "middle",
             align: str = "middle", rotate: bool = False, color: str = "#000") -> None:
        """``value`` at (``x``, ``y``): ``anchor`` start/middle/end says which of its ends or its middle is at
        ``x``; ``align`` top/middle/bottom which of its edges or its middle is at ``y``; ``rotate`` turns it to
        read upwards about that point."""
        value = _NOT_XML.sub("", str(value))
        width = text_width_in(value, size) * PT
        # Baseline below the point: a line's em box is about 0.85 em above the baseline and 0.15 below it.
        baseline = {"top": 0.85, "middle": 0.35, "bottom": -0.15}[align] * size
        before = {"start": 0.0, "middle": width / 2, "end": width}[anchor]
        along = (x - before, x - before + width)  # along the text's direction, before any turn
        across = {"top": (y, y + size), "middle": (y - size / 2, y + size / 2), "bottom": (y - size, y)}[align]
        if rotate:
            # turned a quarter to the left about (x, y): along the text is up the page, across it rightwards
            self.text_boxes.append(Box(x + across[0] - y, y - (along[1] - x), x + across[1] - y, y - (along[0] - x)))
            turn = f' transform="rotate(-90 {_n(x)} {_n(y)})"'
        else:
            self.text_boxes.append(Box(along[0], across[0], along[1], across[1]))
            turn = ""
        fill = "" if color == "#000" else f' fill="{color}"'
        self.parts.append(f'<text x="{_n(x)}" y="{_n(y + baseline)}" font-size="{size:g}" text-anchor="{anchor}"'
                          f'{fill}{turn}>{escape(value, quote=False)}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, color: str = "#000", width: float = LINE_PT,
             dash: str | None = None) -> None:
        """A straight line, dashed with ``dash`` (an SVG dash array in points) if given."""
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{color}" '
                          f'stroke-width="{width:g}"{dashed}/>')

    def rect(self, x: float, y: float, width: float, height: float, color: str, opacity: float = 1.0) -> None:
        """A filled rectangle from its top-left corner."""
        faded = f' fill-opacity="{opacity:g}"' if opacity < 1 else ""
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
                          f'fill="{color}"{faded}/>')

    def polyline(self, xs: np.ndarray, ys: np.ndarray, color: str, width: float = 1.5) -> None:
        """A line through the points in order."""
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in zip(xs, ys))
        self.parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="{width:g}" '
                          'stroke-linejoin="round"/>')

    def marker(self, x: float, y: float, shape: str, size: float, color: str) -> None:
        """A marker ``size`` points across centred on the point: ``o`` a disc, ``s`` a square, ``*`` a star edged
        in white."""
        if shape == "s":
            self.rect(x - size / 2, y - size / 2, size, size, color)
        elif shape == "*":
            turns = np.pi / 2 + np.arange(10) * np.pi / 5  # its five points and the five notches between them
            reach = np.where(np.arange(10) % 2, 0.38, 1.0) * size / 2
            points = " ".join(f"{_n(x + r * np.cos(t))},{_n(y - r * np.sin(t))}" for r, t in zip(reach, turns))
            self.parts.append(f'<polygon points="{points}" fill="{color}" stroke="#fff" stroke-width="0.6"/>')
        else:
            self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size / 2)}" fill="{color}"/>')

    def image(self, x: float, y: float, width: float, height: float, png: bytes) -> None:
        """A PNG image stretched over the box from (``x``, ``y``)."""
        self.parts.append(f'<image x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
                          f'preserveAspectRatio="none" xlink:href="data:image/png;base64,'
                          f'{base64.b64encode(png).decode("ascii")}"/>')

    def svg(self) -> bytes:
        """The drawing as an SVG document, the same bytes for the same chart."""
        self.parts, self.text_boxes = [], []  # drawn afresh from the plots: a second call writes the same
        for i, plot in enumerate(self.plots):
            plot.draw(f"plot{i}")
        head = (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                f'xmlns:xlink="http://www.w3.org/1999/xlink" '
                f'width="{_n(self.width)}pt" height="{_n(self.height)}pt" '
                f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" font-family="{FONT_FAMILY}">\n'
                f'<rect width="100%" height="100%" fill="#fff"/>\n')
        return (head + "\n".join(self.parts) + "\n</svg>\n").encode("utf-8")


@dataclass
class Bars:
    """Bars from zero along the value axis, ``values`` long: each starts at ``starts`` across it and is
    ``thickness`` wide (data units); ``horizontal`` bars grow to the right."""

    starts: np.ndarray
    thickness: float | np.ndarray
    values: np.ndarray
    color: str
    label: str | None = None
    horizontal: bool = False
    opacity: float = 1.0


@dataclass
class Line:
    """A line through (``xs``, ``ys``) with a ``marker`` (``o``, ``s`` or none) of ``size`` points at each
    point; a missing value breaks it."""

    xs: np.ndarray
    ys: np.ndarray
    color: str
    label: str | None = None
    marker: str | None = None
    size: float = 4
    width: float = 1.5  # points


@dataclass
class Rule:
    """A vertical line across the whole plot at ``x``, ``dash`` an SVG dash array or None."""

    x: float
    color: str
    width: float
    dash: str | None
    label: str | None = None


@dataclass
class Colorbar:
    """A scale of colours beside a plot, ``colors`` from ``low`` (bottom) to ``high`` (top) evenly, its values
    ticked (whole numbers with ``whole``) and named by ``label``."""

    colors: list[str]
    low: float
    high: float
    label: str
    whole: bool = False


@dataclass
class Axis:
    """One axis of a plot: its limits (None: the data's, widened by :data:`MARGIN`), its ticks (None: round
    numbers; else positions and their labels), its label and whether its numbers are whole."""

    limits: tuple[float, float] | None = None
    ticks: tuple[list[float], list[str]] | None = None
    label: str = ""
    whole: bool = False
    size: float = 10  # points, of the tick labels


@dataclass
class Plot:
    """A plot area on a canvas, its box from (``left``, ``top``) to (``right``, ``bottom``) in points, holding
    marks in data units; drawn when the canvas writes its SVG."""

    canvas: Canvas
    left: float
    top: float
    right: float
    bottom: float
    x: Axis = field(default_factory=Axis)
    y: Axis = field(default_factory=Axis)
    title: str = ""
    title_size: float = 12
    grid: bool = False  # light horizontal lines at the value ticks, behind the marks
    bars: list[Bars] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    labels: list[tuple[float, float, str, float]] = field(default_factory=list)  # after (x, y): text, size
    names: list[tuple[float, float, str, float]] = field(default_factory=list)  # centred on (x, y): text, size
    images: list[bytes] = field(default_factory=list)  # PNGs over the whole box, under the marks
    colorbar: Colorbar | None = None  # on the right of the box
    note: str = ""  # said in the middle of an empty plot
    legend: str | None = None  # where the legend goes: best (inside, least in the way) or outside (on the right)

    def limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The plot's x and y limits (data units)."""
        return self.x.limits or self._span(0), self.y.limits or self._span(1)

    def _span(self, which: int) -> tuple[float, float]:
        """The data's extent on the x (0) or y (1) axis widened by :data:`MARGIN`; a bar's base stays at the
        plot's edge, as its own axis starts there."""
        lows, highs, sticky = [], [], []
        for bars in (bars for bars in self.bars if len(bars.values)):  # no bars: no extent
            if which == (1 if bars.horizontal else 0):
                lows.append(np.min(bars.starts, initial=np.inf))
                highs.append(np.max(bars.starts + bars.thickness, initial=-np.inf))
            else:
                lows.append(min(0.0, np.min(bars.values, initial=0.0)))
                highs.append(np.max(bars.values, initial=0.0))
                sticky.append(0.0)
        for line in self.lines:
            values = np.asarray(line.xs if which == 0 else line.ys, dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                lows.append(values.min())
                highs.append(values.max())
        if which == 0:
            lows += [rule.x for rule in self.rules]
            highs += [rule.x for rule in self.rules]
        low, high = (min(lows), max(highs)) if lows else (0.0, 1.0)
        if high <= low:  # nothing to show, or one value: a unit's room around it, bars of nothing upwards
            low, high = (low, low + 1) if low in sticky else (low - 0.5, high + 0.5)
        pad = (high - low) * MARGIN
        return (low if low in sticky else low - pad), (high if high in sticky else high + pad)

    def draw(self, clip: str) -> None:
        """Write the plot onto its canvas: grid, marks (clipped to the box by the clip path ``clip`` names),
        axes and ticks, labels, title and legend. The box's left edge moves right if the value axis's labels
        need more room than the margin left them."""
        (x0, x1), (y0, y1) = self.limits()
        canvas = self.canvas
        y_ticks = _ticks(self.y, y0, y1, (self.bottom - self.top) / 25)
        widest = max((text_width_in(text, self.y.size) * PT for _, text in y_ticks), default=0.0)
        beside = TICK_PT + TICK_PAD_PT + widest + (LABEL_PAD_PT + 10 if self.y.label else 0) + 1
        self.left = max(self.left, beside)
        width, height = self.right - self.left, self.bottom - self.top
        x_ticks = _ticks(self.x, x0, x1, width / 50)

        def px(x: float | np.ndarray) -> float | np.ndarray:
            return self.left + (np.asarray(x, dtype=float) - x0) / (x1 - x0) * width

        def py(y: float | np.ndarray) -> float | np.ndarray:
            return self.bottom - (np.asarray(y, dtype=float) - y0) / (y1 - y0) * height

        if self.grid:
            for position, _ in y_ticks:
                canvas.line(self.left, py(position), self.right, py(position), GRID, 0.8)
        canvas.parts.append(f'<clipPath id="{clip}"><rect x="{_n(self.left)}" y="{_n(self.top)}" '
                            f'width="{_n(width)}" height="{_n(height)}"/></clipPath><g clip-path="url(#{clip})">')
        for png in self.images:
            canvas.image(self.left, self.top, width, height, png)
        for bars in self.bars:
            self._draw_bars(bars, px, py)
        for rule in self.rules:
            canvas.line(px(rule.x), self.top, px(rule.x), self.bottom, rule.color, rule.width, rule.dash)
        for line in self.lines:
            self._draw_line(line, px, py)
        canvas.parts.append("</g>")
        for x, y, text, size in self.labels:
            canvas.text(px(x) + VALUE_GAP_PT, py(y), text, size, anchor="start")
        for x, y, text, size in self.names:
            canvas.text(px(x), py(y), text, size)
        if self.note:
            canvas.text((self.left + self.right) / 2, (self.top + self.bottom) / 2, self.note)
        canvas.line(self.left, self.bottom, self.right, self.bottom)
        canvas.line(self.left, self.top, self.left, self.bottom)
        below = self.bottom + TICK_PT + TICK_PAD_PT
        for position, text in x_ticks:
            canvas.line(px(position), self.bottom, px(position), self.bottom + TICK_PT)
            canvas.text(px(position), below, text, self.x.size, align="top")
        for position, text in y_ticks:
            canvas.line(self.left - TICK_PT, py(position), self.left, py(position))
            canvas.text(self.left - TICK_PT - TICK_PAD_PT, py(position), text, self.y.size, anchor="end")
        if self.x.label:
            canvas.text((self.left + self.right) / 2, below + (self.x.size if x_ticks else 0) + LABEL_PAD_PT,
                        self.x.label, align="top")
        if self.y.label:
            canvas.text(self.left - TICK_PT - TICK_PAD_PT - widest - LABEL_PAD_PT, (self.top + self.bottom) / 2,
                        self.y.label, align="bottom", rotate=True)
        if self.title:
            canvas.text((self.left + self.right) / 2, self.top - TITLE_PAD_PT, self.title, self.title_size,
                        align="bottom")
        if self.legend:
            self._draw_legend(px, py)
        if self.colorbar:
            self._draw_colorbar(self.colorbar, clip)

    def _draw_colorbar(self, bar: Colorbar, name: str) -> None:
        """The colour scale beside the box, seven tenths of its height, its ticks and label on its right."""
        canvas, size = self.canvas, self.y.size
        left, right = self.right + 6, self.right + 6 + size * 1.4
        top, bottom = self.top + (self.bottom - self.top) * 0.15, self.bottom - (self.bottom - self.top) * 0.15
        stops = "".join(f'<stop offset="{i / max(len(bar.colors) - 1, 1):.3f}" stop-color="{color}"/>'
                        for i, color in enumerate(bar.colors))
        canvas.parts.append(f'<linearGradient id="{name}-scale" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient>'
                            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}" '
                            f'height="{_n(bottom - top)}" fill="url(#{name}-scale)" stroke="#000" '
                            f'stroke-width="{LINE_PT:g}"/>')
        widest = 0.0
        for position, text in _ticks(Axis(whole=bar.whole), bar.low, bar.high, (bottom - top) / 25):
            y = bottom - (position - bar.low) / ((bar.high - bar.low) or 1) * (bottom - top)
            canvas.line(right, y, right + TICK_PT, y)
            canvas.text(right + TICK_PT + TICK_PAD_PT, y, text, size, anchor="start")
            widest = max(widest, text_width_in(text, size) * PT)
        canvas.text(right + TICK_PT + TICK_PAD_PT + widest + LABEL_PAD_PT, (top + bottom) / 2, bar.label, size + 1,
                    align="top", rotate=True)

    def _draw_bars(self, bars: Bars, px, py) -> None:
        starts = np.asarray(bars.starts, dtype=float)
        ends = starts + bars.thickness
        values = np.asarray(bars.values, dtype=float)
        for start, end, value in zip(starts, ends, values):
            if bars.horizontal:
                left, right = sorted((float(px(0)), float(px(value))))
                top, bottom = float(py(end)), float(py(start))
            else:
                left, right = float(px(start)), float(px(end))
                top, bottom = sorted((float(py(value)), float(py(0))))
            self.canvas.rect(left, top, right - left, bottom - top, bars.color, bars.opacity)

    def _draw_line(self, line: Line, px, py) -> None:
        xs, ys = px(line.xs), py(line.ys)
        known = np.isfinite(ys)
        # A missing value breaks the line: each run of known points is drawn on its own.
        for run in np.split(np.arange(len(ys)), np.flatnonzero(np.diff(known.astype(int))) + 1):
            run = run[known[run]]
            if run.size > 1:
                self.canvas.polyline(xs[run], ys[run], line.color, line.width)
        if line.marker:
            for x, y in zip(xs[known], ys[known]):
                self.canvas.marker(x, y, line.marker, line.size, line.color)

    def _entries(self) -> list[tuple[str, str, object]]:
        """The legend's rows: (kind, label, mark) in the order the marks were added (bars, lines, rules)."""
        return ([("bar", b.label, b) for b in self.bars if b.label] + [("line", m.label, m) for m in self.lines
                if m.label] + [("rule", r.label, r) for r in self.rules if r.label])

    def _draw_legend(self, px, py) -> None:
        entries = self._entries()
        if not entries:
            return
        size = 9
        row, handle, gap = size * 1.45, size * 2, size * 0.6
        width = handle + gap + max(text_width_in(label, size) * PT for _, label, _ in entries)
        height = row * len(entries)
        if self.legend == "outside":
            left, top = self.right + size * 0.5, self.top
        else:
            left, top = self._best_corner(width, height, px, py, size * 0.6)
        for i, (kind, label, mark) in enumerate(entries):
            middle = top + row * (i + 0.5)
            if kind == "bar":
                self.canvas.rect(left, middle - size * 0.35, handle, size * 0.7, mark.color, mark.opacity)
            elif kind == "line":
                self.canvas.line(left, middle, left + handle, middle, mark.color, mark.width)
                if mark.marker:
                    self.canvas.marker(left + handle / 2, middle, mark.marker, mark.size, mark.color)
            else:
                self.canvas.line(left, middle, left + handle, middle, mark.color, mark.width, mark.dash)
            self.canvas.text(left + handle + gap, middle, label, size, anchor="start")

    def _best_corner(self, width: float, height: float, px, py, pad: float) -> tuple[float, float]:
        """The top-left point of the plot's corner where a legend ``width`` x ``height`` points covers the
        fewest marks: upper right, upper left, lower left, lower right, in that order on a tie."""
        left, right, top, bottom = self.left + pad, self.right - pad - width, self.top + pad, self.bottom - pad - height
        corners = [(right, top), (left, top), (left, bottom), (right, bottom)]
        points = [(np.atleast_1d(px(line.xs)), np.atleast_1d(py(line.ys))) for line in self.lines]
        for bars in self.bars:  # a bar covers every point along its middle from its base to its end
            middles = np.asarray(bars.starts, dtype=float) + np.asarray(bars.thickness, dtype=float) / 2
            for fraction in np.linspace(0, 1, 8):
                along = np.asarray(bars.values, dtype=float) * fraction
                x, y = (along, middles) if bars.horizontal else (middles, along)
                points.append((np.atleast_1d(px(x)), np.atleast_1d(py(y))))
        for rule in self.rules:
            points.append((np.full(8, px(rule.x)), np.linspace(self.top, self.bottom, 8)))

        def covered(corner: tuple[float, float]) -> int:
            left, top = corner
            return sum(int(np.sum((xs >= left) & (xs <= left + width) & (ys >= top) & (ys <= top + height)))
                       for xs, ys in points)

        return min(corners, key=covered)


def _ticks(axis: Axis, low: float, high: float, most: float) -> list[tuple[float, str]]:
    """The axis's ticks within its limits (position, label): its own, or about ``most`` round numbers at
    most, labelled with as many decimals as they need."""
    if axis.ticks is not None:
        positions, labels = axis.ticks
        return [(p, t) for p, t in zip(positions, labels) if low <= p <= high]
    locator = MaxNLocator(nbins=max(2, min(9, int(most))), steps=[1, 2, 2.5, 5, 10], integer=axis.whole)
    slack = (high - low) * 1e-9
    positions = [float(p) for p in locator.tick_values(low, high) if low - slack <= p <= high + slack]
    decimals = next((d for d in range(5) if all(abs(round(p, d) - p) < 1e-9 for p in positions)), 5)
    return [(p, f"{p:.{decimals}f}") for p in positions]

"""Marks too many to write one by one, painted as one PNG over a plot: density hexagons and coloured points.

Ten thousand incidents as SVG circles would be a megabyte of page; as pixels they are a few kilobytes.
Images are painted at :data:`PX_PER_PT` pixels a point, sharp on screen and on paper.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

PX_PER_PT = 2  # pixels per point of the plot's box
# A hexagon's corners in units of its lattice's spacing (x, y): matplotlib's hexbin draws these.
_HEXAGON = np.array([[0.5, -1 / 6], [0.5, 1 / 6], [0.0, 1 / 3], [-0.5, 1 / 6], [-0.5, -1 / 6], [0.0, -1 / 3]])


def hexagon_counts(x: np.ndarray, y: np.ndarray, extent: tuple[float, float, float, float],
                   across: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """Points counted into ``across`` hexagons across ``extent`` (xmin, xmax, ymin, ymax), on matplotlib's hexbin
    lattice: each hexagon's centre x and y, its count (only hexagons with a point), and the lattice's spacing
    (x, y). A point outside the extent or without a coordinate is not counted."""
    xmin, xmax, ymin, ymax = extent
    down = int(across / math.sqrt(3))
    sx, sy = (xmax - xmin) / across, (ymax - ymin) / down
    known = np.isfinite(x) & np.isfinite(y)
    ix, iy = (x[known] - xmin) / sx, (y[known] - ymin) / sy
    # Two offset lattices; a point goes to the nearer of its two candidate centres.
    ix1, iy1 = np.round(ix).astype(int), np.round(iy).astype(int)
    ix2, iy2 = np.floor(ix).astype(int), np.floor(iy).astype(int)
    first = (ix - ix1) ** 2 + 3 * (iy - iy1) ** 2 < (ix - ix2 - 0.5) ** 2 + 3 * (iy - iy2 - 0.5) ** 2
    centres_x, centres_y, counts = [], [], []
    for use, cols, rows, shift, size in ((first, ix1, iy1, 0.0, (across + 1, down + 1)),
                                         (~first, ix2, iy2, 0.5, (across, down))):
        inside = use & (cols >= 0) & (cols < size[0]) & (rows >= 0) & (rows < size[1])
        cells = np.bincount(cols[inside] * size[1] + rows[inside], minlength=size[0] * size[1])
        filled = np.flatnonzero(cells)
        centres_x.append(xmin + (filled // size[1] + shift) * sx)
        centres_y.append(ymin + (filled % size[1] + shift) * sy)
        counts.append(cells[filled])
    return np.concatenate(centres_x), np.concatenate(centres_y), np.concatenate(counts), (sx, sy)


def colours(values: np.ndarray, low: float, high: float, cmap: str) -> np.ndarray:
    """RGBA bytes (n x 4) of ``values`` on matplotlib's colour map ``cmap`` from ``low`` to ``high``."""
    scaled = (np.asarray(values, dtype=float) - low) / ((high - low) or 1)
    return colormaps[cmap](np.clip(scaled, 0, 1), bytes=True)


def hexagons_png(width_pt: float, height_pt: float, limits: tuple[tuple[float, float], tuple[float, float]],
                 centres_x: np.ndarray, centres_y: np.ndarray, spacing: tuple[float, float],
                 rgba: np.ndarray) -> bytes:
    """Filled hexagons at their centres (data units within ``limits``: x and y), a lattice's ``spacing`` apart,
    painted over a transparent box ``width_pt`` x ``height_pt`` points."""
    image, to_px = _canvas(width_pt, height_pt, limits)
    draw = ImageDraw.Draw(image)
    corners = _HEXAGON * np.array(spacing)
    for x, y, colour in zip(centres_x, centres_y, rgba):
        xs, ys = to_px(x + corners[:, 0], y + corners[:, 1])
        draw.polygon(list(zip(xs.tolist(), ys.tolist())), fill=tuple(int(c) for c in colour))
    return _png(image)


def points_png(width_pt: float, height_pt: float, limits: tuple[tuple[float, float], tuple[float, float]],
               x: np.ndarray, y: np.ndarray, rgba: np.ndarray, diameter_pt: float) -> bytes:
    """Discs ``diameter_pt`` points across at (``x``, ``y``) (data units within ``limits``), each in its colour,
    painted over a transparent box ``width_pt`` x ``height_pt`` points (where two overlap, either may show)."""
    image, to_px = _canvas(width_pt, height_pt, limits)
    pixels = np.array(image)
    cols, rows = to_px(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    cols, rows = np.round(cols).astype(int), np.round(rows).astype(int)
    radius = diameter_pt * PX_PER_PT / 2
    reach = int(math.ceil(radius))
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            if dx * dx + dy * dy > radius * radius:
                continue
            c, r = cols + dx, rows + dy
            inside = (c >= 0) & (c < pixels.shape[1]) & (r >= 0) & (r < pixels.shape[0])
            pixels[r[inside], c[inside]] = rgba[inside]
    return _png(Image.fromarray(pixels, "RGBA"))


def _canvas(width_pt: float, height_pt: float, limits: tuple[tuple[float, float], tuple[float, float]]):
    """A transparent image over the box and the map from data units to its pixels."""
    width, height = max(1, round(width_pt * PX_PER_PT)), max(1, round(height_pt * PX_PER_PT))
    (x0, x1), (y0, y1) = limits

    def to_px(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (x - x0) / (x1 - x0) * width, (y1 - y) / (y1 - y0) * height

    return Image.new("RGBA", (width, height), (0, 0, 0, 0)), to_px


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()

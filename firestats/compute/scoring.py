"""Score tables: points for a fitness result, by item and age group, and the grade they earn.

Tables are versioned data files (``firestats/data/score_tables/``); the one shipped is a
labelled example, since the official in-service table is not public. A unit uses its own by
path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from firestats.errors import ScoreTableError
from firestats.ingest.items import catalogue

# Grades by the cut-off that earns them, best first; below every cut-off: 不及格.
GRADES = (("excellent", "优秀"), ("good", "良好"), ("pass", "及格"))
FAIL = "不及格"
DEFAULT_TABLE = "example-2024"

@dataclass(frozen=True)
class Band:
    """One age group's scoring for an item."""

    ages: tuple[int, int]  # inclusive, years
    limits: tuple[float, ...]  # result limits, best first (seconds or repetitions)
    points: tuple[float, ...]  # points earned at each limit
    bonus_step: float = 0.0  # result units per bonus step past the best limit
    bonus_points: float = 0.0
    bonus_cap: float = 0.0


@dataclass(frozen=True)
class ScoreTable:
    """A whole score table: bands per item, and the point cut-offs of the grades."""

    version: str
    title: str
    official: bool
    cutoffs: dict[str, float]  # pass / good / excellent, in points
    bands: dict[str, tuple[Band, ...]]

    def points(self, item: str, result: float, age: float | None) -> float:
        """Points for one result (seconds for timed items, repetitions for counts); NaN if unscorable."""
        band = self._band(item, age)
        if band is None or result is None or math.isnan(result):
            return math.nan
        lower = catalogue()[item].better == "lower"
        beats = (lambda r, limit: r <= limit) if lower else (lambda r, limit: r >= limit)
        earned = next((p for limit, p in zip(band.limits, band.points) if beats(result, limit)), 0.0)
        if band.bonus_step and beats(result, band.limits[0]):
            beyond = (band.limits[0] - result) if lower else (result - band.limits[0])
            earned += min(math.floor(beyond / band.bonus_step + 1e-9) * band.bonus_points, band.bonus_cap)
        return float(earned)

    def grade(self, points: float) -> str | None:
        """The grade a number of points earns; None for no score."""
        if points is None or math.isnan(points):
            return None
        return next((grade for cutoff, grade in GRADES if points >= self.cutoffs[cutoff]), FAIL)

    def _band(self, item: str, age: float | None) -> Band | None:
        bands = self.bands.get(item, ())
        if age is None or (isinstance(age, float) and math.isnan(age)):
            return bands[0] if len(bands) == 1 else None
        return next((b for b in bands if b.ages[0] <= age <= b.ages[1]), None)

    def score_frame(self, results: pd.DataFrame) -> pd.DataFrame:
        """Add ``points`` and ``grade`` to rows with ``item``, ``result`` and ``age`` columns."""
        points = [self.points(i, r, a) for i, r, a in
                  zip(results["item"], results["result"].astype(float), results["age"].astype(float))]
        out = results.assign(points=np.array(points, dtype=float))
        out["grade"] = pd.array([self.grade(p) for p in out["points"]], dtype="string")
        return out


def shipped_tables() -> dict[str, Path]:
    """Score tables shipped with firestats, by version."""
    folder = resources.files("firestats") / "data" / "score_tables"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


@cache
def load_table(name_or_path: str | Path = DEFAULT_TABLE) -> ScoreTable:
    """Load a shipped table by version, or a table file by path."""
    path = shipped_tables().get(str(name_or_path)) or Path(name_or_path)
    if not path.is_file():
        raise ScoreTableError(f"{name_or_path}: no such score table; shipped: {', '.join(sorted(shipped_tables()))}")
    spec = yaml.safe_load(path.read_text("utf-8"))
    known = catalogue()
    bands: dict[str, tuple[Band, ...]] = {}
    for item, groups in (spec.get("items") or {}).items():
        if item not in known:
            raise ScoreTableError(f"{path}: items.{item}: not in the item catalogue ({', '.join(known)})")
        bands[item] = tuple(_band(g, f"{path}: items.{item}", known[item].better) for g in groups)
    cutoffs = {k: float(v) for k, v in (spec.get("cutoffs") or {}).items()}
    if set(cutoffs) != {"pass", "good", "excellent"}:
        raise ScoreTableError(f"{path}: cutoffs needs pass, good and excellent")
    return ScoreTable(str(spec.get("version", path.stem)), str(spec.get("title", path.stem)),
                      bool(spec.get("official", False)), cutoffs, bands)


def _band(group: dict, where: str, better: str) -> Band:
    rows = group.get("table") or []
    limits = tuple(float(r[0]) for r in rows)
    ordered = sorted(limits, reverse=better == "higher")
    if not rows or list(limits) != ordered:
        raise ScoreTableError(f"{where}: table rows must run from the best result to the worst")
    bonus = group.get("bonus") or {}
    return Band(tuple(int(a) for a in group["ages"]), limits, tuple(float(r[1]) for r in rows),
                float(bonus.get("step", 0)), float(bonus.get("points", 0)), float(bonus.get("cap", 0)))

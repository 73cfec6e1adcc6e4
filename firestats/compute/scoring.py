"""Score tables: points for a fitness result, by item and age group, and the grade they earn.

Tables are versioned data files (``firestats/data/score_tables/``); the one shipped is a
labelled example, since the official in-service table is not public. A unit uses its own by
path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from firestats.errors import ScoreTableError
from firestats.vocabulary.items import catalogue

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

    def earned(self, results: np.ndarray, lower: bool) -> np.ndarray:
        """Points for results of this group: those of the first limit each result reaches (0 past the last),
        plus bonus steps past the best limit up to the cap; ``lower`` when a smaller result is better."""
        # Limits run from the best result to the worst, so as "cost" (the result, negated where higher is
        # better) they ascend, and the first limit a result reaches is a binary search away.
        sign = 1.0 if lower else -1.0
        limits = sign * np.array(self.limits)
        cost = sign * results
        reached = np.searchsorted(limits, cost, side="left")
        earned = np.append(np.array(self.points), 0.0)[reached]
        if self.bonus_step:
            beyond = np.maximum(limits[0] - cost, 0.0)
            earned += np.minimum(np.floor(beyond / self.bonus_step + 1e-9) * self.bonus_points, self.bonus_cap)
        return earned


@dataclass(frozen=True)
class ScoreTable:
    """A whole score table: bands per item, and the point cut-offs of the grades."""

    version: str
    title: str
    official: bool
    cutoffs: dict[str, float]  # pass / good / excellent, in points
    bands: dict[str, tuple[Band, ...]]

    def points(self, item: str, result: float | None, age: float | None) -> float:
        """Points for one result (seconds for timed items, repetitions for counts); NaN if unscorable."""
        one = pd.DataFrame({"item": [item], "result": [result], "age": [age]}, dtype=object)
        return float(self.score_frame(one)["points"].iloc[0])

    def grade(self, points: float | None) -> str | None:
        """The grade a number of points earns; None for no score."""
        grade = self.grades(np.array([points], dtype=float))[0]
        return None if pd.isna(grade) else str(grade)

    def grades(self, points: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The grade each number of points earns (NA for no score), as strings."""
        earned = np.select([points >= self.cutoffs[cutoff] for cutoff, _ in GRADES], [g for _, g in GRADES], FAIL)
        return pd.array(np.where(np.isnan(points), None, earned), dtype="string")

    def score_frame(self, results: pd.DataFrame) -> pd.DataFrame:
        """Add ``points`` and ``grade`` to rows with ``item``, ``result`` and ``age`` columns.

        Each age group's results are scored together (a detachment's year is hundreds of thousands): a
        row of an item without a score table, without a result, or of an age no group holds gets NaN; an
        item with one age group scores rows without an age too.
        """
        items = results["item"].to_numpy(dtype=object)
        values = results["result"].astype(float).to_numpy()
        ages = results["age"].astype(float).to_numpy()
        points = np.full(len(results), np.nan)
        for item, bands in self.bands.items():
            lower = catalogue()[item].better == "lower"
            unscored = (items == item) & ~np.isnan(values)
            for band in bands:  # the first group holding an age scores it
                rows = unscored & ((ages >= band.ages[0]) & (ages <= band.ages[1]) | np.isnan(ages) & (len(bands) == 1))
                points[rows] = band.earned(values[rows], lower)
                unscored &= ~rows
        return results.assign(points=points, grade=self.grades(points))


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

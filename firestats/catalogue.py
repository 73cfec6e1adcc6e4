"""The figure catalogue: one term, unit and definition for every figure, from ``data/figures.yaml``.

Every label a reader sees (report, annual text, exports, overview, index page) comes from here,
so a figure is called the same everywhere; threshold words (the arrival line's minutes) come from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from firestats.settings import within_seconds


@dataclass(frozen=True)
class Entry:
    """One figure: its dotted key in `firestats figures`, what it is called, and how it is written."""

    key: str
    term: str  # what every text calls it
    unit: str  # 起, 人, 万元, 秒, 比例 …
    approx: bool  # the annual text writes it rounded down with 余 (123 -> 120余次)
    definition: str
    source: str


@cache
def _data() -> dict:
    return yaml.safe_load(resources.files("firestats").joinpath("data/figures.yaml").read_text("utf-8"))


def catalogue() -> dict[str, Entry]:
    """Every catalogued figure by key, in the catalogue's order, thresholds filled from the settings in use."""
    return _filled(within_seconds())


@cache
def _filled(seconds: int) -> dict[str, Entry]:
    """The catalogue with the arrival threshold of ``seconds`` written into its terms and definitions."""
    limits = {"within_seconds": seconds, "within_minutes": f"{seconds / 60:g}"}
    return {e["key"]: Entry(e["key"], e["term"].format(**limits), e["unit"], bool(e.get("approx", False)),
                            e["definition"].format(**limits), e["source"]) for e in _data()["figures"]}


def entry(key: str) -> Entry:
    """The catalogue's entry for a figure (KeyError for a figure it does not hold)."""
    return catalogue()[key]


def term(key: str) -> str:
    """What every text calls a figure: ``incidents.total`` -> 接处警总数."""
    return catalogue()[key].term


def heading(key: str) -> str:
    """A figure's term with its unit, for a column heading: 接处警总数（起）; shares, times and uncatalogued
    keys without."""
    e = catalogue().get(key)
    return label(key) if e is None or e.unit in ("比例", "秒") else f"{e.term}（{e.unit}）"


def label(key: str) -> str:
    """A label for any figure key: the catalogue's term, else its parts' words joined (训练考核·3月考核·及格率)."""
    found = catalogue().get(key)
    if found:
        return found.term
    words, parts = [], key.split(".")
    while parts:
        part = parts.pop(0)
        word = part_word(part)
        takes = min(word.count("{}"), len(parts))
        words.append(word.format(*(parts.pop(0) for _ in range(takes))) if takes else word)
    return "·".join(words)


def part_word(part: str) -> str:
    """What one part of a figure key is called (turnout -> 出动准备); the part itself when unnamed."""
    return _data()["parts"].get(part, part)


def unit_of(key: str) -> str:
    """A figure's unit: the catalogue's, else from its parts (比例 for rates, 秒 for times, 项次 for counts)."""
    found = catalogue().get(key)
    if found:
        return found.unit
    units = _data()["part_units"]
    return next((units[p] for p in reversed(key.split(".")) if p in units), "")

"""The assessment item catalogue and spellings, read from ``firestats/data/assessments.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

from firestats.vocabulary.spelling import normalise_header


@dataclass(frozen=True)
class Item:
    """One fitness item: its canonical name, unit and which way is better."""

    name: str
    unit: Literal["s", "reps", "m"]
    better: Literal["lower", "higher"]
    dotted_minutes: bool  # 12.35 means 12'35" (long runs), not 12.35 seconds
    max_s: float | None = None  # the slowest plausible time, in seconds (timed items)


@cache
def spec() -> dict:
    """The whole assessments data file."""
    return yaml.safe_load(resources.files("firestats").joinpath("data/assessments.yaml").read_text("utf-8"))


@cache
def catalogue() -> dict[str, Item]:
    """Items by canonical name."""
    return {i["name"]: Item(i["name"], i["unit"], i["better"], i.get("dotted") == "minutes", i.get("max_s"))
            for i in spec()["items"]}


@cache
def item_names() -> dict[str, str]:
    """Every spelling of an item (normalised) -> its canonical name."""
    names = {}
    for i in spec()["items"]:
        for alias in (i["name"], *i.get("aliases", [])):
            names[normalise_header(alias)] = i["name"]
    return names


def lookup_table(section: str) -> dict[str, str]:
    """A spelling table (``kinds`` or ``statuses``): every spelling -> its canonical value."""
    return {normalise_header(a): key for key, names in spec()[section].items() for a in names}

"""The activity ledgers' vocabulary (``firestats/data/activities.yaml``): their header spellings, the categories
with each one's figure, unit and spellings, and the licence kinds."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


@cache
def spec() -> dict:
    """The activities data file: headers, categories and licence kinds."""
    return yaml.safe_load(resources.files("firestats").joinpath("data/activities.yaml").read_text("utf-8"))

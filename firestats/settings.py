"""Thresholds the figures are held against, read from one settings file with their sources."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def settings() -> dict:
    """The settings shipped in ``firestats/data/settings.yaml``."""
    text = resources.files("firestats").joinpath("data/settings.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def score_table_name() -> str:
    """The score table assessments are graded with (a shipped version or a path)."""
    return str(settings()["assessments"]["score_table"])


def header_search_rows() -> int:
    """How many rows from a sheet's top its header row is looked for in (default 30: title lines above it)."""
    return int(settings()["workbook_limits"]["header_search_rows"])


def min_percentile_n() -> int:
    """Fewest incidents a median or 90th percentile is shown for (default 20)."""
    return int(settings()["percentiles"]["min_n"])


def within_standard() -> dict[str, Any]:
    """The response standard (with its ``key``) that ``response.within_standard`` names: the one whose
    dispatch-to-arrival threshold every report's 'within' share uses."""
    key = settings()["response"]["within_standard"]
    return {"key": key, **settings()["response_standards"]["profiles"][key]}


def within_seconds() -> int:
    """The arrival threshold for the 'reached within' share, in seconds (default 300): the
    dispatch-to-arrival threshold of :func:`within_standard`."""
    thresholds = within_standard()["thresholds"]
    return int(next(t["seconds"] for t in thresholds if t["segment"] == "dispatch_to_arrival"))

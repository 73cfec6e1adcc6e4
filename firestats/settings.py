"""Thresholds the figures are held against, read from one settings file with their sources: the shipped
defaults (``firestats/data/settings.yaml``), overridden key by key by the unit's own file when a request
names one."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from firestats.errors import InputError

_in_use: str | None = None  # the unit's settings file this process reads now (None: the shipped defaults)


def use_settings(path: Path | str | None) -> None:
    """Read the unit's settings file at ``path`` from now on in this process (None: the shipped defaults alone).

    Called where a request arrives (its data opened, its report rendered), so every figure, threshold
    and word of that report comes from the unit's settings; a file that cannot be used is refused now,
    naming it.
    """
    global _in_use
    chosen = None if path is None else str(Path(path).resolve())
    _read(chosen)  # refused here, before it is in use
    _in_use = chosen


def settings() -> dict:
    """The settings in use: the shipped ones, with the unit's file (see :func:`use_settings`) over them."""
    return _read(_in_use)


@cache
def _shipped() -> dict:
    return yaml.safe_load(resources.files("firestats").joinpath("data/settings.yaml").read_text("utf-8"))


@cache
def _read(path: str | None) -> dict:
    """The shipped settings with the unit's file at ``path`` over them (cached by path: a batch worker's reports
    share one file; the warm kernel's reset clears the cache between reports, so an edited file is read again)."""
    if path is None:
        return _shipped()
    try:
        unit = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable settings file ({type(exc).__name__})") from exc
    return _over(_shipped(), unit, path, "")


def _over(shipped: Any, unit: Any, path: str, where: str) -> Any:
    """``unit`` over ``shipped``, key by key; a key the shipped settings do not have is refused, naming it (an
    empty mapping shipped, such as the stations' full names, is the unit's to fill)."""
    if not isinstance(shipped, dict) or not shipped:
        return unit
    if not isinstance(unit, dict):
        raise InputError(f"{path}: {where or 'the file'} should be a mapping of settings (keys: "
                         f"{', '.join(shipped)})")
    unknown = [key for key in unit if key not in shipped]
    if unknown:
        raise InputError(f"{path}: unknown setting {where + '.' if where else ''}{unknown[0]} (known here: "
                         f"{', '.join(shipped)})")
    return {key: _over(value, unit[key], path, f"{where}.{key}".lstrip(".")) if key in unit else value
            for key, value in shipped.items()}


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

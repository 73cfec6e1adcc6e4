"""Station names as one spelling: 城东 / 城东站 / 城东消防救援站 are all 城东站."""

from __future__ import annotations

import pandas as pd

from firestats.ingest import parse
from firestats.ingest.distinct import by_distinct
from firestats.schema import aliases
from firestats.settings import settings


def normalise_stations(values: pd.Series) -> pd.Series:
    """Resolve station spellings to one name: 城东 / 城东站 / 城东消防救援站 -> 城东站.

    The suffix rule is for Chinese names; other names (``Mill Hill``, ``32``) are only trimmed.
    """
    return by_distinct(parse.text(values), _resolved)


def _resolved(cells: pd.Series) -> pd.Series:
    """Clean station spellings resolved to one name, each cell on its own (see ``normalise_stations``)."""
    table = aliases()
    names = parse.replace(cells, r"\s+", " ")
    chinese = parse.matches(names, r"[\x{4e00}-\x{9fff}]")
    compact = parse.replace(names, " ", "")
    explicit = parse.lookup(compact, table.get("station_names") or {})
    suffixes = sorted(table["station_suffixes"], key=len, reverse=True)
    stem = parse.replace(compact, f"({'|'.join(suffixes)})$", "")
    resolved = (stem + "站").where(stem.str.len() > 0, compact).where(chinese, names)
    return resolved.where(explicit.isna(), explicit).astype("string")


def normalise_station(name: str) -> str:
    """One station spelling resolved, as :func:`normalise_stations` does for a column."""
    return str(normalise_stations(pd.Series([name])).iloc[0])


def full_name(station: str) -> str:
    """A station's full name for a report: 城东站 -> 城东消防救援站 (settings: stations); other names as they are."""
    names = settings()["stations"]
    if station in (names.get("full_names") or {}):
        return names["full_names"][station]
    chinese = any("\u4e00" <= c <= "\u9fff" for c in station)
    return station[:-1] + names["full_suffix"] if chinese and station.endswith("站") else station

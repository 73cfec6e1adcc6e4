"""Where the incidents were: figures by place (the export's district, or the town level of its address).

All functions are pure: DataFrames in, counts (起), shares and changes (fractions 0..1) and times
(seconds) out. A place is the canonical ``district`` where an incident has one; otherwise the
street, town or township (街道/镇/乡, else the 区/县) parsed from its Chinese ``address``; an incident
with neither counts as 未识别. The standard for arrival is the reports' own: dispatch to arrival within
the settings' threshold (GB 51080 / 建标152 state the 5-minute rule to the district's edge).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from firestats.compute.incidents import by_type, summarise_seconds
from firestats.compute.response import excluded, profile, segment_seconds
from firestats.schema import UNIDENTIFIED_PLACE as UNIDENTIFIED

# The levels of a Chinese address, largest first: lazily, so 浦东新区川沙新镇 splits at the first 区.
_LEVELS = re.compile(r"^\s*(?:[\u4e00-\u9fff]{2,7}?省)?(?:[\u4e00-\u9fff]{1,7}?市)?"
                     r"(?P<district>[\u4e00-\u9fff]{1,7}?(?:新区|区|县))?"
                     r"(?P<town>[\u4e00-\u9fff]{1,7}?(?:街道|镇|乡))?")
# A building is its number (人民路5号): flats and rooms after it are one place (and a person's home).
_BUILDING = r"^(.*?\d+[号弄])"


def town_of(address: str | None) -> str | None:
    """The town level of a Chinese address: its 街道, 镇 or 乡, else its 区 or 县 (None: neither found).

    >>> town_of("上海市浦东新区川沙新镇华夏东路1号"), town_of("东湖街道人民路5号"), town_of("123 Main St")
    ('川沙新镇', '东湖街道', None)
    """
    if not isinstance(address, str):
        return None
    found = _LEVELS.match(re.sub(r"\s+", "", address))  # 浦东新区 陆家嘴街道 …: spaced levels
    return found["town"] or found["district"]


def place_of(incidents: pd.DataFrame) -> pd.Series:
    """Each incident's place: its district, else its address's town level, else 未识别 (a dot, which dotted figure
    keys split at, written ·)."""
    district = incidents["district"].astype("string").str.strip().replace("", pd.NA)
    # Addresses parsed only where there is no district: a regular expression per row was most of a province's places.
    parsed = incidents["address"][district.isna()].map(town_of).astype("string")
    return district.fillna(parsed).fillna(UNIDENTIFIED).str.replace(".", "·", regex=False).astype(object)


def spot_of(incidents: pd.DataFrame) -> pd.Series:
    """Each incident's address to its building (人民路5号), whitespace dropped; None without an address."""
    address = incidents["address"].astype("string").str.replace(r"\s+", "", regex=True).replace("", pd.NA)
    building = address.str.extract(_BUILDING, expand=False)
    return building.fillna(address).str.replace(".", "·", regex=False).astype(object)


def _change(now: int, then: int | None) -> float | None:
    """The change from ``then`` to ``now`` as a fraction of ``then`` (None: no earlier period, or none then)."""
    return None if not then else (now - then) / then


def place_figures(incidents: pd.DataFrame, within_s: int, standard: str | None = None,
                  earlier: pd.DataFrame | None = None, before: pd.DataFrame | None = None,
                  hotspot_min: int = 3, hotspots: int = 10, carried: list[str] | None = None,
                  areas: dict[str, Any] | None = None) -> dict[str, Any]:
    """Incidents by place, busiest first (未识别 last), and the places of repeated incidents.

    ``districts``: per place its incidents (起) and share of all (0..1); 同比 and 环比 (``year_on_year``,
    ``period_on_period``: fractions, against ``earlier`` and ``before``, the same period a year earlier and
    the one before; None without that period's records or none there then); the call to the first arrival
    (``timed`` incidents, ``median_s``, ``p90_s`` in seconds, as the response segments count it under
    ``standard``) and the share of dispatch-to-arrival times within ``within_s`` seconds (None without a
    timed incident). ``types``: per place its incidents by canonical type (起; None for a type the export
    cannot hold, not among ``carried``). ``hotspots``: the ``hotspots`` addresses (to the building) with at
    least ``hotspot_min`` incidents, most first (起). ``areas`` (with ``areas``, the unit's station areas:
    :func:`station_areas`): the incidents inside each (:func:`area_counts`). All empty without incidents.
    """
    counted = {"areas": area_counts(incidents, areas)} if areas else {}
    if incidents.empty:
        return {"districts": {}, "types": {}, "hotspots": {}, **counted}
    places = place_of(incidents)
    counts = places.value_counts()
    order = sorted(counts.index, key=lambda p: (p == UNIDENTIFIED, -counts[p], p))
    seconds = segment_seconds(incidents)
    seconds = seconds[~excluded(seconds, incidents, profile(standard))]
    earlier_counts = None if earlier is None or earlier.empty else place_of(earlier).value_counts()
    before_counts = None if before is None or before.empty else place_of(before).value_counts()
    # Each place's rows found among the timed and the typed, not every column of the incidents taken per place.
    timed, typed = places.loc[seconds.index], incidents[["type"]]
    districts, types = {}, {}
    for place in order:
        mine, at = places == place, timed == place
        total = summarise_seconds(seconds.loc[at, "total"])
        arrival = seconds.loc[at, "dispatch_to_arrival"].dropna()
        n = int(counts[place])
        districts[place] = {
            "incidents": n, "share": n / len(incidents),
            "year_on_year": None if earlier_counts is None else _change(n, int(earlier_counts.get(place, 0))),
            "period_on_period": None if before_counts is None else _change(n, int(before_counts.get(place, 0))),
            "timed": total["n"], "median_s": total["median_s"], "p90_s": total["p90_s"],
            "within_share": float(np.mean(arrival <= within_s)) if len(arrival) else None,
        }
        types[place] = by_type(typed[mine], carried)
    spots = spot_of(incidents).dropna().value_counts()
    spots = spots[spots >= hotspot_min].head(hotspots)
    return {"districts": districts, "types": types,
            "hotspots": {spot: {"incidents": int(n)} for spot, n in spots.items()}, **counted}


def station_areas(geojson: dict[str, Any] | None) -> dict[str, Any]:
    """A unit's station areas (辖区) from its GeoJSON FeatureCollection: each polygon by its feature's ``name``
    (辖区1, 辖区2 … for one without), in the file's order; none without a file."""
    features = (geojson or {}).get("features") or []
    return {str((f.get("properties") or {}).get("name") or f"辖区{i}"): shapely.geometry.shape(f["geometry"])
            for i, f in enumerate(features, start=1)}


def area_counts(incidents: pd.DataFrame, areas: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per station area, the incidents whose point (longitude, latitude) lies inside it or on its edge (起; one on
    two areas' shared edge, or in two that overlap, counts in each)."""
    located = incidents[["longitude", "latitude"]].dropna().to_numpy(dtype=float)
    return {name: {"incidents": int(shapely.intersects_xy(area, located[:, 0], located[:, 1]).sum())}
            for name, area in areas.items()}


def outlines(areas: dict[str, Any]) -> list[tuple[str, list[np.ndarray]]]:
    """Each station area's outer rings as (longitude, latitude) arrays, by name: a map draws them."""
    return [(name, [np.asarray(part.exterior.coords) for part in shapely.get_parts(area)
                    if part.geom_type == "Polygon"]) for name, area in areas.items()]

"""Projected grid coordinates (easting/northing in metres) as WGS 84 degrees, for exports that give no degrees.

London's export withholds a dwelling's latitude and longitude but keeps its British National Grid point, the centre of
its 100 m square (``Easting_rounded``, ``Northing_rounded``): converted here, its map shows every incident, not two in
five.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj

WGS84 = "EPSG:4326"


@lru_cache(maxsize=8)
def _transformer(crs: str) -> pyproj.Transformer:
    """One transformer per grid: building one reads PROJ's database (milliseconds), converting is vectorised."""
    return pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)


def check_crs(crs: str) -> str | None:
    """Why ``crs`` is no projected grid PROJ knows (None: it is one)."""
    try:
        found = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        return str(exc)
    return None if found.is_projected else f"{crs} is not a projected grid (its coordinates are not metres)"


def degrees(easting: np.ndarray, northing: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (WGS 84 degrees) of grid points in metres on ``crs`` (EPSG:27700: British National
    Grid); NaN where either metre is NaN.

    >>> [round(float(v[0]), 4) for v in degrees(np.array([528652.0]), np.array([176830.0]), "EPSG:27700")]
    [51.4758, -0.1489]
    """
    easting, northing = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    longitude, latitude = _transformer(crs).transform(easting, northing)
    known = np.isfinite(easting) & np.isfinite(northing)  # PROJ gives inf, not NaN, for a NaN metre
    return np.where(known, latitude, np.nan), np.where(known, longitude, np.nan)

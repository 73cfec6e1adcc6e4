"""The detachment overview at scale: each station computed from its own rows gives the figures a station's own
compute gives, and above ``overview.full_up_to`` stations a compact page of the index figures."""

from __future__ import annotations

import json

import pytest

from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.overview import TOTAL, station_figures
from firestats.store import load

YEAR = 2024


@pytest.mark.parametrize("period", [Period(YEAR), Period(YEAR, "quarter", 2)], ids=str)
def test_the_overviews_figures_of_each_station_are_its_own_computes_byte_for_byte(prepared, period):
    dataset = load(prepared)
    this, _ = station_figures(dataset, period)
    assert len(this) == 6
    for station, figures in this.items():
        own = compute(dataset, None if station == TOTAL else station, period, interval=False).figures
        assert json.dumps(figures, ensure_ascii=False, default=str) == json.dumps(own, ensure_ascii=False,
                                                                                  default=str), station


def test_a_stations_part_narrows_to_the_slice_the_whole_narrows_to(prepared):
    dataset = load(prepared)
    parts = dataset.by_station()
    assert set(parts) == set(dataset.station_years())
    for station, part in parts.items():
        years = dataset.station_years()[station]
        mine, whole = part.narrow(station, years), dataset.narrow(station, years)
        for family in ("incidents", "problems", "assessments", "activities"):
            assert len(getattr(whole, family)) and getattr(mine, family).equals(getattr(whole, family)), family
        assert (part.quality, part.known, part.months) == (dataset.quality, dataset.known, dataset.months)

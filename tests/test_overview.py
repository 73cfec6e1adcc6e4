"""The detachment overview at scale: each station computed from its own rows gives the figures a station's own
compute gives, and above ``overview.full_up_to`` stations a compact page of the index figures."""

from __future__ import annotations

import io
import json
from urllib.parse import unquote

import pandas as pd
import pytest

from firestats.compute.compare import value_at
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.overview import TOTAL, compact_overview, detachment_overview, station_figures, stations_in
from firestats.request import Request
from firestats.settings import use_settings
from firestats.store import load, open_report

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


INDEX = ("incidents.total", "response.dispatch_to_arrival.n", "response.dispatch_to_arrival.within_share",
         "response.segments.total.n", "assessments.overall.n", "assessments.overall.pass_rate")
BRIGADES = {"一大队": ["城东站", "城西站"], "二大队": ["城南站", "城北站"]}  # 高新区站 in none


@pytest.fixture
def brigades(tmp_path):
    """A unit's settings with two brigades of the sample's stations, its overview compact above 2 stations."""
    unit = tmp_path / "firestats.yaml"
    unit.write_text(json.dumps({"unit": {"detachment": "东江市消防救援支队", "brigades": BRIGADES},
                                "overview": {"full_up_to": 2, "source": "测试"}}, ensure_ascii=False), encoding="utf-8")
    use_settings(str(unit))
    yield str(unit)
    use_settings(None)


@pytest.mark.parametrize("period", [Period(YEAR), Period(YEAR, "quarter", 2)], ids=str)
def test_the_compact_overviews_figures_are_each_stations_brigades_and_totals_own_computes(prepared, brigades,
                                                                                         period):
    """Counted over all rows at once, each station's index figures are those its own compute gives (counts and
    rates exactly, seconds to rounding), and so are each brigade's (over its stations' rows) and the total's."""
    dataset = load(prepared)
    stations = stations_in(dataset, period)
    view = compact_overview(dataset, period, stations)
    assert view.compact and view.brigades == {b: tuple(sorted(held)) for b, held in BRIGADES.items()}
    assert view.last == station_figures(dataset, period)[1]
    wanted = {**{s: s for s in stations}, TOTAL: None}
    for name, members in [*wanted.items(), *BRIGADES.items()]:
        own = compute(dataset, members, period, interval=False).figures
        got = view.subtotals[name] if name in BRIGADES else view.figures[name]
        assert {k: value_at(got, k) for k in INDEX} == {k: value_at(own, k) for k in INDEX}, name
        key = "response.segments.total.median_s"
        assert value_at(got, key) == pytest.approx(value_at(own, key), rel=1e-12), name
        assert (got["assessments"] is None) == (own["assessments"] is None), name


def test_a_compact_overview_is_one_table_by_brigade_linking_each_stations_page(prepared, brigades):
    """Above overview.full_up_to: a row per station linked to its page, each brigade's subtotal after its stations,
    the stations of no brigade, then the total; no station's months or places shaded."""
    view = detachment_overview(Request.of(None, YEAR, prepared, settings=brigades))
    page = view.side_by_side().data
    shown = pd.read_html(io.StringIO(page))[0]
    grouped = [row for brigade, held in BRIGADES.items() for row in [*sorted(held), f"{brigade}小计"]]
    assert shown.iloc[:, 0].tolist() == [*grouped, "高新区站", TOTAL]
    counts = shown.set_index(shown.columns[0])[shown.columns[1]]
    for brigade, held in BRIGADES.items():
        assert counts[f"{brigade}小计"] == sum(counts[s] for s in held)
    assert counts[TOTAL] == view.figures[TOTAL]["incidents"]["total"]
    assert all(f'<a href="./{s}.html">{s}</a>' in unquote(page) for s in view.stations)
    assert "fs-heat" not in view.over_time().data + view.places().data
    full = detachment_overview(Request.of(None, YEAR, prepared))  # the sample's 5 stations under the default 40
    assert not full.compact and "fs-heat" in full.over_time().data


def test_the_overview_reads_its_year_and_the_one_before_alone_and_figures_as_from_every_year(prepared, monkeypatch):
    """A report reads five years for the years behind its figures; the overview shows none of them, so it reads
    its period's year and the one before (a year earlier, the period before), and its figures are the same."""
    from firestats.publish import overview

    read = []
    monkeypatch.setattr(overview, "open_report", lambda *a: read.append(open_report(*a)) or read[-1])
    view = detachment_overview(Request.of(None, 2025, prepared))
    assert set(read[0][1].incidents["received_at"].dt.year) == {2024, 2025}
    assert (view.figures, view.last) == station_figures(load(prepared), Period(2025))

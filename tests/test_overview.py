"""The detachment overview at scale: every station counted over all their rows at once gives the figures a station's
own compute gives, and above ``overview.full_up_to`` stations a compact page of the index figures."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import pandas as pd
import pytest
from conftest import everyday

from firestats.catalogue import shown_in, unit_of
from firestats.compute.compare import n_of, value_at
from firestats.compute.places import UNIDENTIFIED
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.overview import TOTAL, compact_overview, detachment_overview, station_figures, stations_in
from firestats.request import Request
from firestats.settings import use_settings
from firestats.store import load, open_report

YEAR = 2024


PERIODS = [Period(YEAR), Period(YEAR, "half", 2), Period(YEAR, "quarter", 2), Period(YEAR, "month", 3)]


def leaves(figures: dict[str, Any], path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every value of nested figures by its path of keys."""
    found: dict[tuple[str, ...], Any] = {}
    for key, value in figures.items():
        found.update(leaves(value, (*path, key)) if isinstance(value, dict) else {(*path, key): value})
    return found


def assert_as_computed(got: dict[str, Any], own: dict[str, Any], name: str) -> None:
    """Each value of side-by-side figures is the one compute gives at its place, of the same type, to the last bit;
    the places in compute's order; and they hold every figure the overview and a level's table show, with each
    time's n."""
    held = leaves(own)
    for path, value in leaves(got).items():
        assert path in held and type(value) is type(held[path]) and value == held[path], (name, path, value)
    shown = [e.key for e in shown_in("overview")]
    shown += [n_of(k) for k in shown if unit_of(k) == "秒"]
    assert all(value_at(got, k) == value_at(own, k) for k in shown), name
    if "places" in got:
        assert list(got["places"]["districts"]) == list(own["places"]["districts"]), name


@pytest.mark.parametrize("period", everyday(PERIODS), ids=str)
def test_the_overviews_figures_of_each_station_are_its_own_computes(prepared, period):
    """Counted over every station's rows at once, each station's figures are its own compute's, value for value,
    and the total is the detachment's compute."""
    dataset = load(prepared)
    this, last = station_figures(dataset, period)
    assert len(this) == 6
    for station, figures in this.items():
        own = compute(dataset, None if station == TOTAL else station, period, interval=False).figures
        if station == TOTAL:
            assert figures == own
        else:
            assert_as_computed(figures, own, station)
            assert ("daily" in figures) == (period.kind == "month") and figures["places"]["districts"]
    assert last == {s: len(dataset.narrow(None if s == TOTAL else s, period.a_year_earlier()).incidents) for s in this}


@pytest.mark.slow
def test_side_by_side_places_are_ordered_as_a_stations_own_with_the_unidentified_last(prepared):
    """Most incidents without a district or an address: 未识别 is the busiest place, and still listed last."""
    dataset = load(prepared)
    placeless = dataset.incidents.index % 3 != 0
    dataset = replace(dataset, incidents=dataset.incidents.assign(
        district=dataset.incidents["district"].mask(placeless), address=dataset.incidents["address"].mask(placeless)))
    this, _ = station_figures(dataset, Period(YEAR))
    for station in stations_in(dataset, Period(YEAR)):
        districts = this[station]["places"]["districts"]
        assert list(districts)[-1] == UNIDENTIFIED and districts[UNIDENTIFIED]["incidents"] == max(
            v["incidents"] for v in districts.values())
        assert_as_computed(this[station], compute(dataset, station, Period(YEAR), interval=False).figures, station)


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


@pytest.mark.parametrize("period", everyday([Period(YEAR), Period(YEAR, "quarter", 2)]), ids=str)
def test_the_compact_overviews_figures_are_each_stations_brigades_and_totals_own_computes(prepared, brigades,
                                                                                         period):
    """Counted over all rows at once, each station's figures are those its own compute gives, value for value, and
    so are each brigade's (over its stations' rows) and the total's."""
    dataset = load(prepared)
    stations = stations_in(dataset, period)
    view = compact_overview(dataset, period, stations)
    assert view.compact and view.brigades == {b: tuple(sorted(held)) for b, held in BRIGADES.items()}
    assert view.last == station_figures(dataset, period)[1]
    wanted = {**{s: s for s in stations}, TOTAL: None}
    for name, members in [*wanted.items(), *BRIGADES.items()]:
        own = compute(dataset, members, period, interval=False).figures
        assert_as_computed(view.subtotals[name] if name in BRIGADES else view.figures[name], own, name)


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

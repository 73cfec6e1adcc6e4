"""The detachment's own report on generated data: 30 stations in 3 brigades (大队) whose figures are their stations'
rows summed or recomputed (never averaged), and a five-year store whose trend table holds each year's own figures.
A quarter's batch rendering the detachment and every brigade is in test_periods.py, with the stations' quarters."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from firestats import sample
from firestats.compute.station import of_request, station_figures
from firestats.periods import Period
from firestats.publish import annual
from firestats.publish.station_report import station_report
from firestats.request import Request
from firestats.settings import use_settings
from firestats.store import load, prepare
from firestats.vocabulary.hierarchy import BRIGADE, DETACHMENT

PLACES = "城东 城西 城南 城北 高新 开发 江北 江南 河东 河西 新城 老城 港区 机场 滨湖 山前 北湖 南湖 东关 西关".split()
YEAR = 2024


def stations(count: int, per_year: int) -> dict[str, tuple[int, float, tuple[str, ...]]]:
    """``count`` generated stations (城东站 …, then 城东2站), each with ``per_year`` incidents a year or so."""
    names = [f"{PLACES[i % len(PLACES)]}{i // len(PLACES) + 1 if i >= len(PLACES) else ''}" for i in range(count)]
    return {f"{n}站": (per_year, 200.0 + 10 * (i % 7), (f"{n}街道",)) for i, n in enumerate(names)}


def detachment(folder: Path, count: int, brigades: int, years: tuple[int, ...], per_year: int = 40,
               sheets: bool = True):
    """A detachment's exports generated (its score sheets and ledgers too, with ``sheets``), prepared, and its
    settings beside them: ``count`` stations in ``brigades`` brigades named 一大队, 二大队 … (consecutive stations
    each); returns the truth, the data folder, the settings file and the brigades."""
    made = stations(count, per_year)
    truth = sample.generate(years=years, stations=made)
    raw = folder / "raw"
    sample.write_exports(truth, raw)
    if sheets:
        sample.sheets.write(sample.sheets.generate(list(made), list(years), sample.SEED), raw, sample.SEED)
    names = list(made)
    size = -(-count // brigades)
    groups = {f"{'一二三四五'[b]}大队": names[b * size:(b + 1) * size] for b in range(brigades)}
    unit = raw / "firestats.yaml"
    unit.write_text(json.dumps({"unit": {"detachment": "东江市消防救援支队", "brigades": groups}}, ensure_ascii=False),
                    encoding="utf-8")  # JSON is YAML
    prepare([raw], folder / "data")
    return truth, folder / "data", str(unit), groups


@pytest.fixture(scope="module")
def thirty(tmp_path_factory):
    """30 stations in 3 brigades, one year."""
    yield detachment(tmp_path_factory.mktemp("thirty"), 30, 3, (YEAR,))
    use_settings(None)


def total_seconds(incidents):
    """Call to first arrival (seconds) of the incidents whose times are in order, as plain pandas gives it."""
    ok = ~incidents["flag_arrival_before_dispatch"]
    total = (incidents["arrived_at"] - incidents["received_at"]).dt.total_seconds().where(ok)
    return total[(total >= 0) & (total < 86_400)]


@pytest.mark.slow
def test_a_detachments_year_is_its_stations_rows_summed_or_recomputed(thirty):
    truth, data, unit, groups = thirty
    dataset = load(data)
    use_settings(unit)
    request = Request("东江市消防救援支队", Period(YEAR), str(data), level=DETACHMENT)
    figures = of_request(dataset, request, Period(YEAR)).figures
    members = {s: station_figures(dataset, s, YEAR) for g in groups.values() for s in g}
    assert len(members) == 30 and figures["station"] == "东江市消防救援支队"
    assert figures["incidents"]["total"] == sum(m["incidents"]["total"] for m in members.values())
    t = truth.incidents
    this = t[t["received_at"].dt.year == YEAR]
    assert figures["response"]["segments"]["total"]["median_s"] == pytest.approx(float(np.median(total_seconds(this))))
    rates = [(m["assessments"]["overall"]["pass_rate"], m["assessments"]["overall"]["n"]) for m in members.values()]
    pooled = sum(r * n for r, n in rates) / sum(n for _, n in rates)
    assert figures["assessments"]["overall"]["pass_rate"] == pytest.approx(pooled)
    assert figures["assessments"]["overall"]["pass_rate"] != pytest.approx(np.mean([r for r, _ in rates]), abs=1e-9)
    for name, held in groups.items():  # each brigade likewise, over its own stations' rows alone
        brigade = of_request(dataset, Request(name, Period(YEAR), str(data), level=BRIGADE), Period(YEAR)).figures
        assert brigade["incidents"]["total"] == sum(members[s]["incidents"]["total"] for s in held)
        rows = this[this["station"].isin(held)]
        assert brigade["response"]["segments"]["total"]["median_s"] == pytest.approx(
            float(np.median(total_seconds(rows))))
    use_settings(None)


@pytest.mark.slow
def test_a_brigades_page_and_draft_name_its_stations_and_its_busiest(thirty):
    truth, data, unit, groups = thirty
    report = station_report(Request.of("二大队", YEAR, data, BRIGADE, settings=unit))
    publication = report.publication()
    stations = publication["members"]["stations"]
    assert [r["station"] for r in stations] != [] and {r["station"] for r in stations} == set(groups["二大队"])
    t = truth.incidents
    counts = t[(t["received_at"].dt.year == YEAR) & t["station"].isin(groups["二大队"])]["station"].value_counts()
    assert {r["station"]: r["incidents"] for r in stations} == counts.to_dict()
    busiest = stations[0]
    text = "".join(publication["annual"])
    assert f"{busiest['station']}接处警最多（{busiest['incidents']}起，占{busiest['share']:.1%}）" in text
    assert "东江市消防救援支队二大队" in text  # its full name: the detachment's and its own
    blocks = annual.draft(annual.load_template(None, report.period, level=True), publication, report.period)
    assert [b.text for b in blocks if b.kind == "signature"] == ["东江市消防救援支队二大队"]  # it signs as itself
    page = report.stations().data
    assert all(f'href="../{station}.html"' in unquote(page) for station in groups["二大队"])  # its stations' pages


@pytest.mark.slow
def test_a_station_in_a_store_of_five_years_shows_each_years_own_figures(tmp_path):
    years = tuple(range(YEAR - 4, YEAR + 1))
    truth, data, unit, groups = detachment(tmp_path, 2, 1, years, per_year=30)
    station = next(iter(groups["一大队"]))
    report = station_report(Request.of(station, YEAR, data, settings=unit))
    assert list(report.years.index) == list(years)
    dataset = load(data)
    for year in years:
        own = station_figures(dataset, station, year)
        assert report.years.loc[year, "incidents.total"] == own["incidents"]["total"]
        assert report.years.loc[year, "assessments.overall.pass_rate"] == own["assessments"]["overall"]["pass_rate"]
        assert report.years.loc[year, "response.segments.total.median_s"] == \
            own["response"]["segments"]["total"]["median_s"]
    page = report.years_behind().data
    assert all(f"<th>{year}年</th>" in page for year in years) and "data:image/svg+xml," in page
    use_settings(None)

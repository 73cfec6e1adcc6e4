"""One request from each edge to the page: the period parsed once at the edge, the station resolved once, the
station notebook's parameters the request's fields one to one."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import fields
from pathlib import Path

import pytest

import firestats
from firestats.errors import InputError
from firestats.periods import Period
from firestats.request import Options, Request
from firestats.settings import settings
from firestats.store import dataset, layout

PACKAGE = Path(firestats.__file__).resolve().parent
NOTEBOOKS = PACKAGE.parent / "notebooks"
# Where text from outside becomes a period: the command line, the request's own constructor, periods.py itself.
EDGES = {"cli.py", "request.py", "periods.py"}


def test_a_period_is_parsed_only_at_the_edges():
    parsed = [f"{path.relative_to(PACKAGE)}:{n}" for path in PACKAGE.rglob("*.py") if path.name not in EDGES
              for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
              if re.search(r"\bparse_period\(|(?<![.\w])Period\(|\bperiod_of\(", line)]
    assert not parsed


@pytest.fixture
def resolutions(monkeypatch) -> list[str]:
    """Every spelling a station is resolved from, wherever in the store it is resolved."""
    calls: list[str] = []
    real = layout.match_station

    def counting(spelling: str, known: set[str]) -> str:
        calls.append(spelling)
        return real(spelling, known)

    for module in (layout, dataset):
        monkeypatch.setattr(module, "match_station", counting)
    return calls


def test_a_reports_station_is_resolved_once(prepared, resolutions):
    report = firestats.station_report(Request.of("城东", "2024-Q3", prepared))
    report.publication(), report.header(), report.quality()
    assert resolutions == ["城东"] and report.request.station == "城东站"


def test_a_stations_figures_resolve_it_once(prepared, resolutions):
    assert firestats.figures(prepared, "城东消防救援站", 2024)["station"] == "城东站"
    assert resolutions == ["城东消防救援站"]


def test_the_station_notebooks_parameters_are_the_requests_fields():
    notebook = json.loads((NOTEBOOKS / "station_report.ipynb").read_text("utf-8"))
    cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    names = [node.targets[0].id for node in ast.parse("".join(cell["source"])).body if isinstance(node, ast.Assign)]
    request = Request.of("城东站", "2024-Q3")
    assert names == list(request.parameters())
    assert set(names) == {"station", "period", "data_dir", "level", *(f.name for f in fields(Options))}


def test_a_request_parses_its_period_and_makes_its_files_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mine.yaml").write_text("percentiles: {min_n: 5}\n", encoding="utf-8")
    request = Request.of("城东", "2024-q3", "data", settings="mine.yaml", score_table="example-2024")
    assert request.period == Period(2024, "quarter", 3)
    assert request.data_dir == str(tmp_path / "data") and request.options.settings == str(tmp_path / "mine.yaml")
    assert request.options.score_table == "example-2024"  # a shipped version stays a version
    assert request.parameters()["period"] == "2024-Q3"


def test_the_units_settings_file_overrides_the_shipped_key_by_key(prepared, tmp_path):
    mine = tmp_path / "firestats.yaml"
    mine.write_text("percentiles:\n  min_n: 100000\n", encoding="utf-8")  # no interval on so few incidents
    theirs = firestats.figures(prepared, "城东", 2024, settings=mine)["response"]["segments"]["total"]
    shipped = firestats.figures(prepared, "城东", 2024)["response"]["segments"]["total"]
    assert theirs["p90_interval_s"] is None and shipped["p90_interval_s"] is not None
    assert theirs["median_s"] == shipped["median_s"]  # the rest of the settings as shipped


def test_a_settings_key_the_shipped_file_lacks_is_refused_naming_it(prepared, tmp_path):
    mine = tmp_path / "firestats.yaml"
    mine.write_text("percentiles:\n  min_m: 5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"firestats\.yaml: unknown setting percentiles\.min_m \(known here: min_n"):
        firestats.figures(prepared, "城东", 2024, settings=mine)
    assert settings()["percentiles"]["min_n"] == 20  # a file refused is never in use

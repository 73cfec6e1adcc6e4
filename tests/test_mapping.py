"""Mapping files: every rule kind on a small export, and clear errors for broken mappings."""

import hashlib
import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from firestats.cli import main
from firestats.compute import incidents as metrics
from firestats.errors import InputError
from firestats.ingest.grid import degrees
from firestats.ingest.mapping import MappingError, load_mapping, shipped
from firestats.store.preparation import build

UNITS_CSV = """\
Call,Unit,Date,Call time,Dispatched,On scene,Clear,Kind,Area,Cost (yuan),Attend s,Note
A1,E1,05/01/2024,23:58:00,23:59:10,00:03:00,00:40:00,Structure Fire,Ground 1,"15,000",302,
A1,T2,05/01/2024,23:58:00,23:59:40,00:02:30,00:55:00,Structure Fire,Ground 1,,310,
B7,E3,06/01/2024,10:00:00,10:01:00,10:06:00,10:30:00,Lift stuck,Ground 2,0,360,
C9,E1,06/01/2024,11:00:00,11:01:00,11:04:00,11:20:00,Training,Ground 1,,240,
D2,E1,07/01/2024,12:00:00,12:01:00,12:05:00,12:30:00,Cat in tree,Ground 2,,300,test call
"""

MAPPING = """\
name: units
dayfirst: true
fold_units: true
fields:
  incident_id: Call
  station: Area
  received_at: {date: Date, time: Call time}
  dispatched_at: {time: Dispatched, after: received_at}
  arrived_at: {time: On scene, after: received_at}
  cleared_at: {time: Clear, after: received_at}
  type:
    column: Kind
    values: {Lift stuck: 社会救助}
    patterns: {"Fire$": 火灾扑救}
    default: 其他
  subtype: Kind
  loss_averted_10k_yuan: {column: Cost (yuan), unit: yuan}
exclude:
  - {column: Kind, equals: Training, reason: "training run, not an incident"}
  - {column: Note, pattern: "^test", reason: test call}
"""


@pytest.fixture
def export(tmp_path):
    (tmp_path / "units.csv").write_text(UNITS_CSV, "utf-8")
    (tmp_path / "units.yaml").write_text(MAPPING, "utf-8")
    return tmp_path


def test_every_rule_kind(export):
    data = build([export / "units.csv"], load_mapping(export / "units.yaml"))
    incidents = data.incidents.set_index("incident_id")
    assert list(incidents.index) == ["A1", "B7"]
    a1 = incidents.loc["A1"]
    # day-first date, a call just before midnight, first dispatch and arrival past midnight, last clear
    assert a1["received_at"] == pd.Timestamp("2024-01-05 23:58:00")
    assert a1["dispatched_at"] == pd.Timestamp("2024-01-05 23:59:10")
    assert a1["arrived_at"] == pd.Timestamp("2024-01-06 00:02:30")
    assert a1["cleared_at"] == pd.Timestamp("2024-01-06 00:55:00")
    assert a1["vehicles"] == 2  # one per unit row
    assert a1["type"] == "火灾扑救" and incidents.loc["B7", "type"] == "社会救助"
    assert a1["loss_averted_10k_yuan"] == 1.5
    reasons = data.problems.groupby("reason")["source_row"].apply(list).to_dict()
    assert reasons == {"unit_row": [3], "excluded": [5, 6]}
    assert data.quality["totals"] == {"rows_in": 5, "kept": 2, "merged": 1, "quarantined": 2}
    excluded = data.problems[data.problems["reason"] == "excluded"]["value"].tolist()
    assert excluded == ["training run, not an incident", "test call"]
    assert metrics.response_seconds(data.incidents)["dispatch_to_arrival"].tolist() == [200.0, 300.0]


@pytest.mark.slow
def test_seconds_after_another_field(tmp_path):
    (tmp_path / "a.csv").write_text(UNITS_CSV, "utf-8")
    (tmp_path / "m.yaml").write_text(textwrap.dedent("""\
        dayfirst: true
        fields:
          incident_id: Unit
          station: Area
          received_at: {date: Date, time: Call time}
          arrived_at: {seconds_after: received_at, column: Attend s}
          type: {column: Kind, default: 其他}
        """), "utf-8")
    data = build([tmp_path / "a.csv"], load_mapping(tmp_path / "m.yaml"))
    first = data.incidents.iloc[0]
    assert first["arrived_at"] - first["received_at"] == pd.Timedelta(seconds=302)


@pytest.mark.parametrize(
    "body, message",
    [
        ("fields: {incident_id: a}", "fields.station is required"),
        ("fields: {when: a}", "fields.when: not a canonical field"),
        ("fields: {incident_id: a, station: b, received_at: {colum: c}, type: d}", "unknown key(s) ['colum']"),
        ("fields: {incident_id: a, station: b, received_at: c, type: {column: d, patterns: {'(': x}}}",
         "not a valid regular expression"),
        ("fields: {incident_id: a, station: b, received_at: c, arrived_at: {time: t, after: gone}, type: d}",
         "arrived_at -> gone"),
        ("nothing: here", "needs a 'fields:' section"),
        ("fields: [", "not valid YAML"),
        ("fields: {incident_id: a, station: b, received_at: c, type: d}\ngrid: {easting: e, northing: n}",
         "grid: give easting and northing"),
        ("fields: {incident_id: a, station: b, received_at: c, type: d}\n"
         "grid: {easting: e, northing: n, crs: EPSG:4326}",
         "grid.crs: EPSG:4326 is not a projected grid"),
    ],
)
def test_broken_mappings_name_the_file_and_key(tmp_path, body, message):
    path = tmp_path / "broken.yaml"
    path.write_text(body, "utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_mapping_columns_missing_from_the_file(export):
    (export / "other.csv").write_text("Call,Area\nA1,x\n", "utf-8")
    with pytest.raises(InputError, match=r"other\.csv: mapping 'units' needs column\(s\)"):
        build([export / "other.csv"], load_mapping(export / "units.yaml"))


def test_shipped_mappings_load():
    assert {"pudong", "lfb", "sf", "dublin"} <= set(shipped())
    for name in shipped():
        assert load_mapping(name).rules


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_validate_exit_codes_and_writes_nothing(export, tmp_path_factory):
    before = {p.name: sha(p) for p in export.iterdir()}
    runner = CliRunner()
    problems = runner.invoke(main, ["validate", str(export / "units.csv"), "--mapping", str(export / "units.yaml")])
    assert problems.exit_code == 1
    assert "quarantined · excluded · 2 row(s)" in problems.output
    assert "units.csv row 5, column Kind = 'training run, not an incident'" in problems.output

    clean_dir = tmp_path_factory.mktemp("clean")
    (clean_dir / "ok.csv").write_text("警情编号,出动站,接警时间,警情类型\nA,城东,2024-01-01 10:00:00,火灾\n", "utf-8")
    clean = runner.invoke(main, ["validate", str(clean_dir)])
    assert clean.exit_code == 0 and "clean: every row kept" in clean.output

    unreadable = runner.invoke(main, ["validate", str(export / "units.yaml")])
    assert unreadable.exit_code == 2
    assert unreadable.output.strip().count("\n") == 0 and "units.yaml" in unreadable.output
    assert {p.name: sha(p) for p in export.iterdir()} == before
    assert sorted(p.name for p in clean_dir.iterdir()) == ["ok.csv"]


@pytest.mark.slow
def test_the_api_takes_a_mapping_by_name_or_file_and_one_path_alone(export, tmp_path):
    """`fs.prepare(paths, out, mapping="units.yaml")` as the CLI's --mapping: a name or a file, not only a Mapping."""
    import firestats as fs

    by_file = fs.prepare(export / "units.csv", tmp_path / "out", mapping=export / "units.yaml")
    assert by_file.quality["totals"]["kept"] == 2
    by_object = build([export / "units.csv"], load_mapping(export / "units.yaml"))
    assert by_file.quality["totals"] == by_object.quality["totals"]
    with pytest.raises(MappingError, match="no such mapping"):
        fs.prepare([export / "units.csv"], tmp_path / "out2", mapping="nonesuch")


@pytest.mark.slow
def test_an_exclusion_on_na_means_the_word_and_a_rule_that_matches_nothing_is_said(export):
    """`NA` is blank in numbers and times, not in a text an exclusion names; a mistyped rule is not silent."""
    (export / "units.csv").write_text(UNITS_CSV.replace("Cat in tree,Ground 2,,300,test call",
                                                        "Cat in tree,Ground 2,,300,NA"), "utf-8")
    (export / "na.yaml").write_text(MAPPING.replace('  - {column: Note, pattern: "^test", reason: test call}',
                                                    '  - {column: Note, equals: NA, reason: marked NA}\n'
                                                    '  - {column: Kind, equals: Trainign, reason: typo}'), "utf-8")
    data = build([export / "units.csv"], load_mapping(export / "na.yaml"))
    assert "D2" not in set(data.incidents["incident_id"])  # its Note is the word NA
    result = CliRunner().invoke(main, ["validate", str(export / "units.csv"), "--mapping", str(export / "na.yaml")])
    assert "marked NA" in result.output and "the mapping's rule to exclude typo matched no row" in result.output


def test_files_without_a_header_are_named_together_and_the_hint_fits_the_mapping_given(tmp_path):
    for n in range(3):
        (tmp_path / f"f{n}.csv").write_text("a,b,c\n1,2,3\n", "utf-8")
    given = CliRunner().invoke(main, ["validate", str(tmp_path), "--mapping", "lfb"])
    assert given.exit_code == 2 and given.output.count("\n") == 1, given.output
    assert "f0.csv, f1.csv, f2.csv: no header row found" in given.output
    assert "the mapping lfb reads columns such as" in given.output and "use --mapping" not in given.output
    alone = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert alone.output.count("for an export with other headers use --mapping") == 1


@pytest.mark.slow
def test_a_rows_problems_are_counted_once_and_defaults_among_the_rows_kept(export):
    """A row missing two required fields is quarantined under the first; a default given to a row an exclusion
    left out is not counted (Training and the test call would take the default type)."""
    (export / "units.csv").write_text(UNITS_CSV + ",E9,,,,,,Lift stuck,,,,\n", "utf-8")  # no call, no date
    data = build([export / "units.csv"], load_mapping(export / "units.yaml"))
    quarantined = data.problems[data.problems["action"] == "quarantined"]
    assert quarantined.groupby("source_row").size().max() == 1
    assert data.quality["defaulted"].get("type", 0) == 0


def test_british_national_grid_metres_are_the_degrees_london_gives_for_them():
    """London's own point (2009 export: Easting 528652, Northing 176830 is 51.4758117319, -0.1488944358), to within
    about 3 m; a blank metre gives no point."""
    latitude, longitude = degrees(np.array([528652.0, np.nan]), np.array([176830.0, 176830.0]), "EPSG:27700")
    assert latitude[0] == pytest.approx(51.4758117319, abs=3e-5) and longitude[0] == pytest.approx(-0.1488944358,
                                                                                                   abs=5e-5)
    assert np.isnan(latitude[1]) and np.isnan(longitude[1])


@pytest.mark.slow
def test_a_grid_point_fills_only_the_incidents_without_degrees(tmp_path):
    """London's layout: the first incident has its degrees, the second only its grid point (kept as given and
    converted), the third's grid point is 0 (London's blank: no point) and the fourth's cannot be read (flagged)."""
    (tmp_path / "a.csv").write_text(textwrap.dedent("""\
        Id,Ground,Call,Group,Lat,Lon,E,N
        1,Soho,2023-01-01 10:00,Fire,51.5,-0.13,529000,181000
        2,Soho,2023-01-01 11:00,Fire,,,528650,176850
        3,Soho,2023-01-01 12:00,Fire,,,0,0
        4,Soho,2023-01-01 13:00,Fire,,,east,181000
        """), "utf-8")
    (tmp_path / "m.yaml").write_text(textwrap.dedent("""\
        fields: {incident_id: Id, station: Ground, received_at: Call, type: {column: Group, default: 火灾扑救},
                 latitude: Lat, longitude: Lon}
        grid: {easting: E, northing: N, crs: "EPSG:27700"}
        """), "utf-8")
    data = build([tmp_path / "a.csv"], load_mapping(tmp_path / "m.yaml"))
    points = data.incidents.set_index("incident_id")[["latitude", "longitude"]]
    assert points.loc["1"].tolist() == [51.5, -0.13]
    assert points.loc["2"].tolist() == pytest.approx([51.47599, -0.14894], abs=1e-4)
    assert points.loc[["3", "4"]].isna().all().all()
    flagged = data.problems[data.problems["reason"] == "bad_number"]
    assert flagged[["source_row", "column", "value"]].values.tolist() == [[5, "E", "east"]]

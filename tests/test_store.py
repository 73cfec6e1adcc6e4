"""The partitioned store: what is written reads back whole, a slice reads only its files and equals
``narrow``, station names never make paths, and an older folder is refused in one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from conftest import BUNDLED_RAW, pairs, write_exports

from firestats.cli import main
from firestats.files import LOCK, OutputFolder
from firestats.ingest import readers
from firestats.periods import Period
from firestats.store import dataset as store
from firestats.store import generations
from firestats.store.dataset import load, save
from firestats.store.layout import read_index
from firestats.store.partitions import TABLES
from firestats.store.preparation import build, prepare


@pytest.fixture(scope="module")
def built():
    return build([BUNDLED_RAW])


@pytest.fixture(scope="module")
def saved(built, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("store")
    save(built, out)
    return out


def tables(dataset: store.Dataset) -> dict[str, pd.DataFrame]:
    return {**dataset.records(), "problems": dataset.problems}


def same(left: store.Dataset, right: store.Dataset) -> None:
    for name, frame in tables(left).items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), tables(right)[name].reset_index(drop=True),
                                      obj=name)


def as_arrow_types(dataset: store.Dataset) -> store.Dataset:
    """The dataset as any Parquet file gives it back: text in pandas' string type, its blanks NaN."""
    arrow = {name: pa.Table.from_pandas(frame, preserve_index=False).to_pandas()
             for name, frame in tables(dataset).items()}
    return store.Dataset(arrow["incidents"], arrow["problems"], dataset.quality, arrow["assessments"],
                         arrow["activities"])


@pytest.mark.slow
def test_the_store_reads_back_as_the_dataset_written(built, saved):
    loaded = load(saved)
    same(as_arrow_types(built), loaded)
    assert loaded.quality == json.loads(json.dumps(built.quality))
    assert {name: len(frame) for name, frame in tables(loaded).items()} == {
        name: len(frame) for name, frame in tables(built).items()}


@pytest.mark.slow
def test_a_slice_read_by_station_and_years_equals_narrowing_the_whole(saved):
    whole = load(saved)
    for station, year in pairs(whole):
        same(load(saved, station, [year]), whole.narrow(station, [year]))
    for year in (2023, 2024, 2025):  # the overview's slice: every station, and rows of no station
        same(load(saved, years=[year - 1, year]), whole.narrow(None, [year - 1, year]))


def test_the_years_held_are_those_of_the_narrowed_records(built):
    stations = sorted({station for station, _ in pairs(built)})
    # The first station without its 2025 records: a station's years are not every station's.
    data = replace(built, **{family: frame[(frame["station"] != stations[0]) | (frame[store.DATE_COLUMN[family]] <
                                                                                pd.Timestamp("2025-01-01"))]
                             for family, frame in built.records().items()})
    for station in (*stations, None, stations[:2]):  # one, every station, several (a level's)
        for years in ([2025], range(2021, 2026), range(2019, 2023)):
            narrowed = data.narrow(station, years).dated()["date"].dt.year
            assert data.years_held(station, years) == set(narrowed.astype(int))


def test_the_incidents_in_a_period_are_those_narrowing_keeps(built):
    stations = sorted({station for station, _ in pairs(built)})
    for station in (stations[0], None, stations[:2]):  # one, every station, several (a level's)
        for period in (Period(2024), Period(2025, "quarter", 2), Period(2019)):
            pd.testing.assert_frame_equal(built.incidents_in(station, period), built.narrow(station, period).incidents)


def test_a_slice_opens_only_its_own_partition_files(saved, monkeypatch):
    opened = []
    real = store.pq.ParquetFile
    monkeypatch.setattr(store.pq, "ParquetFile", lambda path, *a, **k: opened.append(Path(path)) or real(path, *a, **k))
    index = json.loads((saved / "stations.json").read_text("utf-8"))
    load(saved, "城东", [2024])
    assert opened and all(f"station={index['城东站']['id']}" in str(p) and "year=2024" in str(p) for p in opened)


def test_station_years_come_from_the_index(saved, built):
    found: dict[str, set[int]] = {}
    for station, year in pairs(built):
        found.setdefault(station, set()).add(year)
    assert read_index(saved).station_years() == found


def test_an_older_prepared_folder_is_refused_in_one_line(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for name in ("incidents.parquet", "problems.parquet", "quality.json"):
        (old / name).write_bytes(b"")
    for args in (["figures", "--data", str(old), "--station", "城东", "--year", "2024"],
                 ["batch", "--data", str(old), "--out", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "prepared by another version of firestats" in result.output
        assert "run `firestats prepare` again" in result.output


def test_hostile_station_names_stay_inside_the_folder_and_never_make_a_path(tmp_path):
    hostile = ["../x", "..", "站" * 300, "CON", "a/b\\c", "NUL.txt"]
    out = tmp_path / "data"
    prepare([write_exports(tmp_path / "raw", hostile)], out)
    names = set(read_index(out).station_years())
    assert len(names) == len(hostile)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out.resolve()) for p in files)
    assert not (tmp_path / "x").exists() and {p.parent.name for p in files if p.parent.name.startswith("station=")} <= {
        *(f"station=s{i:04d}" for i in range(len(hostile))), "station=none"}
    for name in names:
        assert set(load(out, name, [2024]).incidents["station"]) == {name}


def test_every_table_has_a_schema_so_an_empty_slice_keeps_its_columns(saved):
    empty = load(saved, years=[1999])
    whole = load(saved)
    for name in TABLES:
        assert list(tables(empty)[name].columns) == list(tables(whole)[name].columns) and tables(empty)[name].empty


def prepared_alike(left: Path, right: Path) -> None:
    """Two prepared folders hold the same rows in every table, the same quality summary, the same stations with the
    same months and the same partitions (however their incidents were folded, in one generation or more)."""
    same(load(left), load(right))
    assert json.loads((left / "quality.json").read_text("utf-8")) == json.loads((right / "quality.json").read_text())
    stations = [{name: entry["months"] for name, entry in json.loads((folder / "stations.json").read_text()).items()}
                for folder in (left, right)]
    assert stations[0] == stations[1]
    partitions = [{table: sorted(keys) for table, keys in json.loads((folder / "partitions.json").read_text()).items()}
                  for folder in (left, right)]
    assert partitions[0] == partitions[1]


@pytest.mark.slow  # three prepares of the whole sample
def test_a_prepare_after_files_are_added_changed_and_removed_equals_one_from_scratch(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    out = tmp_path / "data"
    added = raw / "接处警台账_2024.csv"
    added_bytes = added.read_bytes()
    added.unlink()
    prepare([raw], out)
    first = json.loads((out / "generations.json").read_text("utf-8"))
    added.write_bytes(added_bytes)  # a new month's export
    ledger = raw / "工作台账_2024.csv"
    lines = ledger.read_bytes().split(b"\r\n")
    ledger.write_bytes(b"\r\n".join([*lines[:5], lines[4], *lines[5:]]))  # a changed export: one drill more
    (raw / "比武成绩_2023.xlsx").unlink()  # a removed export
    read = []
    real = readers.read_tables
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "read_tables", lambda path, *a: read.append(path.name) or real(path, *a))
        prepare([raw], out)
    assert sorted(read) == sorted([added.name, ledger.name])  # only the new and the changed file were read
    # The new export shares no incident with the others: their generation and its files were kept as they were.
    kept = json.loads((out / "generations.json").read_text("utf-8"))
    assert len(kept) == 2 and set(first) < set(kept)
    assert all((out / path).is_file() for path, _ in read_index(out).files("incidents") if next(iter(first)) in path)
    prepare([raw], tmp_path / "fresh")
    prepared_alike(out, tmp_path / "fresh")
    assert not any("比武成绩_2023" in json.dumps(f, ensure_ascii=False)
                   for f in json.loads((out / "quality.json").read_text("utf-8"))["files"])
    kept = {p.name.split(".")[0] for p in (out / ".sources").iterdir()}
    assert len(kept) == len(list(raw.iterdir()))  # the removed file's part went with it


@pytest.mark.slow
def test_rebuild_reads_every_file_again_and_gives_the_same_folder(tmp_path):
    raw = write_exports(tmp_path / "raw", ["城东站", "城西站"], [("城东站", "实地演练", "演练")])
    prepare([raw], tmp_path / "data")
    before = {p.relative_to(tmp_path / "data"): p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    read = []
    real = readers.read_tables
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "read_tables", lambda path, *a: read.append(path.name) or real(path, *a))
        result = CliRunner().invoke(main, ["prepare", str(raw), "--out", str(tmp_path / "data"), "--rebuild"])
    assert result.exit_code == 0, result.output
    assert sorted(read) == sorted(p.name for p in raw.iterdir())
    after = {p.relative_to(tmp_path / "data"): p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    assert after == before


HEADER = "警情编号,出动站,接警时间,出动时间,到场时间,警情类型,地址,出动车辆"


def incidents_csv(path: Path, rows: list[str]) -> None:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def day_of(number: int, station: str, month: int, arrival: str = "10:06:00", vehicles: str = "2") -> str:
    day = f"2024-{month:02d}-{number % 27 + 1:02d}"
    return f"N{number:03d},{station},{day} 10:00:00,{day} 10:01:00,{day} {arrival},火灾,人民路{number}号,{vehicles}"


def generations_of(folder: Path) -> set[str]:
    return set(json.loads((folder / "generations.json").read_text("utf-8")))


@pytest.mark.slow  # five prepares
def test_an_export_repeating_incidents_of_a_kept_generation_folds_that_generation_again_and_keeps_the_others(
        tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    incidents_csv(raw / "警情_1.csv", [day_of(n, "城东站", 1, vehicles="") for n in range(10)])
    prepare([raw], out)
    incidents_csv(raw / "警情_2.csv", [day_of(n, "城西站", 2) for n in range(100, 110)])
    prepare([raw], out)
    first_two = generations_of(out)
    assert len(first_two) == 2  # the second export shares no incident: folded on its own
    # The third exports two of the first's incidents again, with the vehicles the first left blank.
    incidents_csv(raw / "警情_3.csv", [day_of(n, "城东站", 1) for n in (3, 4)] + [day_of(11, "城东站", 3)])
    prepare([raw], out)
    after = generations_of(out)
    assert len(after) == 2 and len(first_two & after) == 1  # the second's generation kept, the first's folded again
    prepare([raw], tmp_path / "fresh")
    prepared_alike(out, tmp_path / "fresh")
    incidents = load(out).incidents.set_index("incident_id")
    assert incidents.loc[["N003", "N004"], "vehicles"].tolist() == [2, 2] and len(incidents) == 21


@pytest.mark.slow  # three prepares
def test_generations_whose_flagged_arrivals_would_read_otherwise_than_the_whole_tables_are_folded_as_one(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    # The only arrival before its dispatch is at midnight: alone, this export writes it as a date.
    incidents_csv(raw / "警情_1.csv", [day_of(1, "城东站", 1, arrival="00:00:00"), day_of(2, "城东站", 1)])
    prepare([raw], out)
    incidents_csv(raw / "警情_2.csv", [day_of(3, "城东站", 2, arrival="09:59:00")])
    prepare([raw], out)
    assert len(generations_of(out)) == 1
    prepare([raw], tmp_path / "fresh")
    prepared_alike(out, tmp_path / "fresh")
    flagged = load(out).problems.query("reason == 'arrival_before_dispatch'")
    assert sorted(flagged["value"]) == ["2024-01-02 00:00:00", "2024-02-04 09:59:00"]


def test_every_table_sharing_a_key_hash_is_a_partner_of_every_other_however_many_share_it():
    hashes = [np.array(h, dtype="uint64") for h in ([1, 2, 3, 3], [3, 4], [5, 3], [9], [4], [7, 7])]
    assert generations._partners(hashes) == [{1, 2}, {0, 2, 4}, {0, 1}, set(), {1}, set()]


@pytest.mark.slow
def test_a_folder_of_another_layout_prepared_again_keeps_no_file_of_the_old_one(tmp_path):
    out = tmp_path / "data"
    stale = out / "incidents" / "year=2024" / "station=s0000" / "part.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"PAR1 of layout 2")
    (out / "layout.json").write_text('{"version": 2}', encoding="utf-8")
    prepare([write_exports(tmp_path / "raw", ["城东站"])], out)
    assert not stale.exists()
    assert {p.relative_to(out).as_posix() for p in out.glob("*/year=*/station=*/*.parquet")} == {
        path for table in TABLES for path, _ in read_index(out).files(table)}


@pytest.mark.slow  # three prepares
def test_a_prepare_after_one_stopped_half_way_folds_everything_again(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    incidents_csv(raw / "警情_1.csv", [day_of(n, "城东站", 1) for n in range(5)])
    prepare([raw], out)
    (out / "layout.json").unlink()  # as a prepare leaves the folder until its last write
    incidents_csv(raw / "警情_2.csv", [day_of(n, "城西站", 2) for n in range(100, 105)])
    prepare([raw], out)
    prepare([raw], tmp_path / "fresh")
    prepared_alike(out, tmp_path / "fresh")
    assert len(load(out).incidents) == 10


@pytest.mark.slow
@pytest.mark.parametrize("before", [True, False], ids=["prepared before", "a new folder"])
def test_a_second_prepare_into_a_folder_waits_for_the_first(before, tmp_path):
    out = tmp_path / "data"
    if before:
        prepare([write_exports(tmp_path / "first", ["城东站"])], out)
    OutputFolder(out)
    said, done = [], threading.Event()
    second = threading.Thread(target=lambda: (prepare([write_exports(tmp_path / "second", ["城西站"])], out,
                                                      waiting=said.append), done.set()))
    with OutputFolder(out).lock(print, "prepare"):  # a first prepare, still writing
        files = sorted(out.rglob("*"))
        second.start()
        deadline = time.monotonic() + 30
        while not said and time.monotonic() < deadline:
            time.sleep(0.01)
        assert said == [f"another prepare is writing to {out}; waiting for it to finish ({out / LOCK})"]
        assert not done.wait(0.3) and sorted(out.rglob("*")) == files  # nothing read or written meanwhile
    second.join(60)
    assert done.is_set() and set(read_index(out).stations) == {"城西站"}


@pytest.mark.slow
def test_two_prepares_into_one_folder_at_once_leave_a_store_that_reads(tmp_path):
    out = tmp_path / "data"
    runs = [subprocess.Popen([sys.executable, "-m", "firestats.cli", "prepare",
                              str(write_exports(tmp_path / name, [station])), "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for name, station in (("a", "城东站"), ("b", "城西站"))]
    assert [run.wait(120) for run in runs] == [0, 0], [run.stderr.read() for run in runs]
    stations = set(read_index(out).stations)
    assert stations in ({"城东站"}, {"城西站"})
    result = CliRunner().invoke(main, ["figures", "--data", str(out), "--station", stations.pop(), "--year", "2024"])
    assert result.exit_code == 0, result.output


def test_the_store_counts_every_stations_incidents_by_kind_and_year(prepared, truth):
    """How rare a kind is in the detachment (for a report's notable incidents) is counted over every station."""
    t = truth.incidents
    kind = t["subtype"].astype("string").fillna(t["type"].astype("string"))
    expected = {str(year): counts.to_dict() for year, counts in kind.groupby(t["received_at"].dt.year).value_counts()
                .unstack(fill_value=0).iterrows()}
    found = json.loads((prepared / "quality.json").read_text("utf-8"))["incident_kinds"]
    assert {year: {k: n for k, n in kinds.items() if n} for year, kinds in expected.items()} == found


def test_a_summary_rows_cells_make_no_station(prepared, truth):
    """The sample's 合计 rows write a count under 出动站 (1238起): quarantined, they belong to no station."""
    stations = set(json.loads((prepared / "stations.json").read_text("utf-8")))
    assert stations == set(truth.incidents["station"])  # every sample station has incidents


@pytest.mark.slow
def test_prepare_shows_its_progress_on_a_terminal_and_nothing_elsewhere(tmp_path, monkeypatch):
    """A bar of the bytes read, file by file (a large text file piece by piece), on a terminal only."""
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    export = BUNDLED_RAW / "接处警台账_2024.csv"
    monkeypatch.setattr(sys, "stderr", Terminal())
    prepare(export, tmp_path / "shown")
    shown = sys.stderr.getvalue()
    assert "reading" in shown and "100%" in shown
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe or a log file
    prepare(export, tmp_path / "quiet")
    assert sys.stderr.getvalue() == ""


def test_a_station_is_found_by_its_case_its_full_name_or_the_start_of_its_name():
    from firestats.errors import UnknownStation
    from firestats.store import match_station

    known = {"Tallaght Fire Station", "Tara Street", "城东站"}
    assert match_station("tallaght", known) == "Tallaght Fire Station"
    assert match_station("TARA STREET", known) == "Tara Street"
    assert match_station("城东消防救援站", known) == "城东站"
    with pytest.raises(UnknownStation, match="'ta' names 2 stations: Tallaght Fire Station、Tara Street"):
        match_station("ta", known)
    with pytest.raises(UnknownStation, match="no station 'Dublin'"):
        match_station("Dublin", known)

"""Flat memory in prepare: a large text export read in pieces, incidents folded through a key index and
kept a slice at a time give the very folder one whole read and one whole fold give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from firestats.ingest import readers
from firestats.ingest.text_table import text_pieces
from firestats.store import merging, partition_files, sources, spill
from firestats.store.dataset import load
from firestats.store.preparation import prepare

HEADER = "警情编号,出动站,接警时间,出动时间,到场时间,警情类型,地址,出动车辆"


def awkward_export(path: Path) -> Path:
    """Three hundred incidents below a title line, with what breaks a naive cut: a cell over two lines, a blank
    line, a line with a comma too many, a 合计 row, the same incident exported again far below, and a quote
    never closed near the end."""
    lines = ["江北大队2024年接处警台账", HEADER]
    for n in range(300):
        station = ["城东站", "城西站", "江北消防救援站"][n % 3]
        address = f'"人民路{n}号\n东门"' if n % 37 == 0 else f"人民路{n}号"
        day = f"2024-0{n % 9 + 1}-05"
        lines.append(f"A{n:04d},{station},{day} 10:{n % 60:02d}:00,{day} 10:{n % 60:02d}:40,"
                     f"{day} 10:{(n + 7) % 60:02d}:00,火灾,{address},{n % 4 + 1}")
        if n == 120:
            lines.append("")
        if n == 150:
            lines.append("A9999,城东站,2024-03-05 10:00:00,,,火灾,人民路,3,多出来的")
        if n == 200:
            lines += ["合计,,,,,,,300", "A0010,城西站,2024-02-05 10:10:00,2024-02-05 10:10:43,,火灾,,2"]
    lines.append('A0400,城东站,2024-04-05 10:00:00,,,火灾,"人民路4号,1')
    lines.append("A0401,城东站,2024-04-05 11:00:00,,,火灾,人民路5号,1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".sources" not in p.parts}


def test_text_pieces_are_cut_only_between_records(tmp_path):
    path = awkward_export(tmp_path / "raw" / "警情.csv")
    pieces = list(text_pieces(path, "gb18030", 1000))
    assert len(pieces) > 10
    assert "".join(pieces) == path.read_text("gb18030")
    # the quote never closed runs to the end: every piece before it holds whole quoted cells
    assert all(piece.count('"') % 2 == 0 for piece in pieces[:-1])


@pytest.mark.slow
def test_slices_read_and_kept_on_other_threads_give_the_folder_slices_taken_in_turn_give(tmp_path):
    """The fold's slices, each read while the one before is folded (``merging.read_ahead``) and kept in the spill
    while the next is folded (``Spill.add_soon``), give the very folder reading, folding and keeping each in turn
    gives."""
    raw = awkward_export(tmp_path / "raw" / "警情.csv").parent
    for name, keep, read in (("soon", spill.Spill.add_soon, merging.read_ahead), ("in_turn", spill.Spill.add, iter)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sources, "SLICE_ROWS", 7)
            patch.setattr(spill.Spill, "add_soon", keep)
            patch.setattr(merging, "read_ahead", read)
            prepare([raw], tmp_path / name)
    assert files_of(tmp_path / "soon") == files_of(tmp_path / "in_turn")


@pytest.mark.slow  # three prepares of 300 rows in pieces of 1.5 kB and slices of 7 rows
def test_a_large_export_read_in_pieces_and_folded_in_slices_prepares_the_folder_one_whole_read_gives(tmp_path):
    raw = awkward_export(tmp_path / "raw" / "警情.csv").parent
    prepare([raw], tmp_path / "whole")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "PIECE_BYTES", 1500)
        patch.setattr(sources, "SLICE_ROWS", 7)
        prepare([raw], tmp_path / "pieces")
    assert len(list((tmp_path / "pieces" / ".sources").glob("*.incidents0.*.arrow"))) > 5
    assert files_of(tmp_path / "pieces") == files_of(tmp_path / "whole")


@pytest.mark.slow  # three prepares of 300 rows
def test_a_partition_larger_than_a_slice_is_written_a_row_group_at_a_time_the_same_however_it_was_sliced(tmp_path):
    raw = awkward_export(tmp_path / "raw" / "警情.csv").parent
    prepare([raw], tmp_path / "whole")
    for name, rows in (("sliced", 7), ("unsliced", 250_000)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(partition_files, "SLICE_ROWS", 20)  # a partition of a station's hundred rows is "large"
            patch.setattr(sources, "SLICE_ROWS", rows)
            prepare([raw], tmp_path / name)
    assert files_of(tmp_path / "sliced") == files_of(tmp_path / "unsliced")
    pd.testing.assert_frame_equal(load(tmp_path / "sliced").incidents, load(tmp_path / "whole").incidents)
    groups = [pq.ParquetFile(p).metadata for p in (tmp_path / "sliced" / "incidents").rglob("g*.parquet")]
    assert max(g.num_row_groups for g in groups) > 1
    assert all(g.row_group(i).num_rows <= 20 for g in groups for i in range(g.num_row_groups))


@pytest.mark.slow
def test_incidents_whose_key_hashes_collide_are_still_kept_apart_by_their_keys(tmp_path):
    raw = awkward_export(tmp_path / "raw" / "警情.csv").parent
    prepare([raw], tmp_path / "hashed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(merging, "key_hashes", lambda keys: np.zeros(len(keys), dtype="uint64"))
        prepare([raw], tmp_path / "colliding")
    assert files_of(tmp_path / "colliding") == files_of(tmp_path / "hashed")


@pytest.mark.slow
def test_flagged_times_are_written_as_their_whole_column_writes_them_however_the_table_is_sliced(tmp_path):
    lines = ["警情编号,出动站,接警时间,出动时间,到场时间,结束时间,警情类型"]
    for n in range(40):
        day = f"2024-03-{n % 28 + 1:02d}"
        arrived = f"{day} 00:00:00" if n % 5 == 0 else f"{day} 10:{n:02d}:00"
        lines.append(f"B{n},城东站,{day} 10:00:00,{day} 10:01:00,{arrived},{day},火灾")  # 结束时间 to the day
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "警情.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "SLICE_ROWS", 3)
        problems = prepare([tmp_path / "raw"], tmp_path / "data").problems
    shown = problems.groupby("reason")["value"].apply(set).to_dict()
    assert shown["time_before_call"] == {f"2024-03-{d:02d}" for d in range(1, 29)}  # as the column: days
    assert shown["arrival_before_dispatch"] == {f"2024-03-{d:02d}" for d in (1, 6, 11, 16, 21, 26, 3, 8)}

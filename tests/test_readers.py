import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firestats.errors import InputError
from firestats.ingest.mapping import known_headers
from firestats.ingest.readers import find_inputs, read_tables
from firestats.publish import index_page
from firestats.store.preparation import build
from firestats.store.quality import describe

HEADER = ["警情编号", "出动站", "接警时间", "警情类型"]
ROWS = [["A1", "城东", "2024-01-01 10:00:00", "火灾"], ["A2", "城西站", "2024/1/2 11:00:00", "抢险"]]


def read_table(path: Path, known: set[str]):
    """The one table of an export that holds one."""
    tables = read_tables(path, known)
    assert len(tables) == 1
    return tables[0]


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    table = read_table(write_csv(tmp_path / "a.csv", [HEADER, *ROWS], encoding), known_headers(None))
    assert list(table.frame.columns[:4]) == HEADER
    assert table.frame["出动站"].tolist() == ["城东", "城西站"]


def test_header_found_under_title_rows_and_blank_rows_dropped(tmp_path):
    rows = [["2024年接处警统计表", "", "", ""], ["", "", "", ""], HEADER, ROWS[0], ["", "", "", ""], ROWS[1]]
    table = read_table(write_csv(tmp_path / "a.csv", rows, "gb18030"), known_headers(None))
    assert table.header_row == 3
    assert table.frame["source_row"].tolist() == [4, 6]  # the rows a spreadsheet user sees
    assert table.frame["source_file"].tolist() == ["a.csv", "a.csv"]


def test_xlsx_with_title_row(tmp_path):
    path = tmp_path / "a.xlsx"
    grid = pd.DataFrame([["年度接处警情况统计表", None, None, None], HEADER, *ROWS, ["合计", "2起", None, None]])
    grid.to_excel(path, header=False, index=False)
    table = read_table(path, known_headers(None))
    assert table.header_row == 2
    assert table.frame["警情编号"].tolist() == ["A1", "A2", "合计"]
    assert table.frame["source_row"].tolist() == [3, 4, 5]


def test_unrecognised_headers_name_the_file(tmp_path):
    path = write_csv(tmp_path / "other.csv", [["a", "b"], ["1", "2"]], "utf-8")
    with pytest.raises(InputError, match=r"other\.csv: no header row found"):
        read_table(path, known_headers(None))


def test_junk_with_a_spreadsheet_name_is_one_clear_error(tmp_path):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"\x00\x01 not a workbook")
    with pytest.raises(InputError, match=r"junk\.xlsx: cannot be read"):
        read_table(path, known_headers(None))


def test_find_inputs_expands_folders_and_skips_lock_files(tmp_path):
    (tmp_path / "sub").mkdir()
    a = write_csv(tmp_path / "sub" / "a.csv", [HEADER], "utf-8")
    (tmp_path / "~$a.xlsx").write_bytes(b"")
    (tmp_path / "notes.md").write_text("x")
    assert find_inputs([tmp_path]) == [a]
    with pytest.raises(InputError, match="missing.csv: no such file"):
        find_inputs([tmp_path / "missing.csv"])


def test_two_row_header_with_a_merged_group_title(tmp_path):
    path = tmp_path / "two.xlsx"
    grid = pd.DataFrame([
        ["警情编号", "出动站", "时间", None, None, "警情类型"],
        [None, None, "接警时间", "出动时间", "到场时间", None],
        ["A1", "城东", "2024-01-01 10:00:00", "2024-01-01 10:01:00", "2024-01-01 10:05:00", "火灾"],
    ])
    grid.to_excel(path, header=False, index=False)
    table = read_table(path, known_headers(None))
    assert table.header_row == 2
    assert list(table.frame.columns[:6]) == ["警情编号", "出动站", "接警时间", "出动时间", "到场时间", "警情类型"]
    assert table.frame["到场时间"].tolist() == ["2024-01-01 10:05:00"]


def test_tsv_and_repeated_headers(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_text("\n".join(["\t".join([*HEADER, "备注", "备注"]), "\t".join([*ROWS[0], "x", "y"])]), "utf-8")
    table = read_table(path, known_headers(None))
    assert list(table.frame.columns[4:6]) == ["备注", "备注（2）"]
    assert table.frame["备注（2）"].tolist() == ["y"]
    assert "备注（2）" in table.ignored_columns


def test_fast_and_careful_csv_readers_agree(tmp_path):
    """Files without blank lines take Arrow's reader; what it reads equals pandas' own reader."""
    from firestats.ingest.text_table import parse_text

    lines = ["警情编号,出动站,地址,接警时间,警情类型", 'A1,城东,"人民路1号, 2楼",2024-01-01 10:00:00,火灾',
             'A2,城西,"说""明""",,抢险', "A3,,,2024/1/3 9:00,"]
    data = "\r\n".join(lines).encode("utf-8")
    fast = parse_text(data.decode(), ",").cells
    careful = pd.read_csv(io.BytesIO(data), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False)
    pd.testing.assert_frame_equal(fast.astype(object), careful.astype(object), check_column_type=False)
    with_blank = parse_text(data.decode().replace("\r\nA2", "\r\n\r\nA2"), ",").cells
    assert len(with_blank) == len(careful) + 1  # the blank line keeps its row, so row numbers stay true


def test_old_xls_workbook_with_a_date_cell(tmp_path):
    import datetime as dt

    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("接处警")
    sheet.write(0, 0, "2024年接处警统计表")
    for c, name in enumerate(HEADER):
        sheet.write(1, c, name)
    stamp = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    sheet.write(2, 0, "A1")
    sheet.write(2, 1, "城东")
    sheet.write(2, 2, dt.datetime(2024, 1, 1, 10, 0, 5), stamp)
    sheet.write(2, 3, "火灾")
    book.save(str(tmp_path / "old.xls"))
    from firestats.store.preparation import build

    data = build([tmp_path / "old.xls"])
    assert data.incidents[["incident_id", "station", "type"]].iloc[0].tolist() == ["A1", "城东站", "火灾扑救"]
    assert data.incidents["received_at"].iloc[0] == pd.Timestamp("2024-01-01 10:00:05")


def workbook_of_sheets(path: Path) -> Path:
    """A monthly workbook: a notes sheet, a sheet per month (one under a title), and a blank sheet."""
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        sheets = {"填表说明": [["每月一张表，接警时间填到秒"]], "一月": [HEADER, ROWS[0]],
                  "二月": [["二月接处警情况", None, None, None], HEADER, ROWS[1],
                           ["A3", "城南", "2024-02-03 09:00:00", "社会救助"]],
                  "空白": [[None]]}
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def test_every_sheet_of_a_workbook_is_read_and_named(tmp_path):
    tables = read_tables(workbook_of_sheets(tmp_path / "警情.xlsx"), known_headers(None))
    assert [t.source for t in tables] == ["警情.xlsx!一月", "警情.xlsx!二月"]
    assert [t.frame["source_row"].tolist() for t in tables] == [[2], [3, 4]]  # rows as each sheet shows them
    assert tables[0].frame["source_file"].tolist() == ["警情.xlsx!一月"]
    assert tables[0].ignored_sheets == ["警情.xlsx!填表说明"]


def test_prepare_accounts_for_every_sheet_and_says_which_it_did_not_read(tmp_path):
    dataset = build([workbook_of_sheets(tmp_path / "警情.xlsx")])
    files = {f["source_file"]: f for f in dataset.quality["files"]}
    assert {name: f["rows_in"] for name, f in files.items()} == {"警情.xlsx!一月": 1, "警情.xlsx!二月": 2}
    assert sorted(dataset.incidents["incident_id"]) == ["A1", "A2", "A3"]
    assert "not read, no header row in the first rows: 警情.xlsx!填表说明" in describe(dataset)
    page = index_page.render({}, {}, dataset.quality)
    assert "未读取的工作表（前30行内没有可识别的表头）：警情.xlsx!填表说明" in page


def test_a_workbook_without_any_header_row_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for name in ("说明", "附表"):
            pd.DataFrame([["无数据"]]).to_excel(writer, sheet_name=name, header=False, index=False)
    with pytest.raises(InputError, match=r"notes\.xlsx: no sheet has a header row"):
        read_tables(path, known_headers(None))


_LINE_CELLS = st.lists(st.sampled_from(["", "城东", "2024/1/3 9:00", '"人民路1号, 2楼"', '"说""明"""', "３人", "-"]),
                       min_size=3, max_size=3)


@settings(deadline=None)
@given(st.lists(st.one_of(st.just(""), _LINE_CELLS.map(",".join)), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_blank_lines_read_by_arrow_as_pandas_reads_them(lines, end, closed):
    """Arrow's reader with the blank lines put back gives the grid, row for row, and the header widths that pandas'
    own reader (blank lines kept as rows) gives; pandas' has an empty column more for each comma a quote holds."""
    from firestats.ingest import text_table

    text = end.join(["警情编号,出动站,接警时间", *lines]) + (end if closed else "")
    data = text.encode("utf-8")
    options = {"header": None, "dtype": str, "keep_default_na": False, "sep": ","}
    blank = text_table._blank_lines(data)
    fast = text_table._arrow_grid(data, options, blank)
    careful = text_table._padded_grid(data, ",", options)
    if text_table._has_blank_line(data) and len(careful) == text.count("\n") + (not text.endswith("\n")):
        width = fast.shape[1]
        pd.testing.assert_frame_equal(fast.astype(object), careful.iloc[:, :width].astype(object),
                                      check_column_type=False)
        assert (careful.iloc[:, width:] == "").all(axis=None)
        head = [len(fields) for fields in csv.reader(io.StringIO(text, newline=""))]
        assert text_table.parse_text(text, ",").head_widths == head[: text_table.HEAD_ROWS]


def test_a_cell_longer_than_any_field_is_counted_in_characters_not_bytes(tmp_path):
    """A cell of more than CELL_CHARS characters quarantines its row; one of as many CJK characters (three times as
    many bytes) does not."""
    from firestats.ingest.readers import CELL_CHARS

    rows = [HEADER, ["A1", "城东", "2024-01-01 10:00:00", "火" * CELL_CHARS],
            ["A2", "城东", "x" * (CELL_CHARS + 1), "火灾"],
            ["A3", "城东", "2024-01-01 10:00:00", "灾" * (CELL_CHARS + 1)]]
    table = read_table(write_csv(tmp_path / "long.csv", rows, "utf-8"), known_headers(None))
    assert table.frame["警情编号"].tolist() == ["A1"]
    assert table.problems[["source_row", "reason", "column"]].values.tolist() == [
        [3, "oversized_cell", "接警时间"], [4, "oversized_cell", "警情类型"]]

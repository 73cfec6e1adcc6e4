"""A hostile-input corpus, generated here: whatever a spreadsheet can hold, firestats answers with a
clear one-line error naming the file, or rows quarantined with reasons; never a traceback; rows in
= kept + merged + quarantined; and the raw file byte for byte as it was."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import INCIDENT_HEADER, write_exports
from docx import Document
from openpyxl import load_workbook

from firestats.cli import main
from firestats.periods import Period
from firestats.publish import word
from firestats.publish.annual import Block
from firestats.publish.index_page import render
from firestats.publish.paths import OVERVIEW_NAME, report_files, report_path, safe_name
from firestats.store import prepare, read_quality

HEADER = "警情编号,出动站,接警时间,出动时间,到场时间,警情类型,地址,抢救人数,挽回损失(万元)"

MARCH = Period(2024, "month", 3)


def row(i: int, station: str = "城东", received: str = "2024-03-05 10:00:00", kind: str = "火灾",
        address: str = "人民路1号", rescued: str = "0", loss: str = "") -> str:
    return f'A{i},{station},{received},2024-03-05 10:01:00,2024-03-05 10:05:00,{kind},"{address}",{rescued},{loss}'


def csv(*lines: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "export.csv"
        path.write_bytes("\r\n".join(lines).encode(encoding))
        return path
    return make


def raw_bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return make


def xlsx(rows: list[list[object]]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "export.xlsx"
        pd.DataFrame(rows).to_excel(path, header=False, index=False)
        return path
    return make


GOOD = [row(i) for i in range(3)]
LONG = "站" * 300
# case -> (how to make the file, expected: "error" with a pattern, or reasons that must be listed)
CASES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "empty file": (raw_bytes("export.csv", b""), "error", r"export\.csv: "),
    "header only": (csv(HEADER), "clean", ""),
    "no header": (csv(*GOOD), "error", r"export\.csv: no header row found"),
    "junk named xlsx": (raw_bytes("export.xlsx", os.urandom(4096)), "error", r"export\.xlsx: cannot be read"),
    "zip that is no workbook": (raw_bytes("export.xlsx", b"PK\x03\x04" + os.urandom(200)), "error",
                                r"export\.xlsx: cannot be read"),
    "junk named csv": (raw_bytes("export.csv", bytes(range(256)) * 40), "error", r"export\.csv: "),
    "utf-16 text": (csv(HEADER, *GOOD, encoding="utf-16"), "error", r"export\.csv: "),
    "mixed encodings": (raw_bytes("export.csv", "\r\n".join([HEADER, GOOD[0]]).encode("utf-8") + b"\r\n"
                                  + row(9, station="城西").encode("gbk")), "error", r"export\.csv: "),
    "gbk": (csv(HEADER, *GOOD, encoding="gbk"), "clean", ""),
    "utf-8 with bom": (csv(HEADER, *GOOD, encoding="utf-8-sig"), "clean", ""),
    "duplicate column names": (csv(HEADER + ",接警时间", *(r + ",garbage" for r in GOOD)), "clean", ""),
    "missing required column": (csv("警情编号,出动站,警情类型", "A1,城东,火灾"), "error",
                                r"export\.csv: no column for 接警时间 \(received_at\)"),
    "every date garbage": (csv(HEADER, *(row(i, received="昨天夜里") for i in range(3))), "problems",
                           "bad_received_at"),
    "impossible dates": (csv(HEADER, row(1, received="2024-02-30 10:00:00"), row(2, received="2024-13-01 10:00")),
                         "problems", "bad_received_at"),
    "negative numbers": (csv(HEADER, row(1, rescued="-3"), row(2, loss="-5")), "problems", "negative_number"),
    "absurd numbers": (csv(HEADER, row(1, rescued="99999999"), row(2, loss="1e12")), "problems",
                       "implausible_number"),
    "unreadable numbers": (csv(HEADER, row(1, rescued="很多"), row(2, rescued="3.5")), "problems", "bad_number"),
    "script in address": (csv(HEADER, row(1, address="<script>alert(1)</script>")), "clean", ""),
    "img onerror in address": (csv(HEADER, row(1, address="<img src=x onerror=alert(1)>")), "clean", ""),
    "dot-dot station": (csv(HEADER, row(1, station="../../上级目录")), "clean", ""),
    "slash station": (csv(HEADER, row(1, station="/etc/passwd")), "clean", ""),
    "backslash station": (csv(HEADER, row(1, station="C:\\\\Windows\\\\城东")), "clean", ""),
    "NUL in station": (csv(HEADER, row(1, station="城\x00东")), "problems", "column 出动站 = '城\\\\x00东'"),
    "300-character station": (csv(HEADER, row(1, station=LONG)), "clean", ""),
    "formula cells": (csv(HEADER, row(1, address="=HYPERLINK(\"http://x\")"), row(2, address="+86 110"),
                          row(3, address="-1+1"), row(4, address="@SUM(A1)")), "clean", ""),
    "unknown types": (csv(HEADER, row(1, kind="外星人入侵"), row(2)), "problems", "unknown_type"),
    "blank ids and stations": (csv(HEADER, row(1).replace("A1,", ",", 1), row(2, station="")), "problems",
                               "missing_id"),
    "title and total rows": (csv("2024年接处警统计表,,,,,,,,", HEADER, *GOOD, "合计,3起,,,,,,,"), "problems",
                             "summary_row"),
    "blank rows everywhere": (csv(HEADER, "", GOOD[0], ",,,,,,,,", "", GOOD[1]), "clean", ""),
    "arrival before dispatch": (csv(HEADER, row(1).replace("10:05:00", "09:59:00")), "problems",
                                "arrival_before_dispatch"),
    "duplicates": (csv(HEADER, GOOD[0], GOOD[0], GOOD[1]), "clean", "merged · duplicate · 1 row(s)"),  # accounted
    "huge cell": (csv(HEADER, row(1, address="长" * 100_000)), "clean", ""),
    "a cell of a megabyte": (csv(HEADER, GOOD[0], row(2, address="长" * 2**20), GOOD[1]), "problems",
                             "export.csv row 3, column 地址 = '长长"),
    "a cell of a megabyte under a title, a blank line above": (csv("2024年统计表", HEADER, GOOD[0], "",
                                                                  row(2, address="长" * 2**20)), "problems",
                                                              "export.csv row 5, column 地址 = '长长"),
    "control characters pasted from Word": (csv(HEADER, row(1, address="人民路\x0b1号\x07\x01\x0c"), row(2)),
                                            "problems", r"column 地址 = '人民路\\x0b1号\\x07\\x01\\x0c'"),
    "gb18030 ending in ctrl-z": (raw_bytes("export.csv", "\r\n".join([HEADER, *GOOD]).encode("gb18030") + b"\x1a"),
                                 "problems", "control_characters"),
    "ctrl-z on a line of its own": (raw_bytes("export.csv", "\r\n".join([HEADER, *GOOD, ""]).encode("gb18030")
                                              + b"\x1a"), "clean", ""),
    "xlsx with title and formulas": (xlsx([["统计表"] + [None] * 8, HEADER.split(","),
                                           ["A1", "城东", "2024-03-05 10:00:00", "", "", "火灾", "=1+1", "2人",
                                            "1.5万"]]),
                                     "clean", ""),
    "tsv named txt": (raw_bytes("export.txt", "\n".join(line.replace(",", "\t").replace('"', "")
                                                        for line in [HEADER, *GOOD]).encode()), "clean", ""),
    "empty folder": (lambda folder: (folder / "empty").mkdir() or folder / "empty", "error", r"no \.xlsx"),
    "missing path": (lambda folder: folder / "nowhere.csv", "error", r"nowhere\.csv: no such file"),
}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input(case, tmp_path):
    make, expected, detail = CASES[case]
    raw = tmp_path / "raw"
    raw.mkdir()
    path = make(raw)
    before = sha(path)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if expected == "error":
        assert result.exit_code == 2, result.output
        assert result.output.strip().count("\n") == 0 and re.search(detail, result.output), result.output
    else:
        assert result.exit_code == (0 if expected == "clean" else 1), result.output
        total = next(line for line in result.output.splitlines() if line.startswith("total")).split()[1:]
        rows_in, kept, merged, quarantined = map(int, total)
        assert rows_in == kept + merged + quarantined
        assert detail in result.output
    assert sha(path) == before  # raw files are only read


@pytest.mark.slow
def test_errors_reach_the_user_as_one_line_not_a_traceback(tmp_path):
    junk = tmp_path / "坏.xlsx"
    junk.write_bytes(os.urandom(1000))
    run = subprocess.run([sys.executable, "-m", "firestats.cli", "prepare", str(junk), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().count("\n") == 0 and "坏.xlsx: cannot be read" in run.stderr


@pytest.mark.parametrize("station", ["../../上级目录站", "/etc/passwd", "C:\\Windows\\城东站", "城\x00东站", LONG,
                                     "..", ".", " ", "城东/../../逃站"])
def test_report_paths_stay_inside_the_output_folder(station, tmp_path):
    out = tmp_path / "reports"
    path = report_path(out, station, Period(2024))
    assert path.resolve().is_relative_to(out.resolve()) and path.parent == out / "2024"
    assert "/" not in path.name and "\\" not in path.name and "\x00" not in path.name and len(path.name) <= 110
    if "站" in station:
        assert "站" in path.name  # Chinese kept


@pytest.mark.parametrize("name", [LONG, "a" * 300, "站" * 66 + "ab", "🚒" * 70, "城东站" * 30 + "。"])
def test_file_names_fit_every_file_system_and_keep_whole_characters(name):
    stem = safe_name(name)
    assert len(f".{stem}.failed.ipynb.abcdefgh.tmp".encode("utf-8")) <= 255  # the longest name written
    assert stem[:10] == name[:10]  # cut at the end only, whole characters kept


@pytest.mark.parametrize("name", ["CON", "con", "Nul", "aux", "PRN", "COM1", "com9", "LPT1", "LPT9", "CON.txt",
                                  "nul.tar.gz", "CON ", "城东站.", "城东站 ", "...", ""])
def test_windows_device_names_and_trailing_dots_or_spaces_are_avoided(name):
    stem = safe_name(name)
    assert stem and not stem.endswith((".", " "))
    assert not re.fullmatch(r"(CON|PRN|AUX|NUL|COM\d|LPT\d) *", stem.split(".")[0], re.IGNORECASE), stem


def test_names_that_would_share_a_file_get_distinct_names_the_same_on_every_run():
    names = ["城东/站", "城东_站", "城东:站", "城东*站", "城东\\站"]
    stems = [safe_name(n) for n in names]
    assert len(set(stems)) == len(names) and stems == [safe_name(n) for n in names]
    assert safe_name("城东_站") == "城东_站" and safe_name("城东站") == "城东站"  # a safe name stays as it is
    assert safe_name(OVERVIEW_NAME) != OVERVIEW_NAME  # a station called 支队总览 is not the overview
    assert safe_name(stems[0]) != stems[0]  # nor can a name that looks hashed take another's file
    shared = [f for f in report_files("城东站-通报", MARCH) if f in report_files("城东站", MARCH)]
    assert shared == [] and safe_name("城东站-通报") != "城东站-通报"  # nor its .txt be 城东站's 通报


def test_what_xml_forbids_is_taken_out_of_the_word_draft():
    draft = word.document([Block("title", "城东\x0b站"), Block("paragraph", "获奖\x07\x01\x0c青年文明号\x1a\ufffe")])
    assert [p.text for p in Document(io.BytesIO(draft)).paragraphs][:2] == ["城东站", "获奖青年文明号"]


@pytest.mark.slow
def test_a_report_over_an_award_pasted_from_word_and_a_dos_export_writes_every_file(tmp_path):
    raw = write_exports(tmp_path / "raw", ["城东站"], ledger=[("城东站", "获奖", "青年\x0b文明号\x07")])
    rows = [f"B{n},城东站,2024-04-0{n + 1} 10:00:00,2024-04-0{n + 1} 10:01:00,2024-04-0{n + 1} 10:05:00,火灾,"
            f'"老街{n}号",1' for n in range(2)]
    (raw / "旧系统.csv").write_bytes("\r\n".join([INCIDENT_HEADER, *rows]).encode("gb18030") + b"\x1a")
    before = {p: sha(p) for p in raw.iterdir()}
    prepared = CliRunner().invoke(main, ["prepare", str(raw), "--out", str(tmp_path / "data")])
    assert prepared.exit_code == 0 and prepared.output.count("control_characters") == 2, prepared.output
    result = CliRunner().invoke(main, ["report", "--data", str(tmp_path / "data"), "--station", "城东", "--year",
                                       "2024", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    page = tmp_path / "out" / "2024" / "城东站.html"
    assert page.is_file() and page.with_suffix(".docx").is_file()
    draft = "".join(p.text for p in Document(page.with_suffix(".docx")).paragraphs)
    honours = [c.value for r in load_workbook(page.with_suffix(".xlsx"))["获奖与比武"].iter_rows() for c in r]
    assert "青年文明号" in draft and "青年文明号" in honours
    assert {p: sha(p) for p in raw.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out", "raw"]  # nothing written elsewhere


@pytest.mark.slow
def test_a_200_mb_export(tmp_path):
    path = tmp_path / "big.csv"
    line = ('{i},城东,2024-03-05 10:00:00,2024-03-05 10:01:00,2024-03-05 10:05:00,火灾,"人民路{i}号'
            + "，" * 40 + '",0,1.5')
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        i = 0
        while handle.tell() < 200 * 2**20:
            handle.write("\n".join(line.format(i=n) for n in range(i, i + 50_000)) + "\n")
            i += 50_000
    before = sha(path)
    result = CliRunner().invoke(main, ["prepare", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("total")).split()[1:]
    assert int(total[0]) == i == int(total[1])
    assert sha(path) == before


PHONE, IDENTITY = "13300133000", "110101199003071234"


@pytest.mark.slow
def test_a_phone_or_identity_number_in_a_file_name_never_reaches_the_index_page(tmp_path):
    raw = write_exports(tmp_path / "raw", ["城东站"])
    (raw / "警情.csv").rename(raw / f"警情补录_报警人{PHONE}.csv")
    write_exports(tmp_path / "more", ["城西站"]).joinpath("警情.csv").rename(raw / f"身份证{IDENTITY}.csv")
    prepare([raw], tmp_path / "data")
    page = render({}, {}, read_quality(tmp_path / "data"))
    assert PHONE not in page and IDENTITY not in page
    assert "警情补录_报警人[电话已隐去].csv" in page and "身份证[证件号已隐去].csv" in page


def test_a_phone_or_identity_number_never_names_a_report_file_nor_its_hash():
    for number in (PHONE, IDENTITY):
        stem = safe_name(f"报警人{number}")
        assert number not in stem and stem.startswith("报警人[") and stem == safe_name(f"报警人{number}")
        assert stem == safe_name("报警人" + number[:-1] + str((int(number[-1]) + 1) % 10))  # nothing of it in the hash


# A sheet's XML around the rows a case writes: a header row, as Excel writes it.
SHEET_HEAD = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
              + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in zip("ABC", HEADER.split(",")))
              + "</row>").encode()
SHEET_TAIL = b"</sheetData></worksheet>"


def hand_written(*rows: str | bytes) -> Callable[[Path], Path]:
    """An .xlsx whose sheet XML is written here (a header row, then ``rows``), streamed into the zip."""
    def make(folder: Path) -> Path:
        path = folder / "export.xlsx"
        pd.DataFrame([["x"]]).to_excel(path, header=False, index=False)
        with zipfile.ZipFile(path) as src:
            parts = {i.filename: src.read(i.filename) for i in src.infolist()}
        sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in parts.items():
                if name != sheet:
                    out.writestr(name, data)
            with out.open(sheet, "w") as stream:
                for part in (SHEET_HEAD, *rows, SHEET_TAIL):
                    stream.write(part if isinstance(part, bytes) else part.encode())
        return path
    return make


def ods(cells: str) -> Callable[[Path], Path]:
    """An OpenDocument spreadsheet whose one table holds the header row, then ``cells`` (its XML)."""
    def make(folder: Path) -> Path:
        path = folder / "export.ods"
        ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
        header = "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
                         for h in HEADER.split(","))
        content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
                   f'<office:body><office:spreadsheet><table:table table:name="警情"><table:table-row>{header}'
                   f'</table:table-row>{cells}</table:table></office:spreadsheet></office:body>'
                   f'</office:document-content>')
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
            out.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                         '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                         '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                         'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
            out.writestr("content.xml", content)
        return path
    return make


def _ods_row(values: list[str]) -> str:
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
                    for v in values)
    return f"<table:table-row>{cells}</table:table-row>"


def far_xls(folder: Path) -> Path:
    """An old .xls whose one number cell's record says row 65,535, column 16,383 (the format stops at column 255)."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("警情")
    for column, name in enumerate(HEADER.split(",")[:3]):
        sheet.write(0, column, name)
    sheet.write(2, 1, 1 / 3)  # a NUMBER record (a third has no RK form)
    path = folder / "export.xls"
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<HHHH", 0x0203, 14, 2, 1))
    data[at + 4: at + 8] = struct.pack("<HH", 0xFFFF, 0x3FFF)
    path.write_bytes(data)
    return path


INLINE = '<c t="inlineStr"><is><t>x</t></is></c>'
# Workbooks whose few KB ask the reader for more memory than a machine has: each refused before it is read.
SIZE_CASES = {
    "a far cell in single quotes": (hand_written("<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t>"
                                                 "</is></c></row>"), r"1,048,576 rows × 16,384 columns"),
    "cells without r after a million empty rows": (hand_written("<row/>" * 1_000_000, "<row>" + INLINE * 40 + "</row>"),
                                                   r"1,000,002 rows × 40 columns"),
    "four megabytes in one inline cell": (hand_written("<row r='2'><c r='A2' t='inlineStr'><is><t>",
                                                       *[b"A" * 2**20] * 4, "</t></is></c></row>"),
                                          "longer than an Excel cell can hold"),
    "an ods cell repeated 5,600 x 16,000": (ods('<table:table-row table:number-rows-repeated="5600"><table:table-cell '
                                                'table:number-columns-repeated="16000" office:value-type="float" '
                                                'office:value="1"/></table:table-row>'),
                                            r"5,601 rows × 16,000 columns"),
    "an xls cell record at row 65,535, column 16,383": (far_xls, r"65,536 rows × 16,384 columns"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(SIZE_CASES))
def test_a_workbook_asking_for_more_memory_than_a_machine_has_is_one_line(case, tmp_path):
    make, message = SIZE_CASES[case]
    path = make(tmp_path)
    assert path.stat().st_size < 200_000
    code, stderr, peak = measured([sys.executable, "-m", "firestats.cli", "validate", str(path)], 120)
    assert code == 2 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert re.search(message, stderr), stderr
    assert peak < 2**20  # KiB: under 1 GB


def measured(command: list[str], timeout_s: float) -> tuple[int, str, int]:
    """A command's exit code, its standard error and its own peak memory in KiB: that process's alone (the
    resources of all children include whatever an earlier test on this worker ran, a kernel or a prepare)."""
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        timer = threading.Timer(timeout_s, process.kill)
        timer.start()
        try:
            stderr = process.stderr.read()
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen waits no more
    return process.returncode, stderr, usage.ru_maxrss


def test_an_ods_whose_empty_rows_and_cells_repeat_to_the_sheets_end_is_read(tmp_path):
    trailing = ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
                'table:number-columns-repeated="1024"/></table:table-row>')
    path = ods(_ods_row(row(1).replace('"', "").split(",")) + trailing)(tmp_path)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("total")).split()[1:]
    assert total == ["1", "1", "0", "0"]

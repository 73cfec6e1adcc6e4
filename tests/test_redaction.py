"""Identity and mobile numbers, however typed, are hidden once, in the figures themselves: `firestats figures`,
the publication and every file written beside a report (JSON, CSV, workbook, text, Word draft) carry them hidden."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_exports

from firestats.cli import main
from firestats.privacy import redact, redact_all
from firestats.publish.exports import beside
from firestats.publish.station_report import station_report
from firestats.request import Request
from firestats.store.preparation import prepare

PHONES = ["13800138000", "138-0013-8000", "137 0013 7000", "+8613900139000", "+86 139 0013 9000", "0086-13600136000",
          "１３８００１３８０００"]
IDS = ["11010119900307123X", "110101 19900307 1234", "110101-1990-0307-1234", "１１０１０１１９９００３０７１２３ｘ"]
TYPED = {**dict.fromkeys(PHONES, "[电话已隐去]"), **dict.fromkeys(IDS, "[证件号已隐去]")}  # as typed -> hidden as
# What must never appear in a published file: each number as typed, or its digits alone.
RAW = {*TYPED, *(re.sub(r"[^0-9Xx]", "", unicodedata.normalize("NFKC", t)).removeprefix("0086").removeprefix("86")
                 for t in TYPED)}


def leaked(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


@pytest.mark.parametrize("typed", list(TYPED))
def test_every_spelling_of_a_number_is_hidden(typed):
    assert redact(f"联系人{typed}，备注") == f"联系人{TYPED[typed]}，备注"


@pytest.mark.parametrize("kept", ["2024-03-05 10:00:00", "编号 2024010001", "挽回损失 1,380,013 元", "12'35\"",
                                  "A12345678901234567890", "第138001380001号"])
def test_numbers_that_are_no_identity_or_phone_are_kept(kept):
    assert redact(kept) == kept


def test_redaction_reaches_keys_lists_and_nested_text_but_leaves_numbers():
    assert redact_all({"13800138000": [{"content": "电话 138-0013-8000"}, 13800138000], "n": 1.5}) == {
        "[电话已隐去]": [{"content": "电话 [电话已隐去]"}, 13800138000], "n": 1.5}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redaction")
    ledger = [("城东站", "获奖", f"联系人{typed}获市级表彰") for typed in TYPED]
    ledger += [("城东站", "比武", "比武联系 139 0013 9000")]
    prepare([write_exports(folder / "raw", ["城东站"], ledger, address="人民路1号 电话+86 137 0013 7000")],
            folder / "data")
    return folder / "data"


def test_figures_print_ledger_text_with_the_numbers_hidden(data):
    result = CliRunner().invoke(main, ["figures", "--data", str(data), "--station", "城东", "--year", "2024"])
    assert result.exit_code == 0, result.output
    awards = json.loads(result.output)["activities"]["awards"]
    assert len(awards) == len(TYPED) and all(a["content"].startswith("联系人[") for a in awards)
    assert not leaked(result.output)


def _text(path: Path, data: bytes) -> str:
    """A written file's text; for a workbook or a Word draft, the text of every XML part inside."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
    return data.decode("utf-8-sig")


def test_every_file_beside_a_report_carries_the_numbers_hidden(data, tmp_path):
    report = station_report(Request.of("城东", 2024, data))
    publication = report.publication()
    publication["notable"].append("人民路 13800138000")  # as a notebook of one's own might publish it
    written = beside(tmp_path / "城东站.html", publication, report.request)
    assert sorted(p.suffix for p in written) == [".csv", ".docx", ".json", ".txt", ".xlsx"]
    for path, content in written.items():
        assert not leaked(_text(path, content)), path.suffix
    assert "[证件号已隐去]" in _text(tmp_path / "城东站.json", written[tmp_path / "城东站.json"])
    assert "[电话已隐去]" in _text(tmp_path / "城东站.xlsx", written[tmp_path / "城东站.xlsx"])


def test_a_months_通报_hides_the_numbers_and_says_no_records_never_0(data, tmp_path):
    """May holds the station's ledger rows and no incident: the 通报 says so, and a name carrying a phone number
    (as a notebook of one's own might publish it) is hidden in its title and its paragraph."""
    report = station_report(Request.of("城东", "2024-05", data))
    publication = report.publication()
    publication["station_name"] += "（电话 138-0013-8000）"
    written = beside(tmp_path / "城东站.html", publication, report.request)
    text = _text(tmp_path / "城东站-通报.txt", written[tmp_path / "城东站-通报.txt"])
    title, paragraph = text.removesuffix("\r\n").split("\r\n\r\n")
    assert title == "城东消防救援站（电话 [电话已隐去]）2024年5月工作通报（2024年5月1日至5月31日）"
    assert paragraph.startswith("2024年5月1日至5月31日，城东消防救援站（电话 [电话已隐去]）本月共接处警（无记录），")
    assert not leaked(text) and not re.search(r"\D0[起辆人项家]", text)

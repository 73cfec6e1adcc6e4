"""The bundled sample data is the generator's output, and as messy as real exports."""

import re

import pandas as pd
import pytest
from conftest import BUNDLED_RAW

FILES = sorted(p.name for p in BUNDLED_RAW.iterdir() if not p.name.startswith("."))


@pytest.mark.slow  # generates the whole sample again (10 s)
def test_bundled_files_are_what_the_generator_writes(sample_raw):
    assert FILES == sorted(p.name for p in sample_raw.iterdir())
    for name in FILES:
        assert (BUNDLED_RAW / name).read_bytes() == (sample_raw / name).read_bytes(), name


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    out = {}
    for name in FILES:
        path = BUNDLED_RAW / name
        if name.endswith(".csv"):
            raw = path.read_bytes()
            out[name] = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
        else:
            out[name] = pd.read_excel(path, header=None, engine="calamine", dtype=str).to_csv(index=False)
    return out


def test_one_gb18030_csv(texts):
    gb = [n for n in FILES if n.endswith(".csv") and not (BUNDLED_RAW / n).read_bytes().startswith(b"\xef\xbb\xbf")]
    assert gb
    with pytest.raises(UnicodeDecodeError):
        (BUNDLED_RAW / gb[0]).read_bytes().decode("utf-8")


def test_excel_with_title_row_and_total_row():
    book = [n for n in FILES if n.endswith(".xlsx")][0]
    grid = pd.read_excel(BUNDLED_RAW / book, header=None, engine="calamine", dtype=str)
    assert "统计表" in str(grid.iloc[0, 0])
    assert (grid.iloc[:, 0] == "合计").any()


def test_messy_spellings_are_present(texts):
    every = "\n".join(texts.values())
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", every)
    assert re.search(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}", every)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\d{1,2}时\d{1,2}分", every)
    assert re.search(r"\b20\d{12}\b", every)
    assert re.search(r"[０-９]", every)  # full-width digits
    assert re.search(r"\d+人", every) and re.search(r"\d+(\.\d+)?万", every)
    for spelling in ("灭火", "火灾扑救", "公务执勤", "虚假警情", "城东消防救援站", ",城东,"):
        assert spelling in every, spelling

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from firestats import parse

T = pd.Timestamp("2021-03-05 14:32:07")


@pytest.mark.parametrize(
    "cell",
    [
        "2021-03-05 14:32:07",
        "2021/3/5 14:32:07",
        "2021年3月5日14时32分07秒",
        "2021年3月5日14时32分7秒",
        "20210305143207",
        20210305143207,
        "２０２１－０３－０５　１４：３２：０７",
        " 2021-03-05 14:32:07 ",
        dt.datetime(2021, 3, 5, 14, 32, 7),
        dt.datetime(2021, 3, 5, 14, 32, 6, 999_800),  # Excel's float error
        44260 + (14 * 3600 + 32 * 60 + 7) / 86400,  # Excel serial day
    ],
)
def test_timestamp_spellings(cell):
    assert parse.timestamps(pd.Series([cell], dtype=object)).iloc[0] == T


def test_timestamps_without_seconds_or_time():
    cells = pd.Series(["2021-03-05 14:32", "2021年3月5日14时32分", "2021/3/5", "20210305"], dtype=object)
    assert parse.timestamps(cells).tolist() == [
        pd.Timestamp("2021-03-05 14:32"), pd.Timestamp("2021-03-05 14:32"),
        pd.Timestamp("2021-03-05"), pd.Timestamp("2021-03-05"),
    ]


@pytest.mark.parametrize("cell", ["garbage", "", None, "2021-13-40 10:00", "待补录", 5, "12:30"])
def test_unparseable_timestamps_are_nat(cell):
    assert pd.isna(parse.timestamps(pd.Series([cell], dtype=object)).iloc[0])


@pytest.mark.parametrize(
    "cell, count",
    [("3", 3), ("3人", 3), ("３人", 3), ("1,200", 1200), ("1.5万", 15000), (" 7 ", 7), (4, 4), ("-3", -3),
     ("12辆", 12), ("5次", 5)],
)
def test_counts(cell, count):
    assert parse.numbers(pd.Series([cell], dtype=object)).iloc[0] == count


@pytest.mark.parametrize(
    "cell, amount",
    [("1.5", 1.5), ("1.5万", 1.5), ("1.5万元", 1.5), ("15000元", 1.5), ("１２.５", 12.5), (3.2, 3.2), ("0", 0.0)],
)
def test_amounts_in_10k_yuan(cell, amount):
    assert parse.numbers(pd.Series([cell], dtype=object), unit="10k_yuan").iloc[0] == pytest.approx(amount)


@pytest.mark.parametrize("cell", ["abc", "", None, "3人5", "1.2.3"])
def test_unparseable_numbers_are_nan(cell):
    assert np.isnan(parse.numbers(pd.Series([cell], dtype=object)).iloc[0])


def test_identifiers_stored_as_numbers_read_as_integers():
    ids = parse.identifiers(pd.Series([2023010001.0, "A-17", " 42 ", None], dtype=object))
    assert ids.tolist()[:3] == ["2023010001", "A-17", "42"]
    assert pd.isna(ids.iloc[3])


def test_blank():
    blank = parse.is_blank(pd.Series(["", "  ", None, "x", 0], dtype=object))
    assert blank.tolist() == [True, True, True, False, False]

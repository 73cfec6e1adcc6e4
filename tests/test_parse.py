import datetime as dt

import numpy as np
import pandas as pd
import pytest

from firestats.ingest import parse

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
     ("12辆", 12), ("5次", 5), ("-4.50755e-05", -4.50755e-05), ("1.2E+04", 12000)],
)
def test_counts(cell, count):
    assert parse.numbers(pd.Series([cell], dtype=object)).iloc[0] == count


@pytest.mark.parametrize(
    "cell, amount",
    [("1.5", 1.5), ("1.5万", 1.5), ("1.5万元", 1.5), ("15000元", 1.5), ("１２.５", 12.5), (3.2, 3.2), ("0", 0.0)],
)
def test_amounts_in_10k_yuan(cell, amount):
    assert parse.numbers(pd.Series([cell], dtype=object), unit="10k_yuan").iloc[0] == pytest.approx(amount)


@pytest.mark.parametrize("cell", ["abc", "", None, "3人5", "1.2.3", "5e", "e5"])
def test_unparseable_numbers_are_nan(cell):
    assert np.isnan(parse.numbers(pd.Series([cell], dtype=object)).iloc[0])


def test_identifiers_stored_as_numbers_read_as_integers():
    ids = parse.identifiers(pd.Series([2023010001.0, "A-17", " 42 ", None], dtype=object))
    assert ids.tolist()[:3] == ["2023010001", "A-17", "42"]
    assert pd.isna(ids.iloc[3])


def test_blank():
    blank = parse.is_blank(pd.Series(["", "  ", None, "x", 0], dtype=object))
    assert blank.tolist() == [True, True, True, False, False]


@pytest.mark.parametrize(
    "cell, dayfirst, expected",
    [
        ("4/23/2025 0:26", False, "2025-04-23 00:26:00"),
        ("04/07/2020 11:53:08 PM", False, "2020-04-07 23:53:08"),
        ("04/08/2020 12:00:00 AM", False, "2020-04-08 00:00:00"),
        ("04/08/2020 12:30:00 PM", False, "2020-04-08 12:30:00"),
        ("01 Jan 2009", False, "2009-01-01 00:00:00"),
        ("01 Jan 2009 00:00:37", False, "2009-01-01 00:00:37"),
        ("5-Sep-2021", False, "2021-09-05 00:00:00"),
        ("04/07/2020", True, "2020-07-04 00:00:00"),
        ("13/01/2020 08:00:00", True, "2020-01-13 08:00:00"),
        ("2021-03-05T14:32:07", False, "2021-03-05 14:32:07"),
        ("2021.3.5 14:32", False, "2021-03-05 14:32:00"),
    ],
)
def test_more_timestamp_spellings(cell, dayfirst, expected):
    assert parse.timestamps(pd.Series([cell], dtype=object), dayfirst=dayfirst).iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize("cell", ["13/13/2020", "04/07/2020 13:00 PM", "31 Foo 2020", "2020-02-30"])
def test_impossible_dates_are_nat(cell):
    assert pd.isna(parse.timestamps(pd.Series([cell], dtype=object)).iloc[0])


@pytest.mark.parametrize(
    "cell, seconds",
    [("00:22:45", 1365), ("0:26", 1560), ("14时32分", 52320), ("14时32分07秒", 52327), ("11:53:08 PM", 86_000 - 12),
     (dt.time(0, 22, 45), 1365), (dt.datetime(1900, 1, 1, 0, 22, 45), 1365), (0.5, 43200)],
)
def test_time_of_day(cell, seconds):
    assert parse.time_of_day(pd.Series([cell], dtype=object)).iloc[0] == pd.Timedelta(seconds=seconds)


@pytest.mark.parametrize("cell", ["", None, "25:00", "12:61", "later"])
def test_bad_time_of_day_is_nat(cell):
    assert pd.isna(parse.time_of_day(pd.Series([cell], dtype=object)).iloc[0])


def test_time_of_day_rolls_past_midnight():
    base = pd.Series(pd.to_datetime(["2020-01-01 23:58:00", "2020-01-01 10:00:00", "2020-01-01 10:00:00"]))
    clock = parse.time_of_day(pd.Series(["00:03:00", "10:05:00", "09:59:00"], dtype=object))
    assert parse.on_day_of(base, clock).tolist() == [
        pd.Timestamp("2020-01-02 00:03"), pd.Timestamp("2020-01-01 10:05"),
        pd.Timestamp("2020-01-01 09:59"),  # a minute early is a recording error to flag, not tomorrow
    ]


@pytest.mark.parametrize(
    "cell, seconds",
    [("5 分 4 秒", 304), ("5分4秒", 304), ("5'04\"", 304), ("5′04″", 304), ("00:05:04", 304), ("05:04", 304),
     ("304", 304), (304, 304), ("304.5", 304.5), ("8 分", 480), ("45秒", 45), ("1小时2分", 3720),
     (dt.time(0, 5, 4), 304)],
)
def test_durations(cell, seconds):
    assert parse.durations(pd.Series([cell], dtype=object)).iloc[0] == seconds


@pytest.mark.parametrize("cell", ["", None, "abc", "5 分 x"])
def test_bad_durations_are_nan(cell):
    assert np.isnan(parse.durations(pd.Series([cell], dtype=object)).iloc[0])


def test_excel_stores_compact_timestamps_as_numbers():
    assert parse.timestamps(pd.Series([20210305143207, 20210305], dtype=object)).tolist() == [
        T, pd.Timestamp("2021-03-05")]

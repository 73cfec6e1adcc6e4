"""Property tests: the parsers never raise on arbitrary cell content, and keep their shape."""

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from firestats.ingest import incidents, octets, parse, readers, stamp_bytes, stations, time_rewrites
from firestats.privacy import XML_FORBIDDEN

cells = st.one_of(
    st.text(), st.integers(min_value=-10**18, max_value=10**18), st.floats(allow_nan=True), st.none(),
    st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1)), st.times(),
    st.from_regex(r"\d{1,4}[-/年.: ]\d{1,2}[-/月.: ]\d{1,4}( \d{1,2}:\d{1,2}(:\d{1,2})?( [AP]M)?)?", fullmatch=True),
)
columns = st.lists(cells, max_size=30)


@pytest.mark.slow
@settings(deadline=None)
@given(columns)
def test_parsers_never_raise_and_keep_length(values):
    series = pd.Series(values, dtype=object)
    for result in (parse.timestamps(series), parse.timestamps(series, dayfirst=True), parse.time_of_day(series),
                   parse.durations(series), parse.numbers(series),
                   parse.numbers(series, "10k_yuan"), parse.identifiers(series), parse.text(series)):
        assert len(result) == len(values)
        assert result.index.equals(series.index)


@pytest.mark.slow
@settings(deadline=None)
@given(st.lists(st.text(alphabet="0123456789:/-年月日时分秒 ", max_size=25), max_size=8))
def test_text_columns_parse_like_single_cells(values):
    """Parsing a column equals parsing each cell alone: no row leaks into another."""
    series = pd.Series(values, dtype=object)
    whole = parse.timestamps(series)
    for i, value in enumerate(values):
        alone = parse.timestamps(pd.Series([value], dtype=object)).iloc[0]
        assert (pd.isna(alone) and pd.isna(whole.iloc[i])) or alone == whole.iloc[i]


_ODD = "\x00\x08\x0b\x1a\t\r\n\ufffe\uffff\ufffd\u00ad\u00ac\u200b\u200f\u2010\u2060\u2064\u2065\ufeff\ufefe合计总 a1"


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_ODD), st.text()), max_size=12), st.integers(0, 3))
def test_byte_scans_find_what_the_regular_expressions_find(values, start):
    """The byte scans that spare a column the regular expressions say yes exactly where one would match (a slice of
    a column read in place, nulls among the cells)."""
    array = pa.array(values, type=pa.large_string()).slice(start)
    cells = pd.Series(array.to_pylist(), dtype="string[pyarrow]")

    def anywhere(pattern):
        return bool(pc.any(pc.fill_null(pc.match_substring_regex(array, pattern), False)).as_py())

    assert octets.may_hold_forbidden(array) == anywhere(XML_FORBIDDEN) == parse.may_hold_forbidden(cells)
    assert octets.may_hold_invisible(array) == anywhere(parse._INVISIBLE)
    assert parse.may_contain(cells, "计") == anywhere("计")


_SPELLINGS = st.from_regex(r"\d{2,14}|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
                           r"([ T]*\d{1,2}[:时点]\d{1,2}([:分]\d{1,2}(\.\d+)?)?[分秒]?)?"
                           r"|[\d/年月日时分秒: .T-]{0,16}|\d{4}/\d{1,2}/\d{1,2} \d{1,2}:", fullmatch=True)


@settings(deadline=None)
@given(st.lists(st.one_of(_SPELLINGS, st.integers(0, 10**15).map(str), st.text(max_size=8)), max_size=12))
def test_spellings_rewritten_by_kind_as_every_rewrite_in_turn_gives(values):
    """Each kind of cell given only the rewrites that can change it (14 digits cut apart) reads as every rewrite run
    on every cell in turn."""
    cells = pa.array(values, type=pa.large_string())
    every = cells
    for pattern, replacement in (time_rewrites._SEPARATED, time_rewrites._COMPACT, time_rewrites._LEFT_EMPTY):
        every = pc.replace_substring_regex(every, pattern, replacement)
    assert time_rewrites.rewritten(cells).to_pylist() == every.to_pylist()


_DECIMALS = st.from_regex(r"\d{0,9}\.?\d{0,9}", fullmatch=True)
_AMOUNTS = st.from_regex(r"[-+]?[\d,.]{0,8}\s*万?[元人辆]?", fullmatch=True)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10**16).map(str), _DECIMALS, _AMOUNTS, st.text(max_size=6)),
                max_size=12),
       st.sampled_from(["count", "10k_yuan"]))
@example(["5.", ".5", "1.25", "007", "0.1", "1.2.3", "123456789012345.6"], "count")
def test_plain_numbers_cast_as_the_regular_expression_reads_them(values, unit):
    """Plain numbers (3, 30.296309), cast at once, read as ``_NUMBER`` reads every cell."""
    cells = parse.text(pd.Series(values, dtype=object))
    fast = parse._text_numbers(cells, unit)
    pd.testing.assert_series_equal(fast, parse._worded_numbers(cells, unit).astype("float64"), check_names=False,
                                   check_exact=True)


def test_nfkc_leaves_every_cjk_ideograph_of_the_bytes_scan_as_it_is():
    """Every character of U+4000–U+9FFF, the block ``octets.normalisable`` lets through, is its own NFKC and not
    invisible."""
    block = pa.array([chr(c) for c in range(0x4000, 0xA000)], type=pa.large_string())
    assert pc.all(pc.equal(pc.utf8_normalize(block, "NFKC"), block)).as_py()
    assert not pc.any(pc.match_substring_regex(block, parse._INVISIBLE)).as_py()
    assert not octets.normalisable(block).any()


_WIDE = _ODD + "城东２０年月日时分秒\u3000\uf900\u2f00①ｱ\u0301é"


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_WIDE), st.text()), max_size=12), st.integers(0, 3))
def test_cells_the_bytes_scan_lets_through_are_their_own_nfkc(values, start):
    """A cell ``octets.normalisable`` does not mark is as NFKC and the invisible characters leave it."""
    array = pa.array(values, type=pa.large_string()).slice(start)
    kept = pc.filter(array, pa.array(~octets.normalisable(array)))
    assert kept.to_pylist() == parse._visible(kept).to_pylist()


# Year-first times spelled part by part: each separator one its place allows or another place's or none of them,
# numbers padded or not, one sometimes out of range (a month 13, a second 60), years pandas cannot hold.
_BETWEEN = [["-", "/", ".", "年"], ["-", "/", ".", "月"], [" ", "T", "日", "日 "], [":", "时", "点"], [":", "分"]]
_ODD_BETWEEN = ["", "  ", "日T", "+", "－", "：", "\u3000", "a", "-", ":", "年", "月", "日", "时", "分", "秒", "下午"]
_AFTER = ["", "日", "分", "秒", ":", ".5", "+08:00", "Z", " ", "点"]


# Numbers at the edges of their ranges (and past them), which a time's part is drawn from now and then.
_EDGES = [[1677, 1678, 1679, 2260, 2261, 2262, 1900, 2000, 2100], [0, 1, 2, 12, 13], [0, 1, 28, 29, 30, 31, 32],
          [0, 23, 24, 99], [0, 59, 60, 61], [0, 59, 60, 61]]


@st.composite
def _year_first(draw):
    stamp = draw(st.datetimes(min_value=dt.datetime(1600, 1, 1), max_value=dt.datetime(2300, 12, 31)))
    numbers = [stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second]
    for place in range(6):
        if not draw(st.integers(0, 4)):
            numbers[place] = draw(st.sampled_from(_EDGES[place]))
    count = draw(st.sampled_from([1, 3, 5, 6, 2, 4]))
    if count == 1:  # compact: 20210305143207 or a prefix of it
        return "".join(f"{n:02d}" for n in numbers)[: draw(st.integers(4, 15))]
    cell = f"{numbers[0]:04d}" if draw(st.integers(0, 9)) else str(numbers[0])
    for place, number in enumerate(numbers[1:count]):
        cell += draw(st.sampled_from(_BETWEEN[place]) if draw(st.integers(0, 3)) else st.sampled_from(_ODD_BETWEEN))
        cell += f"{number:02d}" if draw(st.booleans()) else str(number)
    return cell + draw(st.sampled_from(_AFTER))


@pytest.mark.slow
@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), _year_first(), _SPELLINGS, st.text(max_size=8)), max_size=12), st.booleans())
def test_times_read_from_the_bytes_as_the_rewrites_and_pandas_read_them(values, dayfirst):
    """The year-first spellings ``stamp_bytes`` reads from a column's bytes read as the regular expressions and
    ``pd.to_datetime`` read them (``parse._from_any_text``), and every other cell is left to those."""
    cells = parse.text(pd.Series(values, dtype=object))
    pd.testing.assert_series_equal(parse._from_text(cells, dayfirst), parse._from_any_text(cells, dayfirst))


def _edge_times() -> list[list[int]]:
    """A time, and that time with each of its parts in turn at an edge of its range or past it (30 February, 29 February
    of a leap year, a second 60, a year pandas cannot hold)."""
    base = [2021, 3, 5, 14, 32, 7]
    times = [base, [2024, 1, 2, 3, 4, 5], [2024, 2, 29, 23, 59, 59], [2100, 2, 29, 0, 0, 0], [2000, 2, 29, 0, 0, 0]]
    for place, edges in enumerate(_EDGES):
        times += [base[:place] + [edge] + base[place + 1:] for edge in edges]
    times += [[2021, month, day, 0, 0, 0] for month in (2, 4, 6, 9, 11, 12) for day in (28, 29, 30, 31)]
    return times


def _spelled_at_edges() -> list[str]:
    """Every edge time in every year-first shape that differs from an export's in one place at most: one separator
    (any of the allowed or odd ones), or what follows the last number, numbers padded or not; and compact."""
    shapes = []
    for count in (3, 5, 6):
        usual = [allowed[n % len(allowed)] for n, allowed in enumerate(_BETWEEN[: count - 1])]
        shapes += [(usual[:place] + [other] + usual[place + 1:], "") for place in range(count - 1)
                   for other in _BETWEEN[place] + _ODD_BETWEEN]
        shapes += [(usual, after) for after in _AFTER]
    cells = []
    for numbers in _edge_times():
        for padded in (True, False):
            texts = [f"{numbers[0]:04d}", *(f"{n:02d}" if padded else str(n) for n in numbers[1:])]
            cells += [texts[0] + "".join(s + t for s, t in zip(between, texts[1:])) + after
                      for between, after in shapes]
        cells += ["".join(f"{n:02d}" for n in numbers)[:width] for width in range(4, 16)]
    return cells


def test_times_at_the_edges_read_from_the_bytes_as_the_rewrites_and_pandas_read_them():
    """Every edge time in every shape near an export's (``_spelled_at_edges``) reads from the bytes as
    ``parse._from_any_text`` reads it."""
    cells = parse.text(pd.Series(_spelled_at_edges(), dtype=object))
    pd.testing.assert_series_equal(parse._from_text(cells, False), parse._from_any_text(cells, False))


def test_an_exports_time_spellings_are_read_from_the_bytes():
    """The spellings of an export (padded or not, to the day, minute or second) are read from the bytes, not left to
    the regular expressions; a time not sure to read alike is left to them."""
    read = {"2021-03-05 14:32:07": True, "2021/3/5 9:05:07": True, "2021年3月5日9时5分7秒": True,
            "20210305143207": True, "2021年3月5日": True, "2021-3-5 14:32": True, "202103051432": True,
            "20210305": True, "2021-03-05T14:32:07": True, "2021.3.5 9点05分": True, "2024-02-29 23:59:59": True,
            "2021-02-29 10:00:00": False, "2021-03-05 14:32:60": False, "2021-3-5 24:00:00": False,
            "1678-12-31 23:59:59": False, "2261-01-01 10:00:00": False, "44000": False, "2021-03-05 14:32:07.5": False,
            "2021-03-05T14:32:07+08:00": False, "2021/3/5 下午 3:00": False, "5/3/2021 9:05": False, "": False}
    cells = pa.array(list(read), type=pa.large_string())
    assert stamp_bytes.year_first(cells)[1].tolist() == list(read.values())


_NAMES = st.sampled_from(["城东", "城东站", " 城东消防救援站", "城东 站", "城西中队", "Mill Hill", "Mill  Hill ", "32",
                          "", "无", "火灾", "火 灾", "灭火", "抢险救援", "社会救助", "待定", "虚假警情", "安保勤务",
                          "fire", "ＦＩＲＥ"])


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), _NAMES, st.text(max_size=6)), max_size=40))
def test_names_resolved_once_a_distinct_value_as_the_whole_column_resolves_them(values):
    """Station and type spellings resolved once a distinct value (``distinct.by_distinct``) as the regular
    expressions and look-ups resolve every cell of the column."""
    series = pd.Series(values, dtype=object)
    pd.testing.assert_series_equal(stations.normalise_stations(series), stations._resolved(parse.text(series)))
    pd.testing.assert_series_equal(incidents.normalise_types(series), incidents._typed(parse.text(series)))


_SPACES = " \t\r\n\x0b\x0c\x1a\x00\x85\xa0\u1680\u2000\u200a\u2028\u202f\u205f\u3000\ufeff\ufffe\uffff"


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_SPACES, max_size=3), st.text(alphabet=_SPACES + "a城é"),
                          st.text()), max_size=20))
@example(["\u3000", "\u2000", "\x85", "\xa0 ", "\ufeff", "\x1a", "", None, "城", "a", "é"])
def test_cells_surely_filled_are_not_blank(values):
    """A cell ``octets.surely_filled`` passes over is one stripping and removing control characters leaves filled:
    the reader's blank test reads a column as testing every cell does."""
    column = pd.Series(values, dtype=object)
    pd.testing.assert_series_equal(readers._blank(column), readers._blank_text(column.astype("string")),
                                   check_names=False)


_MARKERS = st.sampled_from(["n/a", "na", "null", "none", "nan", "-", "---", "—", "——", "–", "/", "无", "空", "暂无",
                            "N/A", "NULL", "None", "NaN", "nA", "nuLL"])


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), _MARKERS, st.text(max_size=4), st.text(alphabet="nN-/—–无空暂aAl ", max_size=4)),
                max_size=20))
@example(["n/a", "NA", "Null", "—", "–", "/", "无", "空", "暂无", "-", None, "", "2021", "城东"])
def test_cells_a_marker_may_open_are_every_marker(values):
    """Every cell the missing-value markers' expression matches is one ``octets.may_open_marker`` lets it see."""
    array = pc.utf8_trim_whitespace(pa.array(values, type=pa.large_string()))
    matched = pc.fill_null(pc.match_substring_regex(array, parse.MISSING_MARKERS), False).to_numpy(zero_copy_only=False)
    assert not (matched & ~octets.may_open_marker(array)).any()

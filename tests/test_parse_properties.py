"""Property tests: the parsers never raise on arbitrary cell content, and keep their shape."""

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import example, given, settings
from hypothesis import strategies as st

from firestats.ingest import octets, parse, time_rewrites
from firestats.privacy import XML_FORBIDDEN

cells = st.one_of(
    st.text(), st.integers(min_value=-10**18, max_value=10**18), st.floats(allow_nan=True), st.none(),
    st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1)), st.times(),
    st.from_regex(r"\d{1,4}[-/年.: ]\d{1,2}[-/月.: ]\d{1,4}( \d{1,2}:\d{1,2}(:\d{1,2})?( [AP]M)?)?", fullmatch=True),
)
columns = st.lists(cells, max_size=30)


@settings(deadline=None)
@given(columns)
def test_parsers_never_raise_and_keep_length(values):
    series = pd.Series(values, dtype=object)
    for result in (parse.timestamps(series), parse.timestamps(series, dayfirst=True), parse.time_of_day(series),
                   parse.durations(series), parse.numbers(series),
                   parse.numbers(series, "10k_yuan"), parse.identifiers(series), parse.text(series)):
        assert len(result) == len(values)
        assert result.index.equals(series.index)


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

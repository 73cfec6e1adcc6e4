"""Property tests: the parsers never raise on arbitrary cell content, and keep their shape."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from firestats.ingest import parse

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

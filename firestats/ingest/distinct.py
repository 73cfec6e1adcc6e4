"""A function of each cell alone worked out once a distinct value: a column of station names or incident types holds
a handful of values, given a million times, and the regular expressions that resolve them need only see each once."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def by_distinct(values: pd.Series, cellwise: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``cellwise(values)``, for a ``cellwise`` whose result for a cell depends on that cell alone, worked out once
    for each distinct value (an NA cell gives NA)."""
    codes, uniques = pd.factorize(values)
    found = cellwise(pd.Series(uniques, dtype=values.dtype))
    return pd.Series(found.array.take(codes, allow_fill=True), index=values.index)  # code -1 (NA) takes NA

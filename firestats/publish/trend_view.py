"""How a report shows the years behind its figures: the trend figures of the same period in each year the data
holds, a year a column, and the moves that held three years or more as the draft states them (compute.trend)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from firestats.catalogue import heading, table_heading, term, unit_of
from firestats.compute.trend import moves
from firestats.publish import charts
from firestats.publish.annual import trend_sentence
from firestats.publish.html import chart, table, text
from firestats.publish.narrative import written
from firestats.wording import value_in


def named_moves(years: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The trend figures that moved one way three years or more, each with its term and unit."""
    if years is None:
        return []
    read_alike = moves(years, lambda key, a, b: written(key, a) == written(key, b))  # 8分39秒 twice is no fall
    return [m | {"term": term(m["key"]), "unit": unit_of(m["key"])} for m in read_alike]


# The years' chart: incidents, the call to the first arrival and the pass rate, a panel each.
CHARTED = ("incidents.total", "response.segments.total.median_s", "assessments.overall.pass_rate")


def years_chart(years: pd.DataFrame | None, language: str = "zh") -> str:
    """The years behind a report as small multiples (see ``charts.years``), of those figures any year has; nothing
    where the data holds one year alone."""
    if years is None or len(years) < 2:
        return ""
    panels = {key: term(key, language) for key in CHARTED if key in years and years[key].notna().any()}
    return chart(charts.years(years, panels), "近年对比").data


def years_table(years: pd.DataFrame | None, language: str = "zh") -> str:
    """The years behind each figure as a table (a year a column, written as the report writes each figure) and the
    moves as the draft states them; a note where the data holds the period's year alone."""
    if years is None or len(years) < 2:
        return '<p class="fs-note">只有本期一年的记录，不作多年比较。</p>'
    rows = [[heading(key, language), *(value_in(v, unit_of(key)) for v in years[key])] for key in years]
    said = trend_sentence(named_moves(years))
    return (table([table_heading("figure", language), *(f"{y}年" for y in years.index)], rows, "fs-compact")
            + (f'<p class="fs-note">{text(said)}。</p>' if said else ""))

"""How a report shows training assessments: rates by item or month, and each person's points by month with the
competition placings, its headings the catalogue's in the station's language."""

from __future__ import annotations

from typing import Any

from firestats.catalogue import part_word, table_heading
from firestats.compute.figures import Assessments, Rates
from firestats.publish.html import table
from firestats.wording import points, share


def rates_table(rates: dict[Any, Rates], first: str, name: str, language: str = "zh") -> str:
    """A table of results, pass and excellent rates and mean points, a row per key (``name`` writes it: {}月) under
    the heading ``first`` (subject, month)."""
    columns = [part_word(part, language) for part in ("n", "pass_rate", "excellent_rate", "mean_points")]
    rows = [[name.format(key), r.n, share(r.pass_rate), share(r.excellent_rate), points(r.mean_points)]
            for key, r in rates.items()]
    return table([table_heading(first, language), *columns], rows)


def people_table(a: Assessments, language: str = "zh") -> str:
    """Each person's mean points per month, and the competition placings under their title."""
    months = sorted({m for by_month in a.people.values() for m in by_month})
    rows = [[person, *(points(by_month.get(m)) for m in months)] for person, by_month in a.people.items()]
    html = table([table_heading("person", language), *(f"{m}月" for m in months)], rows, "fs-compact")
    if a.competitions:
        html += f"<h3>{table_heading('placing', language)}</h3>" + table(
            [table_heading(name, language) for name in ("date", "person", "rank")],
            [[c["date"], c["person"], c["rank"]] for c in a.competitions])
    return html

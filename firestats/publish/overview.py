"""The detachment overview: every station of a year side by side, ranked, with small multiples."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import entry, heading
from firestats.compute.compare import value_at
from firestats.compute.station import compute
from firestats.ingest.store import Dataset, load
from firestats.publish import charts
from firestats.publish.html import chart, table

COLUMNS = {  # column -> key in `firestats figures`
    "total": "incidents.total",
    "fire": "incidents.by_type.火灾扑救",
    "rescue": "incidents.by_type.抢险救援",
    "social": "incidents.by_type.社会救助",
    "security": "incidents.by_type.安保勤务",
    "false": "incidents.by_type.虚假警",
    "within_5min": "response.dispatch_to_arrival.within_5min_share",
    "pass_rate": "assessments.overall.pass_rate",
    "drills": "activities.field_drills",
    "visits": "activities.unit_visits",
}
RANKED = ("total", "within_5min", "pass_rate")


def station_table(dataset: Dataset, year: int) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """One row per station with records in the year (counts, shares 0..1), and each station's incidents per month."""
    stations = sorted({s for s, y in dataset.station_years() if y == year})
    rows, monthly = {}, {}
    for station in stations:
        figures = compute(dataset, station, year).figures
        rows[station] = {name: value_at(figures, key) for name, key in COLUMNS.items()}
        monthly[station] = pd.Series(figures["monthly"]).rename_axis("month")
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS)).rename_axis("station"), monthly


@dataclass
class Overview:
    """A detachment's year, for the overview notebook."""

    year: int
    table: pd.DataFrame  # one row per station, COLUMNS
    monthly: dict[str, pd.Series]  # each station's incidents per month

    def header(self) -> HTML:
        """Title and coverage."""
        return HTML(f'<h1 class="fs-title">支队 {self.year}年度各站对比</h1>'
                    f'<p class="fs-meta">共{len(self.table)}个站 · 报告生成于 {dt.date.today():%Y年%m月%d日}</p>')

    def side_by_side(self) -> HTML:
        """All stations side by side."""
        rows = [[station, *(_shown(row[c], COLUMNS[c]) for c in COLUMNS)] for station, row in self.table.iterrows()]
        return HTML(table(["站", *(heading(key) for key in COLUMNS.values())], rows))

    def ranking(self) -> HTML:
        """Stations ranked by incidents, by arrival within the threshold and by training pass rate."""
        parts = []
        for column in RANKED:
            ranked = self.table[column].dropna().sort_values(ascending=False)
            rows = [[i + 1, station, _shown(v, COLUMNS[column])] for i, (station, v) in enumerate(ranked.items())]
            parts.append(f"<h3>按{escape(heading(COLUMNS[column]))}排名</h3>" + table(["名次", "站", "数值"], rows))
        return HTML("".join(parts))

    def small_multiples(self) -> HTML:
        """Each station's incidents per month, one small chart each, on one scale."""
        return chart(charts.small_multiples(self.monthly, self.year), "各站各月接处警")


def _shown(value, key: str) -> str | int:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "无记录"
    return f"{value:.1%}" if entry(key).unit == "比例" else int(value)


def detachment_overview(data_dir: Path | str, year: int) -> Overview:
    """Load a prepared data folder and lay out every station of the year.

    >>> import firestats as fs
    >>> fs.detachment_overview("data/processed", 2025).table.loc["城东站", "total"]  # doctest: +SKIP
    603
    """
    return Overview(int(year), *station_table(load(data_dir), int(year)))

"""The detachment overview: every station of a year side by side, ranked, with small multiples."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from firestats import charts, metrics
from firestats.compare import value_at
from firestats.present import _table, chart
from firestats.store import Dataset, load

COLUMNS = {  # column -> (heading, key in `firestats figures`, kind)
    "total": ("接处警（起）", "incidents.total", "count"),
    "fire": ("火灾扑救", "incidents.by_type.火灾扑救", "count"),
    "rescue": ("抢险救援", "incidents.by_type.抢险救援", "count"),
    "social": ("社会救助", "incidents.by_type.社会救助", "count"),
    "security": ("安保勤务", "incidents.by_type.安保勤务", "count"),
    "false": ("虚假警", "incidents.by_type.虚假警", "count"),
    "within_5min": ("5分钟内到场占比", "response.dispatch_to_arrival.within_5min_share", "share"),
    "pass_rate": ("训练及格率", "assessments.overall.pass_rate", "share"),
    "drills": ("实地演练（次）", "activities.field_drills", "count"),
    "visits": ("熟悉单位（家次）", "activities.unit_visits", "count"),
}


def station_table(dataset: Dataset, year: int) -> pd.DataFrame:
    """One row per station with records in the year: the overview's figures (counts, shares 0..1)."""
    stations = sorted({s for s, y in dataset.station_years() if y == year})
    rows = {}
    for station in stations:
        figures = metrics.all_figures(dataset, station, year)
        rows[station] = {name: value_at(figures, key) for name, (_, key, _) in COLUMNS.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS)).rename_axis("station")


@dataclass
class Overview:
    """A detachment's year, for the overview notebook."""

    dataset: Dataset
    year: int
    table: pd.DataFrame

    def header(self) -> HTML:
        """Title and coverage."""
        return HTML(f'<h1 class="fs-title">支队 {self.year}年度各站对比</h1>'
                    f'<p class="fs-meta">共{len(self.table)}个站 · 报告生成于 {dt.date.today():%Y年%m月%d日}</p>')

    def side_by_side(self) -> HTML:
        """All stations side by side."""
        rows = [[station, *(_shown(row[c], COLUMNS[c][2]) for c in COLUMNS)] for station, row in self.table.iterrows()]
        return HTML(_table(["站", *(h for h, _, _ in COLUMNS.values())], rows))

    def ranking(self) -> HTML:
        """Stations ranked by incidents, by arrival within 5 minutes and by training pass rate."""
        parts = []
        for column in ("total", "within_5min", "pass_rate"):
            ranked = self.table[column].dropna().sort_values(ascending=False)
            rows = [[i + 1, station, _shown(v, COLUMNS[column][2])] for i, (station, v) in enumerate(ranked.items())]
            parts.append(f"<h3>按{escape(COLUMNS[column][0])}排名</h3>" + _table(["名次", "站", "数值"], rows))
        return HTML("".join(parts))

    def small_multiples(self) -> HTML:
        """Each station's incidents per month, one small chart each, on one scale."""
        monthly = {s: metrics.monthly_counts(metrics.station_year(self.dataset.incidents, s, self.year))
                   for s in self.table.index}
        return chart(charts.small_multiples(monthly, self.year), "各站各月接处警")


def _shown(value, kind: str) -> str | int:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "无记录"
    return f"{value:.1%}" if kind == "share" else int(value)


def detachment_overview(data_dir: Path | str, year: int) -> Overview:
    """Load a prepared data folder and lay out every station of the year."""
    dataset = load(data_dir)
    return Overview(dataset, int(year), station_table(dataset, int(year)))

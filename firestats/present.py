"""What the station notebook shows: figures and charts as Chinese HTML blocks.

The notebook stays thin: each of its cells calls one method here. Every text that comes from
the data is escaped, so a station or address can never inject markup into a report.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from firestats import charts, metrics
from firestats.clean import REASONS
from firestats.settings import settings, within_seconds
from firestats.store import Dataset, load

ACCOUNT_LABELS = {"rows_in": "输入行", "kept": "保留", "merged": "重复合并", "quarantined": "隔离"}
ACTION_LABELS = {"quarantined": "隔离", "merged": "合并", "flagged": "标记"}


def duration(seconds: float | None) -> str:
    """Seconds as 分 and 秒 for a reader (272 -> 4分32秒); a dash when missing."""
    if seconds is None or pd.isna(seconds):
        return "—"
    whole = int(round(seconds))
    return f"{whole // 60}分{whole % 60:02d}秒"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{escape(str(value))}</td>' if numeric else f"<td>{escape(str(value))}</td>"


def _table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<table class="fs-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart(fig: Figure, alt: str) -> HTML:
    """A chart as an embedded PNG image, so the HTML needs no other file."""
    data = base64.b64encode(charts.to_png(fig)).decode("ascii")
    return HTML(f'<figure class="fs-chart"><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>')


@dataclass
class StationReport:
    """One station's year: its figures and the incidents behind them."""

    dataset: Dataset
    station: str
    year: int
    figures: dict[str, Any]
    incidents: pd.DataFrame

    def header(self) -> HTML:
        """The report title, the period covered and when it was made."""
        times = self.incidents["received_at"]
        span = f"{times.min():%Y年%m月%d日}至{times.max():%Y年%m月%d日}" if len(times) else "无记录"
        return HTML(
            f'<h1 class="fs-title">{escape(self.station)} {self.year}年度接处警分析</h1>'
            f'<p class="fs-meta">统计范围：{escape(span)}（按接警时间）· 报告生成于 {dt.date.today():%Y年%m月%d日}</p>'
        )

    def headline(self) -> HTML:
        """Headline figures as cards."""
        f = self.figures
        response = f["response"]["dispatch_to_arrival"]
        cards = [
            ("接处警", f"{f['incidents']['total']}", "起"),
            ("营救被困人员", f"{f['people']['rescued']}", "人"),
            ("疏散遇险人员", f"{f['people']['evacuated']}", "人"),
            ("挽回经济损失", f"{f['loss_averted_10k_yuan']:,.1f}", "万元"),
            ("出动至到场中位数", duration(response["median_s"]), f"n={response['n']}"),
            (f"{within_seconds() // 60}分钟内到场占比", _share(response["within_5min_share"]), "派生指标"),
        ]
        html = "".join(
            f'<div class="fs-card"><div class="fs-card-label">{escape(label)}</div>'
            f'<div class="fs-card-value">{escape(value)}</div><div class="fs-card-unit">{escape(unit)}</div></div>'
            for label, value, unit in cards
        )
        return HTML(f'<div class="fs-cards">{html}</div>')

    def type_table(self) -> HTML:
        """Incidents by type: count and share."""
        by_type = self.figures["incidents"]["by_type"]
        total = max(self.figures["incidents"]["total"], 1)
        rows = [[t, n, f"{n / total:.1%}"] for t, n in by_type.items()]
        rows.append(["合计", self.figures["incidents"]["total"], "100%" if self.figures["incidents"]["total"] else "—"])
        return HTML(_table(["警情类型", "起数", "占比"], rows))

    def type_chart(self) -> HTML:
        """The type mix as bars."""
        by_type = pd.Series(self.figures["incidents"]["by_type"])
        return chart(charts.type_mix(by_type), "警情类型构成")

    def monthly_chart(self) -> HTML:
        """Incidents per month."""
        return chart(charts.monthly(metrics.monthly_counts(self.incidents), self.year), "各月接处警数量")

    def hourly_chart(self) -> HTML:
        """Incidents per hour of the day."""
        return chart(charts.hourly(metrics.hourly_counts(self.incidents)), "接警时段分布")

    def response_table(self) -> HTML:
        """Response times: n, median and P90 per segment, and the share within the threshold."""
        r = self.figures["response"]
        rows = [
            ["出动至到场", r["dispatch_to_arrival"]["n"], duration(r["dispatch_to_arrival"]["median_s"]),
             duration(r["dispatch_to_arrival"]["p90_s"]), _share(r["dispatch_to_arrival"]["within_5min_share"])],
            ["接警至到场", r["received_to_arrival"]["n"], duration(r["received_to_arrival"]["median_s"]),
             duration(r["received_to_arrival"]["p90_s"]), "—"],
        ]
        limit = within_seconds() // 60
        note = (
            f'<p class="fs-note">{escape(settings()["response"]["within_seconds_note"])}</p>'
        )
        return HTML(_table(["时段", "样本数 n", "中位数", "90%分位数", f"{limit}分钟内到场占比"], rows) + note)

    def response_chart(self) -> HTML:
        """Dispatch-to-arrival times against the threshold."""
        seconds = metrics.response_seconds(self.incidents)["dispatch_to_arrival"]
        return chart(charts.response_times(seconds, within_seconds()), "出动至到场用时分布")

    def quality(self) -> HTML:
        """Where every input row went: this station's year, each file, and the reasons."""
        rows = self.figures["rows"]
        labels = list(ACCOUNT_LABELS.values())
        mine = _table(labels, [[rows["in"], rows["kept"], rows["merged"], rows["quarantined"]]])
        quality = self.dataset.quality
        per_file = [[f["source_file"], *(f[k] for k in ACCOUNT_LABELS)] for f in quality["files"]]
        files = _table(["文件", *labels], per_file + [["合计", *(quality["totals"][k] for k in ACCOUNT_LABELS)]])
        reasons = _table(
            ["处理", "原因", "行数"],
            [[ACTION_LABELS.get(r["action"], r["action"]), REASONS.get(r["reason"], r["reason"]), r["rows"]]
             for r in self.dataset.quality["reasons"]],
        )
        return HTML(
            f"<h3>本站本年度</h3>{mine}"
            '<p class="fs-note">输入行 = 保留 + 重复合并 + 隔离。无法确定站点或年份的隔离行只计入下方全部数据。</p>'
            f"<h3>全部数据（按文件）</h3>{files}<h3>问题原因</h3>{reasons}"
        )


def station_report(data_dir: Path | str, station: str, year: int) -> StationReport:
    """Load a prepared data folder and compute one station's year (station spelled any way)."""
    dataset = load(data_dir)
    name = dataset.resolve_station(station)
    figures = metrics.station_figures(dataset.incidents, dataset.problems, name, int(year))
    return StationReport(dataset, name, int(year), figures, metrics.station_year(dataset.incidents, name, int(year)))

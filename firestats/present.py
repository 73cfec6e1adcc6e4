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

from firestats import activities, charts, compare, exports, findings, metrics, narrative, notable, quality, training
from firestats.narrative import share
from firestats.privacy import redact
from firestats.quality import REASONS
from firestats.scoring import ScoreTable, load_table
from firestats.settings import min_percentile_n, score_table_name, settings, within_seconds
from firestats.store import Dataset, load

ACCOUNT_LABELS = {"rows_in": "输入行", "kept": "保留", "merged": "重复合并", "quarantined": "隔离"}
ACTION_LABELS = {"quarantined": "隔离", "merged": "合并", "flagged": "标记"}


def duration(seconds: float | None) -> str:
    """Seconds as 分 and 秒 for a reader (272 -> 4分32秒); a dash when missing."""
    if seconds is None or pd.isna(seconds):
        return "—"
    whole = int(round(seconds))
    return f"{whole // 60}分{whole % 60:02d}秒"


def percentile(seconds: float | None, n: int) -> str:
    """A percentile for a reader, or why it is withheld: below the settings' n it is not stable."""
    least = min_percentile_n()
    if n < least:
        return f"样本不足（n={n}<{least}），不计算"
    return duration(seconds)


def _number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "比例":
        return f"{value:.1%}"
    if unit == "秒":
        return duration(value)
    return f"{_number(round(value, 2))}{unit}"


def _change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    if unit == "比例":
        return f"{change * 100:+.1f}个百分点"
    return f"{change:+.0f}秒" if unit == "秒" else f"{round(change, 2):+g}{unit}"


def _points(value: float | None) -> str:
    """Mean points to one decimal, so a column of them lines up (the exports keep them exact)."""
    return "—" if value is None else f"{value:.1f}"


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{escape(str(value))}</td>' if numeric else f"<td>{_text(value)}</td>"


def _text(value: Any) -> str:
    """Text from the data, made safe for a shared report: escaped, identity and phone numbers hidden."""
    return escape(redact(str(value)))


def _table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<table class="fs-table {cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart(fig: Figure, alt: str) -> HTML:
    """A chart as an embedded PNG image, so the HTML needs no other file."""
    data = base64.b64encode(charts.to_png(fig)).decode("ascii")
    return HTML(f'<figure class="fs-chart"><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>')


class _Publishing(HTML):
    """HTML for the reader that also carries the report's figures (see :data:`exports.MIME`)."""

    def __init__(self, html: str, publication: dict[str, Any]) -> None:
        super().__init__(html)
        self.publication = publication

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {exports.MIME: self.publication}


@dataclass
class StationReport:
    """One station's year: its figures and the incidents behind them."""

    dataset: Dataset
    station: str
    year: int
    figures: dict[str, Any]
    incidents: pd.DataFrame
    table: ScoreTable
    last_year: dict[str, Any] | None = None  # the same figures a year earlier; None when it has no records

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
            ("出动至到场中位数", percentile(response["median_s"], response["n"]), f"n={response['n']}"),
            (f"{within_seconds() // 60}分钟内到场占比", share(response["within_5min_share"]), "派生指标"),
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
            ["出动至到场", r["dispatch_to_arrival"]["n"],
             *(percentile(r["dispatch_to_arrival"][k], r["dispatch_to_arrival"]["n"]) for k in ("median_s", "p90_s")),
             share(r["dispatch_to_arrival"]["within_5min_share"])],
            ["接警至到场", r["received_to_arrival"]["n"],
             *(percentile(r["received_to_arrival"][k], r["received_to_arrival"]["n"]) for k in ("median_s", "p90_s")),
             "—"],
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
        table = quality.station_year_files(self.dataset, self.station, self.year)
        totals = ["合计", *(int(table[k].sum()) for k in ACCOUNT_LABELS)]
        files = _table(["文件", *labels], [[r.source_file, *(getattr(r, k) for k in ACCOUNT_LABELS)]
                                          for r in table.itertuples()] + [totals])
        counts = quality.station_year_problems(self.dataset, self.station, self.year).groupby(
            ["action", "reason"]).size()
        reasons = _table(["处理", "原因", "行数"], [[ACTION_LABELS.get(a, a), REASONS.get(r, r), int(n)]
                                                   for (a, r), n in counts.items()])
        lost = quality.unattributed(self.dataset)
        return HTML(
            f"<h3>本站本年度警情</h3>{mine}"
            f"<h3>本站本年度各文件（三类记录）</h3>{files}"
            '<p class="fs-note">输入行 = 保留 + 重复合并 + 隔离。'
            f"另有{lost}行因无法确定站点或年份而隔离，不属于任何一站，见报告目录页的全部数据质量表。</p>"
            f"<h3>问题原因</h3>{reasons}"
        )


    # --- the annual report ---------------------------------------------------------------

    def annual_block(self) -> list[str]:
        """The annual report's data sentences, every figure filled (as in ``STATION.txt``)."""
        return narrative.annual_block(self.figures, notable.rare_summary(self.incidents))

    def annual_data(self) -> HTML:
        """年度数据: the copy-ready block, then each figure as written beside its exact value.

        The output also carries all figures, from which `firestats report` writes the exports.
        """
        sentences = self.annual_block()
        block = "".join(f"<p>{_text(p)}</p>" for p in sentences)
        rows = [[f.label, f.text, "无记录" if f.exact is None else _number(f.exact), f.unit]
                for f in narrative.annual_figures(self.figures).values()]
        html = (f'<div class="fs-block">{block}</div>'
                '<p class="fs-note">“余”为向下取整的约数，确切数字见下表；“无记录”表示没有对应记录，不是0。</p>'
                + _table(["指标", "文中写法", "确切数值", "单位"], rows))
        return _Publishing(html, exports.publication(self.figures, sentences))

    def year_on_year(self) -> HTML:
        """Same period last year for each headline figure, with the change."""
        rows = compare.year_on_year(self.figures, self.last_year)
        if rows is None:
            return HTML(f'<p class="fs-note">无{self.year - 1}年同期数据，不作同比比较。</p>')
        body = [[r["label"], _value(r["this"], r["unit"]), _value(r["last"], r["unit"]),
                 _change(r["change"], r["unit"]), "—" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"]
                for r in rows]
        return HTML(_table(["指标", f"{self.year}年", f"{self.year - 1}年", "增减", "增减幅度"], body))

    def monthly_compare_chart(self) -> HTML:
        """Incidents per month, this year against last."""
        last = None
        if self.last_year is not None:
            last = metrics.monthly_counts(metrics.station_year(self.dataset.incidents, self.station, self.year - 1))
        return chart(charts.monthly_compare(metrics.monthly_counts(self.incidents), last, self.year),
                     "各月接处警同比")

    def notable_incidents(self) -> HTML:
        """The year's notable incidents: most rescued, longest on scene, rare kinds."""
        parts = []
        for title, rows in (("营救人数最多", notable.most_rescued(self.incidents)),
                            ("现场处置时间最长", notable.longest_on_scene(self.incidents)),
                            ("少见警情", notable.rare_kinds(self.incidents))):
            table = (_table(["日期", "类型", "子类", "简述"], rows.values.tolist()) if len(rows)
                     else '<p class="fs-note">无</p>')
            parts.append(f"<h3>{title}</h3>{table}")
        return HTML("".join(parts))

    def problems_found(self) -> HTML:
        """存在问题, each stated with its number and the rule (and source) that found it."""
        found = findings.all_findings(self.figures, self.incidents)
        if not found:
            return HTML('<p class="fs-note">按现行规则，数据未显示明显问题。</p>')
        items = "".join(f"<li>{_text(f.text)}<br><span class='fs-note'>规则：{_text(f.rule)}；依据：{_text(f.source)}"
                        "</span></li>" for f in found)
        return HTML(f'<ol class="fs-findings">{items}</ol>')

    def glossary(self) -> HTML:
        """Every figure's definition, unit and source."""
        return HTML(_table(["指标", "定义", "单位", "来源"],
                           [[g["term"], g["definition"], g["unit"], g["source"]] for g in exports.glossary()]))

    # --- training assessments ------------------------------------------------------------

    def training_summary(self) -> HTML:
        """Tests held, participants and overall rates, with the score table named."""
        a = self.figures["assessments"]
        if a is None:
            return HTML('<p class="fs-note">本年度无训练考核记录。</p>')
        t = a["score_table"]
        notice = "" if t["official"] else "（示例评分表，非官方标准，仅供演示；请替换为本单位评分标准）"
        rows = [*([f"{kind}（次）", a["tests"][kind]] for kind in training.KINDS),
                ["参考人数（人）", a["participants"]], ["有效成绩（项次）", a["results"]],
                ["缺考（项次）", a["absent"]], ["免考（项次）", a["exempt"]],
                ["总体及格率", share(a["overall"]["pass_rate"])],
                ["总体优秀率", share(a["overall"]["excellent_rate"])]]
        weakest = "、".join(a["weakest_items"]) or "—"
        return HTML(_table(["项目", "数值"], rows)
                    + f'<p class="fs-note">评分表：{_text(t["title"])}（{_text(t["version"])}）{_text(notice)}</p>'
                    + f"<p><strong>薄弱科目</strong>（及格率最低）：{_text(weakest)}</p>")

    def training_by_item(self) -> HTML:
        """Pass and excellent rates by item, as a table and a chart."""
        a = self.figures["assessments"]
        if a is None:
            return HTML("")
        rows = [[item, r["n"], share(r["pass_rate"]), share(r["excellent_rate"]), _points(r["mean_points"])]
                for item, r in a["by_item"].items()]
        html = _table(["科目", "有效成绩", "及格率", "优秀率", "平均分"], rows)
        return HTML(html + chart(charts.item_rates(a["by_item"]), "各科目及格率与优秀率").data)

    def training_by_month(self) -> HTML:
        """Pass and excellent rates by month."""
        a = self.figures["assessments"]
        if a is None:
            return HTML("")
        rows = [[f"{m}月", r["n"], share(r["pass_rate"]), share(r["excellent_rate"]), _points(r["mean_points"])]
                for m, r in a["by_month"].items()]
        return HTML(_table(["月份", "有效成绩", "及格率", "优秀率", "平均分"], rows))

    def weekly_chart(self) -> HTML:
        """The weekly tests across the year."""
        if self.figures["assessments"] is None:
            return HTML("")
        scored = training.score(training.of_station_year(self.dataset.assessments, self.station, self.year),
                                self.table)
        weekly = training.weekly_rates(scored, self.station, self.year, self.table)
        return chart(charts.weekly_rates(weekly, self.year), "每周一测及格率与优秀率")

    def people_trend(self) -> HTML:
        """Each person's mean points per month, and competition placings."""
        a = self.figures["assessments"]
        if a is None:
            return HTML("")
        months = sorted({m for by_month in a["people"].values() for m in by_month})
        rows = [[person, *(_points(by_month.get(m)) for m in months)] for person, by_month in a["people"].items()]
        html = _table(["人员", *(f"{m}月" for m in months)], rows)
        if a["competitions"]:
            html += "<h3>比武名次</h3>" + _table(["日期", "人员", "名次"],
                                               [[c["date"], c["person"], c["rank"]] for c in a["competitions"]])
        return HTML(html)

    # --- activity ledgers ------------------------------------------------------------------

    def activities_table(self) -> HTML:
        """The year's activity totals, each in its unit; a category with no records says so."""
        figures = self.figures["activities"]
        if figures is None:
            return HTML('<p class="fs-note">本年度无工作台账记录。</p>')
        rows = []
        for name, category in activities.spec()["categories"].items():
            value = figures[category["figure"]]
            if category["figure"] in activities.LISTED:
                continue
            if category["figure"] == "licences":
                value = "、".join(f"{k} {v}人" for k, v in value.items()) if value else None
                rows.append([name, value or "无记录", ""])
            else:
                rows.append([name, "无记录" if value is None else value, category["unit"]])
        return HTML(_table(["类别", "合计", "单位"], rows))

    def activities_chart(self) -> HTML:
        """The year's activity totals as bars."""
        figures = self.figures["activities"]
        if figures is None:
            return HTML("")
        totals = pd.Series({name: figures[c["figure"]] for name, c in activities.spec()["categories"].items()
                            if c["figure"] not in (*activities.LISTED, "licences") and figures[c["figure"]]})
        return chart(charts.activity_totals(totals), "工作台账年度合计")

    def honours(self) -> HTML:
        """Awards and competition results of the year, as lists."""
        figures = self.figures["activities"]
        if figures is None:
            return HTML("")
        parts = []
        for key, title in (("awards", "获奖情况"), ("competitions", "比武竞赛")):
            entries = figures[key]
            items = "".join(f"<li>{_text(e['date'])} {_text(e['content'])}</li>" for e in entries)
            parts.append(f"<h3>{title}</h3>" + (f"<ul>{items}</ul>" if items else '<p class="fs-note">无记录</p>'))
        return HTML("".join(parts))


def station_report(data_dir: Path | str, station: str, year: int, show_names: bool = False,
                   score_table: str | None = None) -> StationReport:
    """Load a prepared data folder and compute one station's year (station spelled any way).

    People are named in full only with ``show_names``; otherwise as 张*三. ``score_table`` is a
    score table's version or path (default: the settings').
    """
    whole = load(data_dir)
    name = whole.resolve_station(station)
    dataset = whole.of_station(name)
    year = int(year)
    figures = metrics.all_figures(dataset, name, year, show_names, score_table)
    incidents = metrics.station_year(dataset.incidents, name, year)
    last = (metrics.all_figures(dataset, name, year - 1, show_names, score_table)
            if (name, year - 1) in dataset.station_years() else None)
    return StationReport(dataset, name, year, figures, incidents, load_table(score_table or score_table_name()), last)

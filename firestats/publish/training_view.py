"""How a report shows training assessments: tests held and overall rates, rates by item or month, the weekly tests,
and each person's points by month with the competition placings, its headings the catalogue's in the station's
language."""

from __future__ import annotations

from typing import Any

import pandas as pd

from firestats.catalogue import heading, part_word, table_heading
from firestats.compute.assessments import KINDS
from firestats.compute.figures import Assessments, Rates
from firestats.publish import charts
from firestats.publish.html import chart, table, text
from firestats.wording import points, share


def section(a: Assessments | None, weekly: pd.DataFrame | None, year: int, period: str, own_people: bool = True,
            language: str = "zh") -> str:
    """The 训练考核 section: tests held, participants and overall rates (0..1) with the score table named, then the
    rates by item, the weekly tests (``weekly``: compute.assessments.weekly_rates), the rates by month and each
    person's mean points by month (``own_people``; a level's people are on its stations' pages), each under its
    heading; without records (``a`` None), a note that ``period`` (本年度) has none."""
    if a is None:
        return f'<p class="fs-note">{period}无训练考核记录。</p>'
    people = people_table(a, language) if own_people else '<p class="fs-note">各人成绩见各站报告。</p>'
    parts = {"各科目成绩": rates_table(a.by_item, "subject", "{}", language)
                          + chart(charts.item_rates(a.by_item), "各科目及格率与优秀率").data,
             "每周一测": chart(charts.weekly_rates(weekly, year), "每周一测及格率与优秀率").data,
             "各月成绩": rates_table(a.by_month, "month", "{}月", language),
             "人员成绩趋势（月平均分）": people}
    return summary(a) + "".join(f"<h3>{title}</h3>{html}" for title, html in parts.items())


def summary(a: Assessments) -> str:
    """Tests held, participants and overall rates, with the score table named and the weakest items."""
    t = a.score_table
    notice = "" if t.official else "（示例评分表，非官方标准，仅供演示；请替换为本单位评分标准）"
    counts = {"participants": a.participants, "results": a.results, "absent": a.absent, "exempt": a.exempt}
    rates = {"pass_rate": a.overall.pass_rate, "excellent_rate": a.overall.excellent_rate}
    rows = [*([heading(f"assessments.tests.{kind}"), a.tests[kind]] for kind in KINDS),
            *([heading(f"assessments.{key}"), n] for key, n in counts.items()),
            *([heading(f"assessments.overall.{key}"), share(rate)] for key, rate in rates.items())]
    weakest = "、".join(a.weakest_items) or "—"
    return (table([table_heading("item"), table_heading("value")], rows)
            + f'<p class="fs-note">评分表：{text(t.title)}（{text(t.version)}）{text(notice)}</p>'
            + f"<p><strong>薄弱科目</strong>（及格率最低）：{text(weakest)}</p>")


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

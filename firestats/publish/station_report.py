"""What the station notebook shows: a station's year as Chinese HTML blocks, one per cell.

The notebook stays thin: each of its cells calls one method here. The report reads the figures
computed once (``compute.station``) and the slice behind them; it never recounts or re-scores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Any

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import (
    accounting_rule,
    action_word,
    catalogue,
    definition,
    label,
    shown_in,
    table_heading,
    term,
    unit_of,
    unit_word,
)
from firestats.compute import compare, findings
from firestats.compute.figures import Figures
from firestats.compute.response import NEEDS, recorded
from firestats.compute.side_by_side import compared
from firestats.compute.station import StationYear, reported, year_to_date
from firestats.compute.trend import years_behind
from firestats.ingest.stations import full_name
from firestats.periods import Period
from firestats.privacy import redact_all
from firestats.publish import (
    activities_view,
    annual,
    charts,
    exports,
    members_view,
    narrative,
    response_view,
    training_view,
)
from firestats.publish.html import Publishing, chart, table, text
from firestats.publish.narrative import written_in
from firestats.publish.notable_view import notable_tables
from firestats.publish.overview import Overview
from firestats.publish.places_view import PlacesView
from firestats.publish.trend_view import named_moves, years_chart, years_table
from firestats.request import Request
from firestats.store import open_report
from firestats.vocabulary.activities import spec as activity_spec
from firestats.vocabulary.hierarchy import Level, level_of, whose
from firestats.vocabulary.problems import reason_text
from firestats.wording import change_in, number, report_title, value_in


@dataclass
class StationReport:
    """One station's year for the notebook: its figures and slice, and last year's for comparison."""

    request: Request  # resolved: the station as the store names it
    this: StationYear
    last: dict[str, Any] | None = None  # the figures a year earlier (同比, side_by_side.compared); None without records
    before: dict[str, Any] | None = None  # the period just before's (环比) of a half, quarter or month; None without
    year_to_date: int | None = None  # incidents from 1 January to the period's end; None for a year or a first part
    years: pd.DataFrame | None = None  # the trend figures of the same period in each year behind it (compute.trend)
    level: Level | None = None  # a level's report (支队, 大队): the level, whose stations' records it is of
    members: Overview | None = None  # and its stations side by side

    @property
    def station(self) -> str:
        """The station's canonical name."""
        return self.this.station

    @property
    def year(self) -> int:
        """The calendar year reported on."""
        return self.this.year

    @property
    def period(self) -> Period:
        """The period reported on: the year, or a half, quarter or month of it."""
        return self.request.period

    @property
    def figures(self) -> dict[str, Any]:
        """Every figure of the period, as `firestats figures` prints them."""
        return self.this.figures

    @property
    def typed(self) -> Figures:
        """Every figure of the period, typed: what the page reads."""
        return self.this.typed

    @property
    def incidents(self) -> pd.DataFrame:
        """The year's kept incidents."""
        return self.this.data.incidents

    @cached_property
    def found(self) -> list[findings.Finding]:
        """存在问题 of the year, found once for the page, the text and the Word draft."""
        return findings.all_findings(self.figures, self.incidents)

    @property
    def language(self) -> str:
        """The language the station's outputs are written in, as its export's mapping declares it (zh, en)."""
        return self.this.language

    @cached_property
    def notes(self) -> list[str]:
        """数据说明 (data notes): what the export lacks, in the station's language, never among the findings."""
        return findings.data_notes(self.incidents, self.language)

    @property
    def station_name(self) -> str:
        """The station's full name as a report writes it (城东消防救援站; a level's as the settings give it)."""
        return self.level.full if self.level else full_name(self.station)

    def header(self) -> HTML:
        """The report title, the period reported on, the records' own dates and when it was made."""
        times, period = self.incidents["received_at"], self.period
        coverage = (f"警情记录自{times.min():%Y年%m月%d日}至{times.max():%Y年%m月%d日}" if len(times)
                    else f"{period.words}无警情记录")
        covered = self.this.coverage
        if covered is not None and not covered.whole:  # never let the period's dates speak for fewer days
            coverage = f"<strong>数据覆盖{covered.written}，未覆盖整个统计期间</strong>；{coverage}"
        return HTML(
            f'<p class="fs-nav"><a href="{"../" if self.level else ""}../index.html">← 返回报告目录</a></p>'
            f'<h1 class="fs-title">{text(report_title(self.station_name, period))}</h1>'
            f'<p class="fs-meta">统计期间：{period.dates}（按接警时间、考核和台账日期）'
            f"；{coverage} · 报告生成于 {dt.date.today():%Y年%m月%d日}</p>"
            + narrative.bulletin(self.figures, self.period, self.station_name, self.language)
        )

    def headline(self) -> HTML:
        """Headline figures as cards."""
        f, language = self.typed, self.language
        none = table_heading("no_records", language)
        cards = [(term(key, language), value, unit_word(unit_of(key), language)) for key, value in (
            ("incidents.total", f"{f.incidents.total}"), ("people.rescued", _plain(f.people.rescued, "{:d}", none)),
            ("people.evacuated", _plain(f.people.evacuated, "{:d}", none)),
            ("loss_averted_10k_yuan", _plain(f.loss_averted_10k_yuan, "{:,.1f}", none)))]
        cards += response_view.cards(self.figures, self.segments_shown, language)
        html = "".join(
            f'<div class="fs-card"><div class="fs-card-label">{escape(label)}</div>'
            f'<div class="fs-card-value">{escape(value)}</div><div class="fs-card-unit">{escape(unit)}</div></div>'
            for label, value, unit in cards
        )
        return HTML(f'<div class="fs-cards">{html}</div>')

    def stations(self) -> HTML:
        """A level's stations (links to their pages, shares, ranks, 同比); nothing on a station's page."""
        return HTML("" if self.members is None else "<h2>各站情况</h2>" + members_view.section(self.members))

    def type_table(self) -> HTML:
        """Incidents by type: count and share."""
        incidents, language = self.typed.incidents, self.language
        total = max(incidents.total, 1)
        # A type the export cannot hold has no records: never 0, and no share.
        rows = [[term(f"incidents.by_type.{t}", language), table_heading("no_records", language) if n is None else n,
                 "—" if n is None else f"{n / total:.1%}"] for t, n in incidents.by_type.items()]
        rows.append([table_heading("total", language), incidents.total, "100%" if incidents.total else "—"])
        return HTML(table(self._headings("type", "count", "share"), rows))

    def type_chart(self) -> HTML:
        """The type mix as bars."""
        by_type = pd.Series({t: n for t, n in self.typed.incidents.by_type.items() if n is not None}, dtype=int)
        return chart(charts.type_mix(by_type), "警情类型构成")

    def monthly_chart(self) -> HTML:
        """Incidents per month; per day where the period is a month."""
        if self.period.kind == "month":
            title = f"{self.period.name}每日接处警数量"
            return chart(charts.daily(_series(self.typed.daily, "day"), title), title)
        return chart(charts.monthly(_series(self.typed.monthly, "month"), self.year), "各月接处警数量")

    def hourly_chart(self) -> HTML:
        """Incidents per hour of the day."""
        return chart(charts.hourly(_series(self.typed.hourly, "hour")), "接警时段分布")

    @cached_property
    def segments_shown(self) -> list[str]:
        """The response segments this export records, in report order (all of them when it records none,
        so a year without times says so rather than showing nothing)."""
        return recorded(self.incidents) or list(NEEDS)

    def response_table(self) -> HTML:
        """Response times: n, median, P90 (with its 95% interval) and mean of each segment the export
        records, the share within the arrival threshold, and the standard's thresholds with their grading."""
        return HTML(response_view.segments_table(self.figures, self.segments_shown, self.language)
                    + response_view.standard(self.figures, self.segments_shown, self.language))

    def response_chart(self) -> HTML:
        """Dispatch-to-arrival times against the threshold (the call to the first arrival without dispatch times)."""
        return response_view.chart_of(self.incidents, self.segments_shown)

    @cached_property
    def places(self) -> PlacesView:
        """辖区分布: incidents and response times by place (the notebook calls ``report.places.table()`` …)."""
        return PlacesView(self.figures, self.language, self.period.kind != "year", self.incidents, self.station)

    def quality(self) -> HTML:
        """Where every input row went: this station's year, each file, and the reasons."""
        accounts = shown_in("accounting")  # the catalogue's terms, as in the workbook and the index page
        language = self.language
        labels, columns = [term(e.key, language) for e in accounts], [e.shown["accounting"].name for e in accounts]
        mine = table(labels, [[compare.value_at(self.figures, e.key) for e in accounts]])
        per_file = self.this.files
        totals = [table_heading("total", language), *(int(per_file[k].sum()) for k in columns)]
        files = table([table_heading("file", language), *labels],
                      [[r.source_file, *(getattr(r, k) for k in columns)] for r in per_file.itertuples()] + [totals])
        reasons = table(self._headings("action", "reason", "rows"),
                        [[p["action"], p["reason"], p["rows"]] for p in self._problems()])
        lost = self.this.data.quality["unattributed"]
        own = f"本{self.level.kind if self.level else '站'}{self.period.this}"
        return HTML(f"<h3>{own}警情</h3>{mine}<h3>{own}各文件（三类记录）</h3>{files}"
                    f'<p class="fs-note">{accounting_rule(language)}。另有{lost}行因无法确定站点或年份而隔离，'
                    f"不属于任何一站，见报告目录页的全部数据质量表。</p><h3>问题原因</h3>{reasons}")

    def _problems(self) -> list[dict[str, Any]]:
        """The period's problem rows counted by what was done and why, in the station's words (rows)."""
        return [{"action": action_word(a, self.language), "reason": reason_text(f, r, self.language), "rows": int(n)}
                for (f, a, r), n in self.this.problem_counts.items()]

    # --- the annual report ---------------------------------------------------------------

    def publication(self) -> dict[str, Any]:
        """What the exports and the Word draft are written from: the figures, the station's full name,
        the notable incidents and findings as the text names them, the 年度数据 sentences, and the
        files and records the figures were counted from. Plain data, so no pandas is needed to write them."""
        named = [f"{int(n['date'][5:7])}月{int(n['date'][8:10])}日{n['place']}{n['kind']}"
                 for n in self.this.notable.named]
        publication = {
            "figures": self.figures,
            "station_name": self.station_name,
            "notable": named,
            "findings": [f.text for f in self.found],
            "notes": self.notes,
            "language": self.language,
            "licence_names": dict(activity_spec()["licence_kinds"]),
            "files": self.this.files.to_dict(orient="records"),
            "sources": self.this.sources,
            "named": self.this.notable.named,
            "problems": self._problems(),
            "compared": [{"kind": kind, "name": at.name, "this": self.typed.incidents.total,
                          "total": None if other is None else other["incidents"]["total"],
                          "rows": compare.year_on_year(self.figures, other)}
                         for kind, at, other in self._others()],
            "trend": named_moves(self.years),
            "year_to_date": None if self.year_to_date is None else {
                "months": f"1—{self.period.months[-1]}月", "total": self.year_to_date},
            "coverage": None if self.this.coverage is None else self.this.coverage.as_json(),
            **({"members": members_view.published(self.members)} if self.members else {}),
        }
        publication = redact_all(publication)  # what every export and the Word draft are written from
        template = annual.load_template(self.request.options.docx_template, self.period, self.language,
                                        self.level is not None)
        blocks = annual.draft(template, publication, self.period)
        return publication | {"annual": annual.data_paragraphs(blocks)}

    def annual_block(self) -> list[str]:
        """The annual report's paragraphs of figures, every figure filled (as in ``STATION.txt``)."""
        return self.publication()["annual"]

    def annual_data(self) -> HTML:
        """The draft's paragraphs of figures, copy-ready, naming the document they are from (the year's or a half's
        工作总结, a quarter's or a month's 通报), then each figure as written beside its exact value.

        The output also carries what `firestats report` writes the exports and the Word draft from.
        """
        publication = self.publication()
        block = "".join(f"<p>{text(p)}</p>" for p in publication["annual"])
        language, none = self.language, table_heading("no_records", self.language)
        rows = [[label(f.key, language), written_in(f.key, f.exact, language) or none,
                 none if f.exact is None else number(f.exact), unit_word(f.unit, language)]
                for f in narrative.annual_figures(self.figures).values()]
        document = annual.document_name(self.station_name, self.period, self.language, self.level is not None)
        html = (f'<p class="fs-note">以下段落即《{text(document)}》Word初稿中的数据段落：</p>'
                f'<div class="fs-block">{block}</div>'
                '<p class="fs-note">“余”为向下取整的约数，确切数字见下表；“无记录”表示没有对应记录，不是0。</p>'
                + table(self._headings("figure", "written", "exact", "unit"), rows))
        return Publishing(html, exports.MIME, publication)

    def _headings(self, *names: str) -> list[str]:
        """A table's column headings by their names in the catalogue, in the station's language."""
        return [table_heading(name, self.language) for name in names]

    def _others(self) -> list[tuple[str, Period, dict[str, Any] | None]]:
        """The periods compared with: the same a year earlier (同比) and, for a part of a year, the one before
        (环比)."""
        others = [("同比", self.period.a_year_earlier(), self.last)]
        return others + ([("环比", self.period.previous(), self.before)] if self.period.kind != "year" else [])

    def years_behind(self) -> HTML:
        """The trend figures of the same period in each year behind it the data holds (up to five)."""
        return HTML(years_table(self.years, self.language) + years_chart(self.years, self.language))

    def year_on_year(self) -> HTML:
        """Same period last year (同比) for each headline figure, with the change; for a half, quarter or
        month also the period before (环比)."""
        return HTML("".join(self._comparison(other, when, kind) for kind, when, other in self._others()))

    def _comparison(self, other: dict[str, Any] | None, when: Period, kind: str) -> str:
        rows = compare.year_on_year(self.figures, other, self.language)
        if rows is None:
            return f'<p class="fs-note">无{when.name}{"同期" if kind == "同比" else ""}数据，不作{kind}比较。</p>'
        body = [[r["label"], value_in(r["this"], r["unit"]), value_in(r["last"], r["unit"]),
                 change_in(r["change"], r["unit"]), "—" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"]
                for r in rows]
        this = f"{self.year}年" if self.period.kind == "year" else self.period.name
        that = f"{when.year}年" if when.kind == "year" else when.name
        return (f"<h3>{kind}（与{that}比）</h3>" if self.period.kind != "year" else "") + table(
            [*self._headings("figure"), this, that, *self._headings("change", "change_pct")], body)

    def monthly_compare_chart(self) -> HTML:
        """Incidents per month, this year against last."""
        last = None if self.last is None else _series(self.last["monthly"], "month")
        return chart(charts.monthly_compare(_series(self.typed.monthly, "month"), last, self.year),
                     "各月接处警同比")

    def notable_incidents(self) -> HTML:
        """The year's notable incidents: most rescued, longest on scene, rare kinds."""
        return HTML(notable_tables(self.this.notable, self.language))

    def problems_found(self) -> HTML:
        """存在问题, each stated with its number and the rule (and source) that found it."""
        found = self.found
        notes = "".join(f"<li>{text(note)}</li>" for note in self.notes)
        notes = f'<h3>{table_heading("notes", self.language)}</h3><ul class="fs-notes">{notes}</ul>' if notes else ""
        if not found:
            return HTML(f'<p class="fs-note">按现行规则，数据未显示明显问题。</p>{notes}')
        items = "".join(f"<li>{text(f.text)}。<br><span class='fs-note'>依据：{text(f.source)}</span></li>"
                        for f in found)
        return HTML(f'<ol class="fs-findings">{items}</ol>{notes}')

    def glossary(self) -> HTML:
        """Every figure's definition, unit and source (a response segment and a place's figures once, by the median
        and the incidents, whose definitions name the others: the page stays within ten A4 pages)."""
        shown = [e for key, e in catalogue().items() if not key.startswith(("response.segments.", "places."))
                 or key.endswith((".median_s", "*.incidents"))]
        at = self.language
        return HTML(table(self._headings("figure", "definition", "unit", "source"),
                          [[term(e.key, at), definition(e.key, at), unit_word(e.unit, at), e.source] for e in shown],
                          "fs-small"))

    # --- training assessments ------------------------------------------------------------

    def training(self) -> HTML:
        """The whole 训练考核 section (:func:`training_view.section`): one cell, not five, each of which cost the kernel
        some 6 ms, and a period without assessment records no longer shows four headings over nothing."""
        a = self.typed.assessments
        weekly = None if a is None else self.this.weekly
        return HTML(training_view.section(a, weekly, self.year, self.period.this, self.level is None, self.language))

    # --- activity ledgers ------------------------------------------------------------------

    def activities_table(self) -> HTML:
        """The year's activity totals, each in its unit; a category with no records says so."""
        return HTML(activities_view.totals_table(self.typed.activities, self.period))

    def activities_chart(self) -> HTML:
        """The year's activity totals as bars."""
        return activities_view.totals_chart(self.typed.activities, self.period)

    def honours(self) -> HTML:
        """Awards and competition results of the year, as lists."""
        return HTML(activities_view.honour_lists(self.typed.activities))


def _plain(value: float | None, spec: str, none: str) -> str:
    return none if value is None else spec.format(value)


def _series(counts: dict, axis: str) -> pd.Series:
    """Counts published as {month or hour: n} as the Series a chart draws."""
    return pd.Series(counts).rename_axis(axis)


def station_report(request: Request) -> StationReport:
    """One station's period, the same period a year earlier and (for a half, quarter or month) the period before,
    computed from the prepared data the request names; its station is resolved here, once.

    A period with no records of the station is refused (NoRecords).

    >>> import firestats as fs
    >>> report = fs.station_report(fs.Request.of("城东", 2025, "data/processed"))  # doctest: +SKIP
    >>> report.figures["incidents"]["total"], report.annual_block()[0][:14]  # doctest: +SKIP
    (603, '全年队站共开展专项教育10次')
    """
    request, dataset = open_report(request)  # this station's (or level's stations') years alone
    this = reported(dataset, request)
    when, held = request.period, dataset.station_years()
    level = None if request.level is None else level_of(request.level, request.station, held)
    stations = whose(request, held)
    last = compared(dataset, stations, when.a_year_earlier(), request.options)
    return StationReport(request, this, last,
                         compared(dataset, stations, when.previous(), request.options) if when.kind != "year" else None,
                         year_to_date(dataset, stations, when),
                         years_behind(dataset, stations, when, request.options,
                                      known={when.year: this.figures, when.year - 1: last}),
                         level, level and members_view.members_of(dataset, this, level, request.options))

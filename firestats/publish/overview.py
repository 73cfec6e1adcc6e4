"""The detachment overview: every station of a year (or a half, quarter or month) side by side with the
detachment's total, the same period last year (and, for a part of a year, the period before), rankings and
a table of each station's months shaded on one scale, for the detachment's statistics officer; above
``overview.full_up_to`` stations, one compact table of the report index's figures (grouped by brigade), rankings
cut to the top and bottom, and each station's details on its own page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import heading, shown_in, table_heading, term, unit_of
from firestats.compute.compare import n_of, value_at
from firestats.compute.response import profile
from firestats.compute.side_by_side import Rows, Rules, as_one, by_station, side_by_side
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.html import Markup, heat_table, table, text
from firestats.publish.paths import safe_name
from firestats.publish.places_view import PlacesView
from firestats.request import Options, Request
from firestats.settings import settings, within_standard
from firestats.store import Dataset, open_report
from firestats.vocabulary.hierarchy import BRIGADE, levels
from firestats.wording import overview_title, percentile, share

TOTAL = "支队合计"
WITHIN = "response.dispatch_to_arrival.within_share"
RANKED = 10  # a compact overview's rankings: the top and the bottom this many stations


def station_figures(dataset: Dataset, period: Period, total: str = TOTAL, whole: dict[str, Any] | None = None,
                    options: Options = Options(), places: bool = True
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, int | None]]:
    """Each station's figures of the period laid side by side (:func:`side_by_side`, graded as ``options`` say, with
    their places' incidents where they are shown), the detachment's total under ``total`` (computed from all its
    records, so its medians are the detachment's own; ``whole`` when already computed), and each station's incidents
    the same period a year earlier (None without records)."""
    stations = stations_in(dataset, period)
    this = side_by_side(dataset.narrow(None, period), stations, by_station, period, Rules.of(dataset, options),
                        places)
    this[total] = whole or compute(dataset, None, period, options, interval=False).figures
    return this, totals_at(dataset, stations, period.a_year_earlier(), total)


def stations_in(dataset: Dataset, period: Period) -> list[str]:
    """The stations with records of any family in the period, sorted."""
    return sorted({s for s, p in dataset.station_periods(period.kind) if p == period})


def compact_overview(dataset: Dataset, period: Period, stations: list[str], options: Options = Options()) -> Overview:
    """The ``stations``' figures of the period side by side (its table shows the index view's), graded as ``options``
    say, with the total's from all the detachment's records and, where the settings give brigades, each brigade's
    from its stations' rows; and each station's incidents a year earlier."""
    rows = Rows(dataset.narrow(None, period), period, Rules.of(dataset, options))
    figures = rows.of(stations, by_station)
    figures.update(rows.of([TOTAL], as_one(TOTAL)))
    brigades = {b.name: b.members for b in levels(stations) if b.kind == BRIGADE and b.members}
    brigade_of = {s: name for name, held in brigades.items() for s in held}
    subtotals = rows.of(brigades, lambda frame: frame["station"].map(brigade_of))
    return Overview(period, figures, totals_at(dataset, stations, period.a_year_earlier()), compact=True,
                    brigades=brigades, subtotals=subtotals)


def totals_at(dataset: Dataset, stations: list[str], period: Period, total: str = TOTAL) -> dict[str, int | None]:
    """Each station's (and the ``total``'s) incidents in another period, to compare with: None for a station without
    records of any family there, as its figures would be; counted alone, since the comparison reads nothing else."""
    other = dataset.narrow(None, period)
    counts = other.incidents["station"].value_counts()
    recorded = set(other.station_years())
    found: dict[str, int | None] = {s: int(counts.get(s, 0)) if s in recorded else None for s in stations}
    found[total] = None if other.is_empty() else len(other.incidents)
    return found


@dataclass
class Overview:
    """A detachment's year (or half, quarter or month), for the overview notebook."""

    period: Period
    figures: dict[str, dict[str, Any]]  # station (and 支队合计) -> its figures
    last: dict[str, int | None]  # each station's incidents the same period a year earlier (同比)
    before: dict[str, int | None] | None = None  # and the period before (环比), for a half, quarter or month
    total: str = TOTAL  # the name of the total's row (a brigade's: 大队合计)
    compact: bool = False  # the index figures alone, one table: too many stations to lay side by side
    brigades: dict[str, tuple[str, ...]] = field(default_factory=dict)  # compact: each brigade's stations
    subtotals: dict[str, dict[str, Any]] = field(default_factory=dict)  # compact: each brigade's index figures

    @property
    def stations(self) -> list[str]:
        """The stations with records in the year, without the total."""
        return [s for s in self.figures if s != self.total]

    @property
    def table(self) -> pd.DataFrame:
        """One row per station and the total: every overview figure (counts, seconds, shares 0..1)."""
        keys = [e.key for e in shown_in("overview")]
        return pd.DataFrame.from_dict({s: {k: value_at(f, k) for k in keys} for s, f in self.figures.items()},
                                      orient="index").rename_axis("station")

    def header(self) -> HTML:
        """Title and coverage."""
        return HTML('<p class="fs-nav"><a href="../index.html">← 返回报告目录</a></p>'
                    f'<h1 class="fs-title">{overview_title(self.period)}</h1>'
                    f'<p class="fs-meta">统计期间：{self.period.dates} · 共{len(self.stations)}个站 · '
                    f'报告生成于 {dt.date.today():%Y年%m月%d日}</p>')

    def side_by_side(self) -> HTML:
        """All stations side by side, table by table, with the detachment's total last (compact: one table)."""
        if self.compact:
            return HTML(self._compact_table())
        parts = []
        for title, keys in tables().items():
            rows = [[station, *(_shown(figures, key) for key in keys)] for station, figures in self.figures.items()]
            parts.append(f"<h3>{escape(title)}</h3>" + table([table_heading("station"), *(heading(k) for k in keys)],
                                                              rows))
        standard = profile(self.figures[self.total]["response"]["standard"]["key"])["name"]
        parts.append(f'<p class="fs-note">{escape(term(WITHIN))}为派生指标（站点布局要求，不是单起警情的考核标准），'
                     "以有出动和到场时间的警情为分母；中位数和90%分位数在样本不足时不计算。"
                     f"响应环节为首车到场单位的用时，对照{escape(standard)}。</p>")
        return HTML("".join(parts))

    def _compact_table(self) -> str:
        """A row per station (linked to its page), grouped by brigade with each one's subtotal, and the total."""
        keys = [e.key for e in shown_in("index")]
        compared = self._comparisons()

        def row(name: str, figures: dict[str, Any], label: str | Markup) -> list[Any]:
            now = figures["incidents"]["total"]
            moved = [cell for _, _, other in compared for cell in incident_change(now, other[name], False)]
            return [label, now, *moved, *(cell for key in keys[1:] for cell in (
                [_shown(figures, key), value_at(figures, n_of(key))] if key == WITHIN else [_shown(figures, key)]))]

        rows, placed = [], set()
        for brigade, held in self.brigades.items():
            rows += [row(s, self.figures[s], _linked(s)) for s in held]
            rows.append(row(brigade, self.subtotals[brigade], f"{brigade}小计"))
            placed.update(held)
        rows += [row(s, self.figures[s], _linked(s)) for s in self.stations if s not in placed]
        rows.append(row(self.total, self.figures[self.total], self.total))
        headers = [table_heading("station"), heading(keys[0]),
                   *(h for _, when, _ in compared for h in (when.name, table_heading("change_pct"))),
                   *(h for key in keys[1:] for h in ([heading(key), table_heading("n")] if key == WITHIN
                                                     else [heading(key)]))]
        return (f"<h3>各站主要指标（共{len(self.stations)}个站，详情见各站报告）</h3>" + table(headers, rows)
                + f'<p class="fs-note">{escape(term(WITHIN))}为派生指标，以有出动和到场时间的警情为分母；'
                "小计与合计由所含各站的全部记录计算，不是各站数值的平均。</p>")

    def _comparisons(self) -> list[tuple[str, Period, dict[str, int | None]]]:
        """同比 against the same period a year earlier and, for a half, quarter or month, 环比 against the one
        before: each row's incidents then (a brigade's its stations' summed, as counts add up)."""
        compared = [("同比", self.period.a_year_earlier(), self.last)]
        if self.before is not None:
            compared.append(("环比", self.period.previous(), self.before))
        return [(kind, when, {**other, **{b: _summed(other[s] for s in held) for b, held in self.brigades.items()}})
                for kind, when, other in compared]

    def year_on_year(self) -> HTML:
        """Each station's incidents against the same period a year earlier (同比), with the change; for a half,
        quarter or month also against the period before (环比); compact: the total's alone (each station's are in
        its table)."""
        return HTML("".join(self._compared(kind, when, other) for kind, when, other in self._comparisons()))

    def _compared(self, kind: str, when: Period, other: dict[str, int | None]) -> str:
        rows = []
        for station, figures in self.figures.items():
            if self.compact and station != self.total:
                continue
            now = figures["incidents"]["total"]
            rows.append([station, now, *incident_change(now, other[station])])
        headers = [table_heading("station"), self.period.name, when.name, table_heading("change"),
                   table_heading("change_pct")]
        return f"<h3>{kind}（与{when.name}比）</h3>" + table(headers, rows)

    def ranking(self, leave_out: tuple[str, ...] = ()) -> HTML:
        """Stations ranked by each figure of the catalogue's ``ranking`` view (incidents, the derived arrival share
        with its n, training pass rate), but those ``leave_out`` names."""
        parts = []
        for key in (e.key for e in shown_in("ranking") if e.key not in leave_out):
            values = {s: value_at(self.figures[s], key) for s in self.stations}
            ranked = list(enumerate(sorted(((s, v) for s, v in values.items() if v is not None), key=lambda p: -p[1])))
            cut = self.compact and len(ranked) > 2 * RANKED
            derived = key == WITHIN
            rows = [[i + 1, s, _shown(self.figures[s], key),
                     *([value_at(self.figures[s], "response.dispatch_to_arrival.n")] if derived else [])]
                    for i, (s, _) in (ranked[:RANKED] + ranked[-RANKED:] if cut else ranked)]
            title = (f"按{heading(key)}排名" + (f"（前{RANKED}名与后{RANKED}名）" if cut else "")
                     + (f"（派生指标，依据{within_standard()['name']}）" if derived else ""))
            headers = [table_heading(name) for name in ("rank", "station", "value", *(["n"] if derived else []))]
            parts.append(f"<h3>{escape(title)}</h3>" + table(headers, rows))
        return HTML("".join(parts))

    def over_time(self) -> HTML:
        """Each station's incidents per month of the period (per day where it is a month), shaded on one scale
        (compact: on each station's page)."""
        if self.compact:
            return HTML(f'<p class="fs-note">共{len(self.stations)}个站，各站的时间分布见各站报告。</p>')
        daily = self.period.kind == "month"
        key, unit, each = ("daily", "", "每日") if daily else ("monthly", "月", "各月")  # 31 days fit A4 as numbers
        months = set(self.period.months)
        counts = {s: {k: n for k, n in self.figures[s][key].items() if daily or k in months} for s in self.stations}
        return HTML(heat_table(counts, unit, f"{self.period.name}各站{each}接处警（起）", table_heading("station")))

    def places(self) -> HTML:
        """Each place's incidents by station, shaded on one scale, then the detachment's figures by place (its
        incidents, 同比 and the call to the first arrival per place, computed from all its records); compact: on
        each station's page, as a province's places by station would be most of the overview's time."""
        if self.compact:
            return HTML(f'<p class="fs-note">共{len(self.stations)}个站，各站的辖区分布见各站报告。</p>')
        counts: dict[str, dict[str, int]] = {}
        for station in self.stations:
            for place, v in self.figures[station]["places"]["districts"].items():
                counts.setdefault(place, {})[station] = v["incidents"]
        caption = f"{self.period.name}各区域各站接处警（起）"
        detachment = PlacesView(self.figures[self.total], part_of_year=self.period.kind != "year")
        return HTML(heat_table(counts, "", caption, table_heading("place")) + detachment.table().data)


def tables() -> dict[str, list[str]]:
    """The overview's tables (the catalogue's ``overview`` view): title -> the figures (keys in `firestats figures`)
    each station shows, in order."""
    grouped: dict[str, list[str]] = {}
    for e in shown_in("overview"):
        grouped.setdefault(e.shown["overview"].table, []).append(e.key)
    return grouped


def incident_change(now: int, before: int | None, absolute: bool = True) -> list[str | int]:
    """The incidents of another period (无记录 without records), the change in incidents (with ``absolute``) and in
    per cent (— without records or from none)."""
    pct = "—" if not before else f"{(now - before) / before * 100:+.1f}%"
    change = ["—" if before is None else f"{now - before:+d}"] if absolute else []
    return ["无记录" if before is None else before, *change, pct]


def _summed(counts: Any) -> int | None:
    """Incidents summed over stations (None when none of them has records)."""
    found = [n for n in counts if n is not None]
    return sum(found) if found else None


def _linked(station: str) -> Markup:
    """A station's name linked to its own page beside the overview's."""
    return Markup(f'<a href="./{escape(quote(safe_name(station)))}.html">{text(station)}</a>')


def _shown(figures: dict[str, Any], key: str) -> str | int | float:
    value = value_at(figures, key)
    if value is None:
        return "无记录"
    unit = unit_of(key)
    if unit == "比例":
        return share(value)
    if unit == "秒":  # withheld below the minimum n of its own segment, shown with that n
        n = value_at(figures, n_of(key)) or 0
        return percentile(value, n) + (f"（n={n}）" if key.startswith("response.segments.") else "")
    return round(value, 1) if isinstance(value, float) else int(value)


def detachment_overview(request: Request) -> Overview:
    """Every station of a request's period (its station None) laid out with the detachment's total, from the
    prepared data it names: the same period a year earlier and, for a half, quarter or month, the one before.

    >>> import firestats as fs
    >>> fs.detachment_overview(fs.Request.of(None, 2025, "data/processed")).table.loc["城东站", "incidents.total"]
    ... # doctest: +SKIP
    603
    """
    request, dataset = open_report(request, years_read(request.period))
    return overview_of(dataset, request.period, request.options)


def years_read(period: Period) -> list[int]:
    """The years an overview reads: its period's, a year earlier's and the period before's (not the years of a
    report's trend, which it shows none of)."""
    return sorted({period.year, period.a_year_earlier().year, period.previous().year})


def overview_of(dataset: Dataset, when: Period, options: Options = Options()) -> Overview:
    """Every station of a period laid out with the total, graded as ``options`` say, from ``dataset`` holding its
    rows, a year earlier's and the period before's: side by side up to ``overview.full_up_to`` stations, compact
    above."""
    stations = stations_in(dataset, when)
    view = compact_overview(dataset, when, stations, options) if len(stations) > settings()["overview"]["full_up_to"] \
        else Overview(when, *station_figures(dataset, when, options=options))
    if when.kind != "year":
        view.before = totals_at(dataset, view.stations, when.previous())
    return view

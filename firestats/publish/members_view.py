"""A level's (支队, 大队) report beside its figures: its stations with its own total, each station's share and rank,
同比 (and 环比) station by station, and a link to each station's own page (the detachment overview's figures and
rankings, of the level's stations)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from firestats.catalogue import shown_in, table_heading
from firestats.compute.compare import value_at
from firestats.compute.station import StationYear
from firestats.publish.html import table, text
from firestats.publish.overview import Overview, incident_change, station_figures, totals_at
from firestats.publish.paths import safe_name
from firestats.request import Options
from firestats.store import Dataset
from firestats.vocabulary.hierarchy import Level
from firestats.wording import share


def members_of(dataset: Dataset, this: StationYear, level: Level, options: Options) -> Overview:
    """The level's stations of its period side by side, graded as ``options`` say (the report's), with the level's
    own figures (``this``) as their total, and each station's incidents a year earlier (and the period before, for
    a part of a year); ``dataset`` holds the level's rows alone. Their places are the stations' own pages'."""
    period, total = this.period, f"{level.kind}合计"
    figures, last = station_figures(dataset, period, total, this.figures, options, places=False)
    before = totals_at(dataset, [s for s in figures if s != total], period.previous(), total) \
        if period.kind != "year" else None
    return Overview(period, figures, last, before, total)


def published(members: Overview) -> dict[str, Any]:
    """The members as the exports and the draft read them: per station its incidents, its share of the level's
    (0..1) and its incidents a year earlier (None without records), busiest first; and per station, then the level's
    total, the overview's figures (counts, seconds, shares 0..1: the catalogue's ``overview`` view), for the
    workbook."""
    total = members.figures[members.total]["incidents"]["total"]
    rows = [{"station": s, "incidents": members.figures[s]["incidents"]["total"], "last": members.last[s]}
            for s in members.stations]
    rows = [r | {"share": r["incidents"] / total if total else None}
            for r in sorted(rows, key=lambda r: (-r["incidents"], r["station"]))]
    keys = [e.key for e in shown_in("overview")]
    return {"total": members.total, "stations": rows,
            "table": {s: {k: value_at(f, k) for k in keys} for s, f in members.figures.items()}}


def section(members: Overview) -> str:
    """The level's stations on its page: links to their own pages; their incidents ranked, each with its share and
    its change on a year earlier (and on the period before); then the rankings by the other figures. Every figure
    side by side is in the workbook and the overview: thirty stations' tables would pass the page budget."""
    rows = published(members)["stations"]
    links = "、".join(f'<a href="../{escape(quote(safe_name(r["station"])))}.html">{text(r["station"])}</a>'
                      for r in rows)
    others = [(kind, other) for kind, other in (("同比", members.last), ("环比", members.before)) if other is not None]
    body = [[1 + sum(o["incidents"] > r["incidents"] for o in rows), r["station"], r["incidents"], share(r["share"]),
             *(cell for _, other in others for cell in _change(r["incidents"], other[r["station"]]))] for r in rows]
    headings = [table_heading("rank"), table_heading("station"), "接处警（起）", "占比",
                *(f"{kind}{word}" for kind, _ in others for word in ("增减", "增幅"))]
    return (f'<p class="fs-nav">各站报告：{links}</p><h3>各站接处警排名、占比与增减</h3>{table(headings, body)}'
            + members.ranking(leave_out=("incidents.total",)).data)


def _change(now: int, before: int | None) -> tuple[str | int, ...]:
    """A station's incidents against another period's, as a count and in per cent (the overview's), 无记录 in the
    count's cell without its records."""
    return ("无记录", "—") if before is None else tuple(incident_change(now, before)[1:])

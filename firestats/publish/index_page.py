"""``reports/index.html``: every report of the folder, grouped by period (years, then halves, quarters and
months), with its station, status and headline figures (the catalogue's ``index`` view), linked, plus the
whole data set's quality table; offline like the reports.

The page is the template ``templates/index/index.html.j2``; this module gives it the rows, each figure
written as the reports write it, and every heading from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2

from firestats.catalogue import accounting_rule, heading, shown_in, table_heading
from firestats.compute.compare import n_of, value_at
from firestats.periods import KINDS, Period, days_written
from firestats.privacy import redact, redact_all
from firestats.publish.paths import BULLETIN, OVERVIEW_NAME
from firestats.settings import header_search_rows
from firestats.store import skipped_files, unread_sheets
from firestats.vocabulary.hierarchy import BRIGADE, DETACHMENT
from firestats.wording import percentile, share

INDEX = "index.html"
_STATUS = {"ok": "已生成", "failed": "失败"}
DOWNLOADS = ((".docx", "工作总结（Word初稿）"), (".xlsx", "核对表"), (".txt", "数据段落"))


@cache
def _template() -> jinja2.Template:
    """The page's template, escaping every value it is given (station names and errors come from the data)."""
    loader = jinja2.PackageLoader("firestats.publish", "templates/index")
    environment = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, keep_trailing_newline=True)
    return environment.get_template("index.html.j2")


def headline(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for a report, by key (a time's n beside it), for the batch's manifest."""
    keys = [k for e in shown_in("index") for k in (e.key, *([n_of(e.key)] if e.unit == "秒" else []))]
    return {key: value_at(figures, key) for key in keys}


def _cell(key: str, unit: str, head: dict[str, Any]) -> str:
    """A headline figure as the report writes it: a share in per cent, a time with its n (withheld below the
    minimum n), a count as it is; a dash where there is none."""
    value = head.get(key)
    if unit == "比例":
        return share(value)
    if unit == "秒":
        n = head.get(n_of(key))
        return "—" if n is None else f"{percentile(value, int(n))}（n={int(n)}）"
    return "—" if value is None else str(value)


def _files(name: str, period: Period) -> list[tuple[str, str]]:
    """A station report's files beside its page (link, words): the Word draft, the checking workbook and the text
    (and a half's, quarter's or month's 通报)."""
    files = (*DOWNLOADS, *([(BULLETIN, "通报")] if period.kind != "year" else []))
    return [(quote(name + suffix), label) for suffix, label in files]


def _level(name: str) -> str:
    """The level a report is of by its name: 支队 or 大队 (2024/大队/城东大队), "" for a station's or the overview."""
    parts = name.split("/")
    return parts[1] if len(parts) == 3 else ""


def _row(name: str, entry: dict[str, Any], period: Period) -> dict[str, Any]:
    """One report's row: its station (or level, marked as one, or the overview), linked when it was rendered, its
    files and figures."""
    stem = name.split("/", 1)[1]
    ok = entry.get("status") == "ok"
    head = entry.get("headline") or {}
    return {"ok": ok, "href": quote(name + ".html"), "station": redact(entry.get("station") or stem),
            "level": _level(name),
            "error": redact(entry.get("error", "")), "partial": _partial(entry.get("coverage")),
            "files": _files(name, period) if ok and stem != OVERVIEW_NAME else [],
            "cells": [_cell(e.key, e.unit, head) for e in shown_in("index")]}


def _partial(coverage: Any) -> str:
    """What a report's records cover when less than its period (数据仅覆盖2025年1月1日至4月23日); "" when whole or
    unknown."""
    if not isinstance(coverage, dict) or coverage.get("whole") is not False:
        return ""
    try:
        first, last = (dt.date.fromisoformat(str(coverage[end])) for end in ("from", "to"))
    except (KeyError, ValueError):
        return ""
    return f"数据仅覆盖{days_written(first, last)}"


def _grouped(manifest: dict[str, dict[str, Any]], periods: dict[str, Period]) -> list[dict[str, Any]]:
    """The reports' rows under one heading per period (2024年第三季度（2024年7月1日至9月30日）): years first,
    then halves, quarters and months, each period's overview, then its detachment's, its brigades' and its stations'
    reports."""
    groups = []
    order = {DETACHMENT: 1, BRIGADE: 2, "": 3}
    for period in sorted({periods[name] for name in manifest}, key=lambda p: (p.year, KINDS.index(p.kind), p.index)):
        names = sorted((n for n in manifest if periods[n] == period),
                       key=lambda n: (0 if n.split("/", 1)[1] == OVERVIEW_NAME else order[_level(n)], n))
        groups.append({"title": period.title, "dates": period.dates,
                       "rows": [_row(n, manifest[n], period) for n in names]})
    return groups


def render(manifest: dict[str, dict[str, Any]], periods: dict[str, Period], quality: dict[str, Any]) -> str:
    """The index page's HTML: the reports of the ``manifest`` grouped by the ``periods`` they are of (both by
    report name); ``quality`` is the prepared folder's quality summary.

    Each report is shown by its station's real name (its file's name may carry a hash, see ``paths``); every
    text from the data, the exports' file names too, redacted.
    """
    quality = redact_all(quality)  # an export named 警情补录_报警人13300133000.csv is listed as 报警人[电话已隐去]
    accounts = shown_in("accounting")  # the catalogue's terms, as on the report page and in the workbook
    kept = [e.shown["accounting"].name for e in accounts]
    return _template().render(
        count=len(manifest), today=f"{dt.date.today():%Y年%m月%d日}", status=_STATUS,
        groups=_grouped(manifest, periods),
        headings=[*(table_heading(n) for n in ("report", "status", "file")),
                  *(heading(e.key) for e in shown_in("index"))],
        rule=accounting_rule(), quality_headings=[table_heading("file"), *(e.term for e in accounts)],
        files=[(f["source_file"], [f[k] for k in kept]) for f in quality["files"]],
        total=table_heading("total"), totals=[quality["totals"][k] for k in kept],
        unread=unread_sheets(quality), skipped=skipped_files(quality), header_search_rows=header_search_rows())

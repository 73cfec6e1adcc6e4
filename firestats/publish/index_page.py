"""``reports/index.html``: every report of the folder, grouped by period (years, then halves, quarters and
months), with its station, status and headline figures (the catalogue's ``index`` view), linked, plus the
whole data set's quality table; offline like the reports."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any
from urllib.parse import quote

from firestats.catalogue import accounting_rule, heading, shown_in, table_heading
from firestats.compute.compare import value_at
from firestats.periods import KINDS, Period, parse_period
from firestats.privacy import redact
from firestats.publish.paths import BULLETIN, OVERVIEW_NAME
from firestats.settings import header_search_rows
from firestats.store import skipped_files, unread_sheets
from firestats.wording import percentile, share

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
       "WenQuanYi Micro Hei", sans-serif; max-width: 64rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
h1 { color: #c0392b; } table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.7rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } thead th { background: #f6f6f6; }
th.period { background: #fbf4f3; color: #c0392b; }
.failed { color: #c0392b; font-weight: 700; } .note { color: #666; font-size: 0.9em; }
@page { size: A4; margin: 15mm 12mm; }
"""
INDEX = "index.html"
_STATUS = {"ok": "已生成", "failed": "失败"}
DOWNLOADS = ((".docx", "工作总结（Word初稿）"), (".xlsx", "核对表"), (".txt", "数据段落"))


def _link(name: str, text: str, suffix: str = ".html") -> str:
    return f'<a href="{escape(quote(name + suffix))}">{escape(text)}</a>'


def _n_of(key: str) -> str:
    """The sample size beside a time figure (response.segments.total.median_s -> response.segments.total.n)."""
    return key.rsplit(".", 1)[0] + ".n"


def headline(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for a report, by key (a time's n beside it), for the batch's manifest."""
    keys = [k for e in shown_in("index") for k in (e.key, *([_n_of(e.key)] if e.unit == "秒" else []))]
    return {key: value_at(figures, key) for key in keys}


def _cell(key: str, unit: str, head: dict[str, Any]) -> str:
    """A headline figure as the report writes it: a share in per cent, a time with its n (withheld below the
    minimum n), a count as it is; a dash where there is none."""
    value = head.get(key)
    if unit == "比例":
        return share(value)
    if unit == "秒":
        n = head.get(_n_of(key))
        return "—" if n is None else f"{percentile(value, int(n))}（n={int(n)}）"
    return "—" if value is None else escape(str(value))


def _files(name: str, period: Period) -> str:
    """A station report's files beside its page: the Word draft, the checking workbook and the text (and a
    half's, quarter's or month's 通报)."""
    files = (*DOWNLOADS, *([(BULLETIN, "通报")] if period.kind != "year" else []))
    return "、".join(_link(name, label, suffix) for suffix, label in files)


def _row(name: str, entry: dict[str, Any], period: Period) -> str:
    """One report's row: its station (or the overview), linked when it was rendered, its files and figures."""
    stem = name.split("/", 1)[1]
    station = redact(entry.get("station") or stem)
    ok = entry.get("status") == "ok"
    head = entry.get("headline") or {}
    error = escape(redact(entry.get("error", "")))
    status = escape(_STATUS["ok"]) if ok else f'<span class="failed">{escape(_STATUS["failed"])}</span>：{error}'
    downloads = _files(name, period) if ok and stem != OVERVIEW_NAME else ""
    cells = "".join(f'<td class="num">{_cell(e.key, e.unit, head)}</td>' for e in shown_in("index"))
    return (f"<tr><td>{_link(name, station) if ok else escape(station)}</td><td>{status}</td><td>{downloads}</td>"
            f"{cells}</tr>")


def _grouped(manifest: dict[str, dict[str, Any]]) -> str:
    """The reports' rows under one heading row per period (2024年第三季度（2024年7月1日至9月30日）): years first,
    then halves, quarters and months, each period's overview before its stations."""
    periods = {name: parse_period(name.split("/", 1)[0]) for name in manifest}
    groups = sorted(set(periods.values()), key=lambda p: (p.year, KINDS.index(p.kind), p.index))
    columns = 3 + len(shown_in("index"))
    parts = []
    for period in groups:
        names = sorted((n for n in manifest if periods[n] == period),
                       key=lambda n: (n.split("/", 1)[1] != OVERVIEW_NAME, n))
        parts.append(f'<tbody><tr><th class="period" colspan="{columns}">{escape(period.title)}'
                     f"（{escape(period.dates)}）</th></tr>"
                     + "".join(_row(n, manifest[n], period) for n in names) + "</tbody>")
    return "".join(parts)


def render(manifest: dict[str, dict[str, Any]], quality: dict[str, Any]) -> str:
    """The index page's HTML; ``quality`` is the prepared folder's quality summary.

    Each report is shown by its station's real name (its file's name may carry a hash, see ``paths``).
    """
    accounts = shown_in("accounting")  # the catalogue's terms, as on the report page and in the workbook
    kept = [e.shown["accounting"].name for e in accounts]
    files = "".join(
        f"<tr><td>{escape(f['source_file'])}</td>" + "".join(f'<td class="num">{f[k]}</td>' for k in kept)
        + "</tr>" for f in quality["files"])
    totals = "".join(f'<td class="num">{quality["totals"][k]}</td>' for k in kept)
    columns = "".join(f"<th>{escape(h)}</th>" for h in (*(table_heading(n) for n in ("report", "status", "file")),
                                                         *(heading(e.key) for e in shown_in("index"))))
    accounting = "".join(f"<th>{escape(h)}</th>" for h in (table_heading("file"), *(e.term for e in accounts)))
    unread = unread_sheets(quality)
    unread_note = (f'<p class="note">未读取的工作表（前{header_search_rows()}行内没有可识别的表头）：'
                   f'{escape("、".join(unread))}</p>' if unread else "")
    skipped = skipped_files(quality)
    unread_note += (f'<p class="note">文件夹中不是导出表、未读取的文件：{escape("；".join(skipped))}</p>'
                    if skipped else "")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>消防救援站分析报告目录</title><style>{_STYLE}</style></head>
<body><h1>分析报告目录</h1>
<p class="note">共{len(manifest)}份报告，按统计期间分组 · 生成于 {dt.date.today():%Y年%m月%d日}</p>
<table><thead><tr>{columns}</tr></thead>
{_grouped(manifest)}</table>
<h2>全部数据质量</h2>
<p class="note">{escape(accounting_rule())}，对每个文件都成立。</p>
<table><thead><tr>{accounting}</tr></thead>
<tbody>{files}<tr><td>{escape(table_heading("total"))}</td>{totals}</tr></tbody></table>{unread_note}
</body></html>
"""

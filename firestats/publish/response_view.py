"""How a report shows response times: the headline cards, the segments table, the standard's
thresholds with their grading (or the one-minute bands) and the chart, for the segments an export
records (``compute.response.recorded``)."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import part_word, table_heading, term
from firestats.compute.incidents import response_seconds
from firestats.compute.response import profile, segment_seconds
from firestats.publish import charts
from firestats.publish.html import chart, table
from firestats.settings import settings, within_seconds
from firestats.wording import duration, minutes, percentile, share

D2A = "dispatch_to_arrival"


def cards(figures: dict[str, Any], shown: list[str], language: str = "zh") -> list[tuple[str, str, str]]:
    """The headline's response cards (label, value, unit): dispatch to arrival where the export records
    dispatch times; else the call to the first arrival (its mean under a standard that reports means)."""
    r = figures["response"]
    if D2A in shown:
        d2a = r[D2A]
        return [(term(f"response.{D2A}.median_s", language), percentile(d2a["median_s"], d2a["n"]), f"n={d2a['n']}"),
                (term(f"response.{D2A}.within_share", language), share(d2a["within_share"]), "派生指标")]
    total = r["segments"]["total"]
    if r["standard"]["key"] == "uk" and total["n"]:
        return [(term("response.segments.total.mean_s", language), duration(total["mean_s"]), f"n={total['n']}")]
    return [(term("response.segments.total.median_s", language), percentile(total["median_s"], total["n"]),
             f"n={total['n']}")]


def segments_table(figures: dict[str, Any], shown: list[str], language: str = "zh") -> str:
    """n, median, P90 with its 95% interval, and mean of each segment shown; the share within the arrival
    threshold; the siting rule's note unless the standard is that rule (its own note cites it)."""
    r = figures["response"]
    rows = []
    for name in shown:
        seg = r[D2A] if name == D2A else r["segments"][name]
        n, interval = seg["n"], seg.get("p90_interval_s")
        p90 = percentile(seg["p90_s"], n) + (f"（{duration(interval[0])}–{duration(interval[1])}）" if interval else "")
        within = share(seg["within_share"]) if "within_share" in seg else "—"
        rows.append([part_word(name, language), n, percentile(seg["median_s"], n), p90, duration(seg.get("mean_s")),
                     within])
    headers = [*(table_heading(name, language) for name in ("segment", "n", "median", "p90_interval", "mean")),
               term(f"response.{D2A}.within_share", language)]
    cited = r["standard"]["key"] == settings()["response"]["within_standard"]
    note = (f'<p class="fs-note">{escape(settings()["response"]["within_seconds_note"])}</p>'
            if D2A in shown and not cited else "")
    return table(headers, rows) + note


def standard(figures: dict[str, Any], shown: list[str], language: str = "zh") -> str:
    """The standard the times are held against: each threshold as the settings state it and graded with,
    or (a standard that reports means) the one-minute bands of the total."""
    r = figures["response"]
    held = profile(r["standard"]["key"])
    rows, sources = [], []
    for row, rule in zip(r["compliance"], held["thresholds"]):
        if row["segment"] not in shown:
            continue
        demand = f"{row['fractile']:.0%}的警情不超过阈值" if row["fractile"] is not None else "派生指标，不考核"
        verdict = {True: "达标", False: "未达标"}.get(row["met"], "—" if row["fractile"] is None else "样本不足")
        rows.append([part_word(row["segment"], language) + (f"（{row['label']}）" if row["label"] else ""),
                     minutes(row["threshold_s"]), demand, f"{share(row['share'])}（n={row['n']}）", verdict])
        sources.append(rule["source"])
    parts = [f"<h3>对照标准：{escape(held['name'])}</h3>"]
    if rows:
        parts.append(table([table_heading(name, language) for name in ("segment", "threshold", "demand",
                                                                       "within_threshold", "verdict")], rows))
        parts.append(f'<p class="fs-note">依据：{escape("；".join(dict.fromkeys(sources)))}</p>')
    bands = r.get("total_bands")
    if bands and r["segments"]["total"]["n"]:
        minutes_ = table_heading("band_minutes", language)
        parts.append(table([table_heading("band", language), table_heading("band_count", language)],
                           [[minutes_.format(band), n] for band, n in bands.items() if n]))
    if held.get("source"):
        parts.append(f'<p class="fs-note">{escape(held["source"])}</p>')
    return "".join(parts)


def chart_of(incidents: pd.DataFrame, shown: list[str]) -> HTML:
    """Dispatch-to-arrival times against the threshold; the call to the first arrival where the export
    records no dispatch times."""
    if D2A in shown:
        return chart(charts.response_times(response_seconds(incidents)[D2A], within_seconds()), "出动至到场用时分布")
    what = part_word("total")
    return chart(charts.response_times(segment_seconds(incidents)["total"], None, what), f"{what}用时分布")

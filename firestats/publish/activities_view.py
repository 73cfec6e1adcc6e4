"""How a report shows its station's activity ledgers (工作台账): each category's total in its unit, as a table and
bars, and the awards and competition results as lists."""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML

from firestats.catalogue import table_heading
from firestats.compute.activities import LISTED
from firestats.periods import Period
from firestats.publish import charts
from firestats.publish.html import chart, table, text
from firestats.vocabulary.activities import spec as activity_spec


def totals_table(activities: Any, period: Period) -> str:
    """The period's activity totals (the ledger's typed figures, None without a ledger), each in its unit; licences
    by kind (persons); without a ledger, a note saying so."""
    if activities is None:
        return f'<p class="fs-note">{period.this}无工作台账记录。</p>'
    rows = []
    for name, category in activity_spec()["categories"].items():
        value = activities[category["figure"]]
        if category["figure"] in LISTED:
            continue
        if category["figure"] == "licences":
            rows.append([name, "、".join(f"{k} {v}人" for k, v in value.items()) or 0, ""])
        else:
            rows.append([name, value, category["unit"]])
    return table([table_heading(name) for name in ("category", "total", "unit")], rows)


def totals_chart(activities: Any, period: Period) -> HTML:
    """The period's activity totals with any records as bars (nothing without a ledger)."""
    if activities is None:
        return HTML("")
    totals = pd.Series({name: activities[c["figure"]] for name, c in activity_spec()["categories"].items()
                        if c["figure"] not in (*LISTED, "licences") and activities[c["figure"]]})
    title = f"工作台账{period.this}合计"
    return chart(charts.activity_totals(totals, title), title)


def honour_lists(activities: Any) -> str:
    """Awards and competition results of the period (the ledger's typed figures, None without a ledger), as lists
    under their titles."""
    if activities is None:
        return ""
    parts = []
    for key, title in (("awards", "获奖情况"), ("competitions", "比武竞赛")):
        items = "".join(f"<li>{text(e['date'])} {text(e['content'])}</li>" for e in activities[key])
        parts.append(f"<h3>{title}</h3>" + (f"<ul>{items}</ul>" if items else '<p class="fs-note">无记录</p>'))
    return "".join(parts)

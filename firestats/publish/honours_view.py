"""How a report lists its station's honours: the awards and competition results of its ledger."""

from __future__ import annotations

from typing import Any

from firestats.publish.html import text


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

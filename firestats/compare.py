"""Same period last year: each headline figure this year and last, the change and the change in per cent."""

from __future__ import annotations

from typing import Any

HEADLINES = (  # (label, key in `firestats figures`, unit)
    ("接处警", "incidents.total", "起"),
    ("火灾扑救", "incidents.by_type.火灾扑救", "起"),
    ("抢险救援", "incidents.by_type.抢险救援", "起"),
    ("社会救助", "incidents.by_type.社会救助", "起"),
    ("安保勤务", "incidents.by_type.安保勤务", "起"),
    ("虚假警", "incidents.by_type.虚假警", "起"),
    ("营救被困人员", "people.rescued", "人"),
    ("疏散遇险人员", "people.evacuated", "人"),
    ("挽回经济损失", "loss_averted_10k_yuan", "万元"),
    ("出动至到场中位数", "response.dispatch_to_arrival.median_s", "秒"),
    ("5分钟内到场占比", "response.dispatch_to_arrival.within_5min_share", "比例"),
    ("实地演练", "activities.field_drills", "次"),
    ("熟悉单位", "activities.unit_visits", "家次"),
    ("消防水源普查", "activities.water_source_surveys", "次"),
    ("修订灭火作战预案", "activities.preplans_revised", "份"),
    ("训练考核及格率", "assessments.overall.pass_rate", "比例"),
)


def value_at(figures: dict[str, Any] | None, key: str) -> Any:
    """A figure by its dotted key; None where any part is missing."""
    value: Any = figures
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def year_on_year(this: dict[str, Any], last: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """Rows of label, this year, last year, change and change in per cent (None where not computable).

    None when last year has no records at all: there is nothing to compare with.
    """
    if last is None:
        return None
    rows = []
    for label, key, unit in HEADLINES:
        now, before = value_at(this, key), value_at(last, key)
        change = None if now is None or before is None else now - before
        pct = None if change is None or not before else change / before * 100
        rows.append({"label": label, "key": key, "unit": unit, "this": now, "last": before,
                     "change": change, "change_pct": pct})
    return rows

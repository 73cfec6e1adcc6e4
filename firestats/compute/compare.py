"""Same period last year: each headline figure this year and last, the change and the change in per cent."""

from __future__ import annotations

from typing import Any

from firestats.catalogue import entry

HEADLINES = (  # keys in `firestats figures`, in report order
    "incidents.total",
    "incidents.by_type.火灾扑救",
    "incidents.by_type.抢险救援",
    "incidents.by_type.社会救助",
    "incidents.by_type.安保勤务",
    "incidents.by_type.虚假警",
    "people.rescued",
    "people.evacuated",
    "loss_averted_10k_yuan",
    "response.dispatch_to_arrival.median_s",
    "response.dispatch_to_arrival.within_share",
    "activities.field_drills",
    "activities.unit_visits",
    "activities.water_source_surveys",
    "activities.preplans_revised",
    "assessments.overall.pass_rate",
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
    for key in HEADLINES:
        now, before = value_at(this, key), value_at(last, key)
        change = None if now is None or before is None else now - before
        pct = None if change is None or not before else change / before * 100
        rows.append({"label": entry(key).term, "key": key, "unit": entry(key).unit, "this": now, "last": before,
                     "change": change, "change_pct": pct})
    return rows

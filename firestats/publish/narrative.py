"""The figures of the annual report's text (年度数据), each as the text writes it beside its exact value.

Wording follows ``annual-report-2021.txt``: "余" figures (the catalogue's ``approx``) round down
to a round number (123 -> 120余次) while the exact figure is kept beside them; a figure with no
records behind it says so instead of printing 0. The sentences are ``annual``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from firestats.catalogue import entry
from firestats.compute.compare import value_at
from firestats.wording import NO_RECORDS, number, round_down


@dataclass(frozen=True)
class Figure:
    """One figure as the text shows it, with the exact value and where it comes from."""

    label: str  # the catalogue's term
    text: str  # as written in the block: 120余次, 5起, （无记录）
    exact: float | None  # the figure itself, None when there are no records
    unit: str
    key: str  # its path in `firestats figures`, e.g. incidents.by_type.火灾扑救


def _count(key: str, value: float | None) -> Figure:
    e = entry(key)
    if value is None:
        return Figure(e.term, NO_RECORDS, None, e.unit, key)
    shown = round_down(value)
    text = f"{shown}余{e.unit}" if e.approx and shown != int(value) else f"{number(value)}{e.unit}"
    return Figure(e.term, text, value, e.unit, key)


# name in the template -> key in `firestats figures`
TEXT_FIGURES = {
    "total": "incidents.total",
    "fire": "incidents.by_type.火灾扑救",
    "rescue": "incidents.by_type.抢险救援",
    "social": "incidents.by_type.社会救助",
    "security": "incidents.by_type.安保勤务",
    "rescued": "people.rescued",
    "evacuated": "people.evacuated",
    "drills": "activities.field_drills",
    "visits": "activities.unit_visits",
    "water": "activities.water_source_surveys",
    "preplans": "activities.preplans_revised",
    "special": "activities.special_education",
    "routine": "activities.routine_education",
    "party": "activities.party_days",
    "alcohol": "activities.alcohol_tests",
    "drivers": "activities.drivers_trained",
    "drones": "activities.drone_pilots_trained",
    "weekly": "assessments.tests.周测",
    "monthly": "assessments.tests.月考",
    "participants": "assessments.participants",
}
LOSS = "loss_averted_10k_yuan"
B2 = "activities.licences.B2"


def annual_figures(figures: dict[str, Any]) -> dict[str, Figure]:
    """Every figure the annual text needs, by the name the template uses."""
    has_incidents = figures["incidents"]["total"] > 0
    entries = {name: _count(key, value_at(figures, key) if has_incidents or not key.startswith(
        ("incidents", "people")) else None) for name, key in TEXT_FIGURES.items()}
    loss = figures[LOSS] if has_incidents else None
    e = entry(LOSS)
    entries["loss"] = Figure(e.term, NO_RECORDS if loss is None else _loss_text(loss), loss, e.unit, LOSS)
    licences = value_at(figures, "activities.licences")
    entries["b2"] = _count(B2, None if licences is None else licences.get("B2", 0))
    return entries


def _loss_text(loss: float) -> str:
    if loss < 1:
        return f"{loss:g}万元"
    return f"{math.floor(loss)}万余元" if loss != math.floor(loss) else f"{loss:g}万元"

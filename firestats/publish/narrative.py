"""The annual report's own sentences, filled from a station's figures (年度数据).

Wording follows ``annual-report-2021.txt``: "余" figures (the catalogue's ``approx``) round down
to a round number (123 -> 120余次) while the exact figure is kept beside them; a figure with no
records behind it says so instead of printing 0.
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


def annual_block(figures: dict[str, Any], notable: str = "") -> list[str]:
    """The annual report's data sentences for a station's year, every figure filled."""
    v = {k: f.text for k, f in annual_figures(figures).items()}
    year = figures["year"]
    paragraphs = [
        f"截至{year}年12月31日，共接处警{v['total']}，其中火灾扑救{v['fire']}，抢险救援{v['rescue']}、"
        f"社会救助{v['social']}，抢救被困人员{v['rescued']}，疏散被困人员{v['evacuated']}，"
        f"挽回经济财产损失{v['loss']}" + (f"，其中成功处置了{notable}" if notable else "") + "。",
        f"全年累计开展实地演练{v['drills']}，熟悉单位{v['visits']}，消防水源普查{v['water']}，"
        f"修订完善灭火作战预案{v['preplans']}。",
        f"全年队站共开展专项教育{v['special']}、日常教育{v['routine']}，举办主题党日活动{v['party']}，"
        f"开展酒精测试{v['alcohol']}。",
        f"严格执行“每周一测、每月一考”训练制度，全年组织周测{v['weekly']}、月考{v['monthly']}，"
        f"参加考核{v['participants']}" + _rates(figures) + "。",
        f"今年以来，共计培训驾驶员{v['drivers']}，培训无人机飞手{v['drones']}，"
        + (f"取得B2车辆驾驶证{NO_RECORDS}。" if v["b2"] == NO_RECORDS else f"{v['b2']}成功取得B2车辆驾驶证。"),
    ]
    return paragraphs


def _rates(figures: dict[str, Any]) -> str:
    overall = value_at(figures, "assessments.overall")
    if not overall or overall["pass_rate"] is None:
        return ""
    return f"，总体及格率{overall['pass_rate']:.1%}、优秀率{overall['excellent_rate']:.1%}"

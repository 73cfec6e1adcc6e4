"""The annual report's own sentences, filled from a station's figures (年度数据).

Wording follows ``annual-report-2021.txt``: "余" figures round down to a round number
(123 -> 120余次) while the exact figure is kept beside them; a figure with no records behind it
says so instead of printing 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from firestats.compare import value_at

NO_RECORDS = "（无记录）"


def share(value: float | None) -> str:
    """A fraction 0..1 as a percentage to one decimal (0.123 -> 12.3%); a dash when missing."""
    return "—" if value is None else f"{value:.1%}"


def round_down(value: float) -> int:
    """The round figure a "余" wording uses: under 10 exact, under 1000 to tens, else to hundreds."""
    n = int(math.floor(value))
    if n < 10:
        return n
    step = 10 if n < 1000 else 100
    return n // step * step


@dataclass(frozen=True)
class Figure:
    """One figure as the text shows it, with the exact value and where it comes from."""

    label: str  # what a reader calls it
    text: str  # as written in the block: 120余次, 5起, （无记录）
    exact: float | None  # the figure itself, None when there are no records
    unit: str
    key: str  # its path in `firestats figures`, e.g. incidents.by_type.火灾扑救


def _count(label: str, value: float | None, unit: str, key: str, approx: bool = False) -> Figure:
    if value is None:
        return Figure(label, NO_RECORDS, None, unit, key)
    shown = round_down(value)
    exact = f"{int(value)}" if float(value).is_integer() else f"{value:g}"
    text = f"{shown}余{unit}" if approx and shown != int(value) else f"{exact}{unit}"
    return Figure(label, text, value, unit, key)


# name in the template, what the text calls it, key in `firestats figures`, unit, written as "N余"
TEXT_FIGURES = (
    ("total", "接处警", "incidents.total", "起", False),
    ("fire", "火灾扑救", "incidents.by_type.火灾扑救", "起", False),
    ("rescue", "抢险救援", "incidents.by_type.抢险救援", "起", False),
    ("social", "社会救助", "incidents.by_type.社会救助", "起", False),
    ("rescued", "抢救被困人员", "people.rescued", "人", False),
    ("evacuated", "疏散被困人员", "people.evacuated", "人", False),
    ("drills", "实地演练", "activities.field_drills", "次", True),
    ("visits", "熟悉单位", "activities.unit_visits", "家次", True),
    ("water", "消防水源普查", "activities.water_source_surveys", "次", False),
    ("preplans", "修订完善灭火作战预案", "activities.preplans_revised", "份", False),
    ("special", "专项教育", "activities.special_education", "次", False),
    ("routine", "日常教育", "activities.routine_education", "次", False),
    ("party", "主题党日活动", "activities.party_days", "次", False),
    ("alcohol", "酒精测试", "activities.alcohol_tests", "次", False),
    ("drivers", "培训驾驶员", "activities.drivers_trained", "人", False),
    ("drones", "培训无人机飞手", "activities.drone_pilots_trained", "人", False),
    ("weekly", "周测", "assessments.tests.周测", "次", False),
    ("monthly", "月考", "assessments.tests.月考", "次", False),
    ("participants", "参加考核", "assessments.participants", "人", False),
)


def annual_figures(figures: dict[str, Any]) -> dict[str, Figure]:
    """Every figure the annual text needs, by the name the template uses."""
    def f(name: str, label: str, key: str, unit: str, approx: bool = False) -> tuple[str, Figure]:
        return name, _count(label, value_at(figures, key), unit, key, approx)

    has_incidents = figures["incidents"]["total"] > 0
    loss = figures["loss_averted_10k_yuan"] if has_incidents else None
    licences = value_at(figures, "activities.licences")
    b2 = None if licences is None else licences.get("B2", 0)
    entries = dict(f(*spec) for spec in TEXT_FIGURES)
    if not has_incidents:
        entries = {k: (Figure(v.label, NO_RECORDS, None, v.unit, v.key) if v.key.startswith(("incidents", "people"))
                       else v) for k, v in entries.items()}
    entries["loss"] = (Figure("挽回经济财产损失", NO_RECORDS, None, "万元", "loss_averted_10k_yuan") if loss is None
                       else Figure("挽回经济财产损失", _loss_text(loss), loss, "万元", "loss_averted_10k_yuan"))
    entries["b2"] = _count("取得B2车辆驾驶证", b2, "人", "activities.licences.B2")
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

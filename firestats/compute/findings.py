"""存在问题, from data: each rule reads figures, compares with a threshold from settings.yaml and,
where the data fall short, states a finding as a report sentence with its number and the rule's source.

Numbers are judged as written (a median shown as 5分00秒 is not over five minutes, a rate shown
as 90.0% is not below 90%); times are in 分 and 秒; months and hours of the day are separate findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from firestats.catalogue import field_word, languages, part_word
from firestats.compute.incidents import response_seconds
from firestats.compute.places import UNIDENTIFIED
from firestats.compute.response import NEEDS, segment_seconds
from firestats.settings import settings, within_seconds
from firestats.wording import duration, english_list, minutes, share

# The times response figures rest on: an export without one of them cannot have those figures.
_KEY_TIMES = ("dispatched_at", "arrived_at")


@dataclass(frozen=True)
class Finding:
    """One shortfall: the sentence a reader sees, the number behind it, and the rule that found it."""

    rule: str  # the rule's name in settings.yaml (never shown to a reader)
    text: str  # a report sentence, without its final 。
    value: float
    threshold: float
    source: str


def _as_written(share_: float) -> float:
    """A share as the sentence writes it (to 0.1%): 0.8999 is 90.0%, not below 90%."""
    return round(share_, 3)


def _rule(name: str) -> dict[str, Any]:
    return settings()["findings"][name]


def _example(rule: dict[str, Any]) -> str:
    """（示例） after a threshold the unit has not set: the shipped example is no unit's standard."""
    return "（示例）" if rule.get("example") else ""


def weakest_item(figures: dict[str, Any], rule: dict[str, Any] | None = None) -> Finding | None:
    """The item with the lowest pass rate, when that rate is below the rule's (a share 0..1)."""
    rule = rule or _rule("weakest_item")
    a = figures.get("assessments")
    if not a or not a["weakest_items"]:
        return None
    item = a["weakest_items"][0]
    rate = a["by_item"][item]["pass_rate"]
    if _as_written(rate) >= rule["below_pass_rate"]:
        return None
    return Finding("weakest_item", f"训练成绩有待进一步提高，{item}及格率为{share(rate)}，"
                   f"低于{rule['below_pass_rate']:.0%}{_example(rule)}"
                   f"（有效成绩{a['by_item'][item]['n']}项次）", rate, rule["below_pass_rate"], rule["source"])


def beyond_5min(figures: dict[str, Any], rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents reached later than the arrival threshold after dispatch, when above the rule's."""
    rule = rule or _rule("beyond_5min")
    d2a = figures["response"]["dispatch_to_arrival"]
    if d2a["within_share"] is None:
        return None
    beyond = 1 - d2a["within_share"]
    if _as_written(beyond) <= rule["above_share"]:
        return None
    late = round(beyond * d2a["n"])
    return Finding("beyond_5min", f"出动后超过{minutes(within_seconds())}到场的警情占{share(beyond)}"
                   f"（有出动和到场时间的{d2a['n']}起中有{late}起），"
                   f"高于{rule['above_share']:.0%}的关注线{_example(rule)}", beyond, rule["above_share"],
                   rule["source"])


def slow_place(figures: dict[str, Any], rule: dict[str, Any] | None = None, least: int | None = None) -> Finding | None:
    """The place (of at least ``least`` timed incidents, default the slow periods' minimum) with the largest share
    reached later than the arrival threshold after dispatch, when that share is above the beyond_5min rule's: GB
    51080 states the 5-minute rule to the edge of a station's area, so the far places are where it fails first."""
    rule = rule or _rule("beyond_5min")
    least = least or _rule("slow_periods")["min_n"]
    held = [(1 - v["within_share"], place, v["timed"]) for place, v in (figures.get("places") or {}).get(
        "districts", {}).items() if v["within_share"] is not None and v["timed"] >= least and place != UNIDENTIFIED]
    if not held:
        return None
    beyond, place, n = max(held)
    if _as_written(beyond) <= rule["above_share"]:
        return None
    return Finding("slow_place", f"{place}出动后超过{minutes(within_seconds())}到场的警情占{share(beyond)}，"
                   f"为辖区各区域中最高（该区域有接警至到场时间的{n}起），高于{rule['above_share']:.0%}的关注线{_example(rule)}",
                   beyond, rule["above_share"], rule["source"])


def _slow(incidents: pd.DataFrame, rule: dict[str, Any], unit: str) -> list[tuple[int, float]]:
    """(month or hour, median seconds) of the groups with enough incidents whose median, as written, is over."""
    seconds = response_seconds(incidents)["dispatch_to_arrival"].dropna()
    when = incidents.loc[seconds.index, "received_at"]
    grouped = seconds.groupby((when.dt.month if unit == "月" else when.dt.hour).to_numpy())
    medians = grouped.median()[grouped.size() >= rule["min_n"]]
    return [(int(k), float(v)) for k, v in medians.items() if round(v) > rule["median_above_seconds"]]  # as written


def slow_months(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The months whose median dispatch-to-arrival is over the rule's seconds."""
    return _slow_finding(incidents, rule or _rule("slow_periods"), "月", "slow_months", "{k}月")


def slow_hours(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The hours of the day (by time received) whose median dispatch-to-arrival is over the rule's seconds."""
    return _slow_finding(incidents, rule or _rule("slow_periods"), "时", "slow_hours", "{k}时")


def _slow_finding(incidents: pd.DataFrame, rule: dict[str, Any], unit: str, name: str, label: str) -> Finding | None:
    slow = _slow(incidents, rule, unit)
    if not slow:
        return None
    which = "、".join(label.format(k=k) for k, _ in slow)
    each = "、".join(duration(v) for _, v in slow)
    lead = "" if unit == "月" else "接警时段为"
    return Finding(name, f"{lead}{which}的警情出动至到场用时中位数超过{minutes(rule['median_above_seconds'])}"
                   f"（{'依次为' if len(slow) > 1 else '为'}{each}）", float(len(slow)), rule["median_above_seconds"],
                   rule["source"])


def turnout(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents whose first vehicle left more than the rule's seconds after the turnout order."""
    rule = rule or _rule("turnout")
    seconds = segment_seconds(incidents)["turnout"].dropna()
    if seconds.empty:
        return None
    late = float((seconds > rule["above_seconds"]).mean())
    if _as_written(late) <= rule["above_share"]:
        return None
    return Finding("turnout", f"接到出动指令至第一辆车出库超过{minutes(rule['above_seconds'])}的警情占{share(late)}"
                   f"（有出库时间的{len(seconds)}起中），高于{rule['above_share']:.0%}{_example(rule)}", late,
                   rule["above_share"],
                   rule["source"])


def missing_times(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents missing a dispatch or arrival time the export records, when above the rule's (a
    time no incident has is the export's gap: ``data_notes`` say it, not a finding)."""
    rule = rule or _rule("missing_times")
    recorded = [c for c in _KEY_TIMES if incidents[c].notna().any()]
    if incidents.empty or not recorded:
        return None
    missing = float(incidents[recorded].isna().any(axis=1).mean())
    if _as_written(missing) <= rule["above_share"]:
        return None
    return Finding("missing_times", f"{share(missing)}的警情缺少出动或到场时间（共{len(incidents)}起），"
                   f"高于{rule['above_share']:.0%}{_example(rule)}，响应时间统计的代表性不足", missing,
                   rule["above_share"],
                   rule["source"])


def data_notes(incidents: pd.DataFrame, language: str = "zh") -> list[str]:
    """数据说明 (data notes), in ``language``: the key times the export has no column for (no incident of the period
    has one) and the response segments that cannot be computed without them. What the export lacks is never the
    station's shortcoming, so it is said here and never among the findings."""
    absent = [c for c in _KEY_TIMES if not incidents.empty and incidents[c].isna().all()]
    if not absent:
        return []
    lost = [name for name, needs in NEEDS.items() if set(needs) & set(absent)]
    if language == languages()[0]:
        return [f"导出的警情记录没有{'、'.join(field_word(c) for c in absent)}（共{len(incidents)}起均无此列），"
                f"{'、'.join(part_word(s) for s in lost)}用时无法统计"]
    segments = [part_word(s, language).lower() for s in lost]  # inside a sentence
    return [f"The export has no {' or '.join(field_word(c, language) for c in absent)} for its {len(incidents)} "
            f"incidents; {english_list(segments)} {'is' if len(segments) == 1 else 'are'} not computed"]


def all_findings(figures: dict[str, Any], incidents: pd.DataFrame) -> list[Finding]:
    """Every rule's finding for a station's year, in report order."""
    found = [weakest_item(figures), beyond_5min(figures), slow_place(figures), slow_months(incidents),
             slow_hours(incidents), turnout(incidents), missing_times(incidents)]
    return [f for f in found if f is not None]

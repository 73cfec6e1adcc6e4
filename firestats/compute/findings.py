"""存在问题, from data: each rule reads figures, compares with a threshold from settings.yaml and,
where the data fall short, states a finding with its number, the rule and the rule's source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from firestats.compute.incidents import response_seconds
from firestats.settings import settings, within_seconds


@dataclass(frozen=True)
class Finding:
    """One shortfall: what was found, the number behind it, and the rule that found it."""

    rule: str
    text: str  # the sentence a report reader sees
    value: float
    threshold: float
    source: str


def _rule(name: str) -> dict[str, Any]:
    return settings()["findings"][name]


def weakest_item(figures: dict[str, Any], rule: dict[str, Any] | None = None) -> Finding | None:
    """The item with the lowest pass rate, when that rate is below the rule's (a share 0..1)."""
    rule = rule or _rule("weakest_item")
    a = figures.get("assessments")
    if not a or not a["weakest_items"]:
        return None
    item = a["weakest_items"][0]
    rate = a["by_item"][item]["pass_rate"]
    if rate >= rule["below_pass_rate"]:
        return None
    return Finding("weakest_item", f"训练成绩有待提高：{item}及格率{rate:.1%}，低于{rule['below_pass_rate']:.0%}"
                   f"（有效成绩{a['by_item'][item]['n']}项次）。", rate, rule["below_pass_rate"], rule["source"])


def beyond_5min(figures: dict[str, Any], rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents reached later than the arrival threshold after dispatch, when above the rule's."""
    rule = rule or _rule("beyond_5min")
    d2a = figures["response"]["dispatch_to_arrival"]
    if d2a["within_5min_share"] is None:
        return None
    beyond = 1 - d2a["within_5min_share"]
    if beyond <= rule["above_share"]:
        return None
    return Finding("beyond_5min", f"出动至到场超过{within_seconds() / 60:g}分钟的警情占{beyond:.1%}（n={d2a['n']}），"
                   f"高于{rule['above_share']:.0%}的关注线。", beyond, rule["above_share"], rule["source"])


def slow_periods(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """Months and hours of the day whose median dispatch-to-arrival exceeds the rule's seconds."""
    rule = rule or _rule("slow_periods")
    seconds = response_seconds(incidents)["dispatch_to_arrival"].dropna()
    when = incidents.loc[seconds.index, "received_at"]
    slow = []
    for label, key in (("月", when.dt.month), ("时", when.dt.hour)):
        grouped = seconds.groupby(key.to_numpy())
        medians = grouped.median()[grouped.size() >= rule["min_n"]]
        slow += [f"{k}{label}（中位数{v / 60:.1f}分钟）" for k, v in medians.items()
                 if v > rule["median_above_seconds"]]
    if not slow:
        return None
    return Finding("slow_periods", f"以下时段出动至到场中位数超过{rule['median_above_seconds'] / 60:g}分钟："
                   + "、".join(slow) + "。", float(len(slow)), rule["median_above_seconds"], rule["source"])


def turnout(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents whose first vehicle left more than the rule's seconds after the turnout order."""
    rule = rule or _rule("turnout")
    seconds = (incidents["departed_at"] - incidents["dispatched_at"]).dt.total_seconds().dropna()
    seconds = seconds[seconds >= 0]
    if seconds.empty:
        return None
    share = float((seconds > rule["above_seconds"]).mean())
    if share <= rule["above_share"]:
        return None
    return Finding("turnout", f"接警出动（出动指令至出车）超过{rule['above_seconds']:g}秒的警情占{share:.1%}"
                   f"（n={len(seconds)}），高于{rule['above_share']:.0%}。", share, rule["above_share"], rule["source"])


def missing_times(incidents: pd.DataFrame, rule: dict[str, Any] | None = None) -> Finding | None:
    """The share of incidents missing their dispatch or arrival time, when above the rule's."""
    rule = rule or _rule("missing_times")
    if incidents.empty:
        return None
    share = float((incidents["dispatched_at"].isna() | incidents["arrived_at"].isna()).mean())
    if share <= rule["above_share"]:
        return None
    return Finding("missing_times", f"{share:.1%}的警情缺少出动或到场时间（共{len(incidents)}起），"
                   f"高于{rule['above_share']:.0%}，响应时间统计的代表性不足。", share, rule["above_share"],
                   rule["source"])


def all_findings(figures: dict[str, Any], incidents: pd.DataFrame) -> list[Finding]:
    """Every rule's finding for a station's year, in report order."""
    found = [weakest_item(figures), beyond_5min(figures), slow_periods(incidents), turnout(incidents),
             missing_times(incidents)]
    return [f for f in found if f is not None]

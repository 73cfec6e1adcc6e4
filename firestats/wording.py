"""How a number is written for a reader (4分32秒, 12.3%, +5起, 120余次, or why it is not shown), and how a
report is titled."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from firestats.settings import min_percentile_n, settings

if TYPE_CHECKING:
    from firestats.periods import Period

NO_RECORDS = "（无记录）"


def english_list(words: list[str]) -> str:
    """Words as an English list: a; a and b; a, b and c."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def is_missing(value: Any) -> bool:
    """True for None and NaN: a figure with nothing behind it."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float) -> str:
    """A number as plainly as it can be written: 12, 12.5 (no trailing .0)."""
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


def share(value: float | None) -> str:
    """A fraction 0..1 as a percentage to one decimal (0.123 -> 12.3%); a dash when missing."""
    return "—" if value is None else f"{value:.1%}"


def duration(seconds: float | None) -> str:
    """Seconds as 分 and 秒 for a reader (272 -> 4分32秒); a dash when missing."""
    if is_missing(seconds):
        return "—"
    whole = int(round(seconds))
    return f"{whole // 60}分{whole % 60:02d}秒"


def minutes(seconds: float) -> str:
    """A threshold in seconds as a reader says it: whole minutes in 分钟 (60 -> 1分钟), else 分秒 (90 -> 1分30秒)."""
    return f"{int(seconds) // 60}分钟" if seconds % 60 == 0 else duration(seconds)


def percentile(seconds: float | None, n: int) -> str:
    """A percentile for a reader, or why it is withheld: below the settings' n it is not stable."""
    least = min_percentile_n()
    if n < least:
        return f"样本不足（n={n}<{least}），不计算"
    return duration(seconds)


def points(value: float | None) -> str:
    """Mean points to one decimal, so a column of them lines up (the exports keep them exact)."""
    return "—" if value is None else f"{value:.1f}"


def value_in(value: float | None, unit: str) -> str:
    """A figure in its unit: 12.3% for a share, 4分32秒 for seconds, 12起 otherwise; a dash when missing."""
    if value is None:
        return "—"
    if unit == "比例":
        return f"{value:.1%}"
    if unit == "秒":
        return duration(value)
    return f"{number(round(value, 2))}{unit}"


def change_in(change: float | None, unit: str) -> str:
    """A change in a figure: +1.5个百分点 for a share, +12秒, +5起; a dash when missing."""
    if change is None:
        return "—"
    if unit == "比例":
        return f"{change * 100:+.1f}个百分点"
    return f"{change:+.0f}秒" if unit == "秒" else f"{round(change, 2):+g}{unit}"


def round_down(value: float) -> int:
    """The round figure a "余" wording uses: under 10 exact, under 1000 to tens, else to hundreds."""
    n = int(math.floor(value))
    if n < 10:
        return n
    step = 10 if n < 1000 else 100
    return n // step * step


def report_title(station_name: str, period: Period) -> str:
    """A station report's title, on its page and in the browser's tab: 城东消防救援站 2024年第三季度工作数据分析."""
    return f"{station_name} {period.title}工作数据分析"


def overview_title(period: Period) -> str:
    """The detachment overview's title, on its page and in the browser's tab: 支队 2024年第三季度各站对比, the
    detachment's own name in the unit's settings."""
    return f"{settings()['unit']['detachment'] or '支队'} {period.title}各站对比"

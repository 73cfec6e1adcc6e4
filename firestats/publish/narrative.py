"""The figures of the annual report's text (年度数据), each as the text writes it beside its exact value.

Wording follows ``annual-report-2021.txt``: "余" figures (the catalogue's ``approx``) round down
to a round number (123 -> 120余次) while the exact figure is kept beside them; a figure with no
records behind it says so instead of printing 0. The sentences are ``annual``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

from firestats.catalogue import Entry, catalogue, languages, shown_in, unit_of, unit_word
from firestats.compute.compare import value_at
from firestats.periods import Period
from firestats.privacy import redact
from firestats.settings import min_percentile_n, settings
from firestats.wording import NO_RECORDS, duration, number, round_down, share


@dataclass(frozen=True)
class Figure:
    """One figure as the text shows it, with the exact value and where it comes from."""

    label: str  # the catalogue's term
    text: str  # as written in the block: 120余次, 5起, （无记录）
    exact: float | None  # the figure itself, None when there are no records
    unit: str
    key: str  # its path in `firestats figures`, e.g. incidents.by_type.火灾扑救


def written(key: str, value: float | None) -> str:
    """A figure as the report writes it: 120余次, 673万余元, 67.9%, 7分34秒; （无记录） when there is none."""
    if value is None:
        return NO_RECORDS
    unit = unit_of(key)
    if unit == "比例":
        return share(value)
    if unit == "秒":
        return duration(value)
    if key == LOSS:
        return _loss_text(value)
    known = catalogue().get(key)
    approx = known and known.approx and value >= settings()["wording"]["approx_from"]  # smaller figures exact
    if approx and round_down(value) != int(value):
        return f"{round_down(value)}余{unit}"
    return f"{number(value)}{unit}"


def written_in(key: str, value: float | None, language: str) -> str:
    """A figure as a report in ``language`` writes it: Chinese as :func:`written`; English exact, with its unit
    after it (1,331 vehicles, 74.2%, 5 min 12 s); "" when there is none (an English sentence leaves it out)."""
    if language == languages()[0]:
        return written(key, value)
    if value is None:
        return ""
    unit = unit_of(key)
    if unit == "比例":
        return share(value)
    if unit == "秒":
        whole = int(round(value))
        return f"{whole // 60} min {whole % 60:02d} s"
    written_ = f"{int(value):,}" if float(value).is_integer() else f"{value:,g}"
    return f"{written_} {unit_word(unit, language)}"


def _count(e: Entry, value: float | None) -> Figure:
    return Figure(e.term, written(e.key, value), value, e.unit, e.key)


LOSS = "loss_averted_10k_yuan"
# The groups of figures counted from the incident records: a period without incidents has none on record, not 0.
FROM_INCIDENTS = ("incidents", "people", "resources", LOSS)


def text_value(figures: dict[str, Any], key: str) -> float | None:
    """A figure as the text counts it: None where its group has no records (a figure of the incident records in a
    period without incidents too); 0 where a group that has records lacks it (a licence kind nobody took)."""
    *path, last = key.split(".")
    if key.split(".")[0] in FROM_INCIDENTS and not figures["incidents"]["total"]:
        return None
    group = value_at(figures, ".".join(path)) if path else figures
    return group.get(last, 0) if isinstance(group, dict) else None


def annual_figures(figures: dict[str, Any]) -> dict[str, Figure]:
    """Every figure the annual text needs (the catalogue's ``text`` view), by the name the template uses."""
    return {e.shown["text"].name: _count(e, text_value(figures, e.key)) for e in shown_in("text")}


def _loss_text(loss: float) -> str:
    if loss < 1:
        return f"{loss:g}万元"
    return f"{math.floor(loss)}万余元" if loss != math.floor(loss) else f"{loss:g}万元"


def bulletin_paragraph(figures: dict[str, Any], period: Period, station_name: str) -> str:
    """The 通报 paragraph of a half, quarter or month, identity and phone numbers hidden: the period's dates,
    then each figure of the catalogue's ``bulletin`` view after its words, written as the report writes it
    (（无记录） where no record is behind it, also for the incidents of a period without any; a count of 0 and a
    median withheld below the minimum n left out)."""
    d2a = figures["response"]["dispatch_to_arrival"]
    said = []
    for e in shown_in("bulletin"):
        key, words = e.key, e.shown["bulletin"].words
        value = value_at(figures, key)
        if key == "incidents.total" and not value:  # a period without incidents has none on record, not 0
            value = None
        withheld = key.startswith("response.") and d2a["n"] < min_percentile_n()
        if not withheld and (value is None or value):
            said.append(f"{words}{written(key, value)}")
    by_type = "、".join(f"{t}{n}起" for t, n in figures["incidents"]["by_type"].items() if n)
    if by_type:
        said.insert(1, f"其中{by_type}")
    return redact(f"{period.dates}，{station_name}{period.words}{'，'.join(said)}。")


def bulletin(figures: dict[str, Any], period: Period, station_name: str, language: str = "zh") -> str:
    """The 通报 paragraph as the station page shows it, in HTML (none for a year, whose 年度数据 block says it, nor
    for an English station, whose summary's paragraphs say it in English)."""
    if period.kind == "year" or language != languages()[0]:
        return ""
    return f'<div class="fs-block"><p>{escape(bulletin_paragraph(figures, period, station_name))}</p></div>'


def bulletin_title(period: Period, station_name: str, level: bool = False) -> str:
    """The title of a period's 通报 text, naming the station and the dates: 城东消防救援站2024年3月工作通报
    （2024年3月1日至3月31日）; a ``level``'s (支队, 大队) is its 警情通报."""
    return redact(f"{station_name}{period.name}{'警情' if level else '工作'}通报（{period.dates}）")

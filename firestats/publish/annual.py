"""The annual work report's text (年度工作总结) from a template of sentences and a station's published figures.

The template (``firestats/data/annual_report.yaml``, or a unit's own) holds the wording; this
module fills it: every figure as the report writes it, a clause left out where its figure is
zero or has no records, and 【请填写：…】 only where the data cannot speak.
Pure text work on plain data, so the report process builds the Word draft without pandas.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from firestats.catalogue import languages, term
from firestats.compute.compare import n_of, value_at
from firestats.errors import InputError
from firestats.periods import Period, days_written
from firestats.publish.narrative import annual_figures, text_value, written, written_in
from firestats.schema import UNIDENTIFIED_PLACE as UNIDENTIFIED
from firestats.settings import min_percentile_n, settings, within_seconds
from firestats.wording import NO_RECORDS, english_list, share

DEFAULT_TEMPLATE = "annual_report.yaml"
BULLETIN_TEMPLATE = "bulletin_report.yaml"  # a quarter's or a month's 通报
# A level's (支队, 大队) own drafts: the year's or a half's work report, a quarter's or a month's 警情通报.
LEVEL_TEMPLATES = {False: "level_report.yaml", True: "level_bulletin.yaml"}
SUMMARY_TEMPLATES = {"en": "summary_report_en.yaml"}  # an English station's summary, of any period
BULLETIN_KINDS = ("quarter", "month")
BLOCK_KINDS = ("salutation", "heading1", "heading2", "paragraph", "findings", "notes", "signature", "date")
_PUNCTUATION = {"clause": "，", "stop": "。", "between": ""}  # a template's own, or Chinese
ORDINALS = "一二三四五六七八九十"
_ZERO, _NONE = "zero", "none"  # states of a placeholder besides having a value


@dataclass(frozen=True)
class Block:
    """One block of the draft: its kind (title, salutation, heading1, heading2, paragraph, signature, date) and
    text."""

    kind: str
    text: str
    data: bool = False  # a paragraph of figures: also part of the 年度数据 block


@dataclass(frozen=True)
class Value:
    """A placeholder's text as the report writes it, and whether it is zero or has no records."""

    text: str
    state: str = "value"


@cache
def _shipped(name: str = DEFAULT_TEMPLATE) -> dict[str, Any]:
    return yaml.safe_load(resources.files("firestats").joinpath(f"data/{name}").read_text("utf-8"))


def load_template(path: Path | str | None = None, period: Period | None = None, language: str = "zh",
                  level: bool = False) -> dict[str, Any]:
    """The template of a period's draft: an English station's summary (``language`` en, the shipped one), a
    ``level``'s (支队, 大队) report or 警情通报 (the shipped ones), a quarter's or a month's 通报 (the shipped one),
    else a year's or a half's work report, the unit's own by ``path`` or the shipped one; a template that cannot be
    used is refused naming its key."""
    if language != languages()[0]:
        return _shipped(SUMMARY_TEMPLATES[language])
    if level:
        return _shipped(LEVEL_TEMPLATES[period is not None and period.kind in BULLETIN_KINDS])
    if period is not None and period.kind in BULLETIN_KINDS:
        return _shipped(BULLETIN_TEMPLATE)
    if path is None:
        return _shipped()
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable report template ({type(exc).__name__})") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("title"), str) or not isinstance(spec.get("blocks"), list):
        raise InputError(f"{path}: a report template needs `title` (text) and `blocks` (a list)")
    for number, block in enumerate(spec["blocks"], start=1):
        if not isinstance(block, dict) or len(block) != 1 or next(iter(block)) not in BLOCK_KINDS:
            raise InputError(f"{path}: blocks[{number}]: one of {', '.join(BLOCK_KINDS)} expected")
    rules = _shipped()["lists"]
    lists = spec.get("lists", rules)
    if not isinstance(lists, dict) or set(lists) != set(rules) or not all(isinstance(v, str) for v in lists.values()):
        raise InputError(f"{path}: lists: a mapping of {', '.join(rules)} (texts) expected")
    return spec


def document_name(station_name: str, period: Period, language: str = "zh", level: bool = False) -> str:
    """What a period's draft is called: 城东消防救援站2024年度工作总结, …2024年第三季度工作通报 (a ``level``'s
    …警情通报); Soho — Annual Summary 2023."""
    if language != languages()[0]:
        template = load_template(language=language)
        named = _period_words(template["periods"], period, None) | {"station_name": Value(station_name)}
        return _fill(template["title"], named)[0]
    bulletin = "警情通报" if level else "工作通报"
    return f"{station_name}{period.title}{bulletin if period.kind in BULLETIN_KINDS else '工作总结'}"


def values(publication: dict[str, Any], period: Period, lists: dict[str, str] | None = None) -> dict[str, Value]:
    """Every placeholder a template may use, filled from what a report of ``period`` published (a half's draft is
    the year's, said of the half); ``lists`` how a list is written (the template's, default the shipped)."""
    lists = lists or _shipped()["lists"]
    figures = publication["figures"]
    year = period.year
    covered = publication.get("coverage") or {"whole": True}
    # Records that stop short of the period speak only of their own days: 截至 their last, never the period's.
    span = None if covered["whole"] else days_written(*(dt.date.fromisoformat(covered[k]) for k in ("from", "to")))
    last_day = period.last_day if covered["whole"] else dt.date.fromisoformat(covered["to"])
    end = f"{last_day.year}年{last_day.month}月{last_day.day}日"
    out = {name: _figure(f.text, f.exact) for name, f in annual_figures(figures).items()}
    activities = figures.get("activities") or {}
    unit = settings()["unit"]
    out |= {
        "station_name": Value(publication["station_name"]),
        "salutation": Value(f"{unit['recipient']}：" if unit["recipient"] else unit["salutation"]),
        "signatory": Value(unit["signatory"] or "【请填写：落款单位】"),
        "issued": Value(unit["issued"] or "【请填写：成文日期】"),
        "year": Value(str(year)),
        "next_year": Value(str(year + 1)),
        "period_end": Value(end),
        "period_name": Value(period.title),
        "period_called": Value(period.name),
        "period_dates": Value(span or period.dates),
        # 截至 a day counts from 1 January: a second half's or a later part's own incidents say their dates.
        "upto": Value(f"截至{end}" if period.first_month == 1 else span or period.dates),
        "next_span": Value("下半年" if (period.kind, period.index) == ("half", 1) else
                           f"{year + 1}年" if period.kind in ("year", "half") else period.following().name),
        "compared": _compared(publication.get("compared") or []),
        "year_to_date": _year_to_date(publication.get("year_to_date")),
        "trend": _trend(publication.get("trend") or []),
        "span": Value(span or period.words),
        "period_span": Value(span or (f"{year}年全年" if period.kind == "year" else period.name)),
        "awards": _listed([a["content"] for a in activities.get("awards") or []], lists),
        "competitions": _listed([c["content"] for c in activities.get("competitions") or []], lists),
        "notable": _listed(publication.get("notable") or [], lists),
        "licences": _licences(activities.get("licences"), publication.get("licence_names") or {}),
        "by_type": _by_type(figures["incidents"]["by_type"]),
        "rates": _rates(figures.get("assessments")),
    } | _places(figures.get("places")) | _members(publication.get("members"))
    if publication.get("members") and not publication["station_name"].startswith("【"):
        out["signatory"] = Value(publication["station_name"])  # a level signs with its own name, not a station's
    return out


def english_values(template: dict[str, Any], publication: dict[str, Any], period: Period) -> dict[str, Value]:
    """Every placeholder of an English summary (``summary_report_en.yaml``): the template's ``figures`` written in
    English (306 incidents, 74.2%, 5 min 12 s; a median or percentile below the minimum n has none), the period's
    words, and the incidents' breakdown."""
    figures = publication["figures"]
    out = {name: _english_figure(figures, key, template["language"]) for name, key in template["figures"].items()}
    return out | _period_words(template["periods"], period, publication.get("coverage")) | {
        "station_name": Value(publication["station_name"]),
        "within_minutes": Value(f"{within_seconds() / 60:g}"),
        "by_type": _by_type(figures["incidents"]["by_type"], template["language"]),
    } | _places(figures.get("places"), template["language"])


def _period_words(words: dict[str, Any], period: Period, covered: dict[str, Any] | None) -> dict[str, Value]:
    """{title} and {during} of an English summary: Annual Summary 2023, In Q3 2024; From 1 January to 23 April
    2025 where the records stop short of the period."""
    named = {"year": period.year, "index": period.index,
             "half": words["halves"][period.index - 1] if period.kind == "half" else "",
             "month": words["months"][period.index - 1] if period.kind == "month" else ""}
    during = words["during"][period.kind].format(**named)
    if covered and not covered["whole"]:
        first, last = (dt.date.fromisoformat(covered[k]) for k in ("from", "to"))
        during = words["during"]["covered"].format(**{k: f"{d.day} {words['months'][d.month - 1]} {d.year}"
                                                      for k, d in (("first", first), ("last", last))})
    return {"title": Value(words["title"][period.kind].format(**named)), "during": Value(during)}


def _english_figure(figures: dict[str, Any], key: str, language: str) -> Value:
    """A figure as a summary in ``language`` writes it; none where it has no records, or is a median or percentile
    withheld below the minimum n (as the page withholds it)."""
    value = text_value(figures, key)
    if key.endswith(("median_s", "p90_s")) and (value_at(figures, n_of(key)) or 0) < min_percentile_n():
        value = None
    return _figure(written_in(key, value, language), value)


def _figure(text: str, exact: float | None) -> Value:
    if exact is None:
        return Value(NO_RECORDS, _NONE)
    return Value(text, _ZERO if exact == 0 else "value")


def _listed(items: list[str], lists: dict[str, str]) -> Value:
    """Items as a report lists them: each once, in order, one given again with its count (青年文明号×2), and
    the template's word for more (等) after two or more."""
    counted = Counter(items)
    named = [item + (lists["repeated"].format(n=n) if n > 1 else "") for item, n in counted.items()]
    more = lists["more"] if len(named) > 1 else ""
    return Value(lists["separator"].join(named) + more, "value" if named else _ZERO)


def _compared(compared: list[dict[str, Any]]) -> Value:
    """The incidents against other periods (同比, 环比) with records: 同比增加21起（2023年第三季度150起）."""
    said = []
    for other in compared:
        if other["total"] is None:
            continue
        change = other["this"] - other["total"]
        how = "持平" if change == 0 else f"{'增加' if change > 0 else '减少'}{abs(change)}起"
        said.append(f"{other['kind']}{how}（{other['name']}{other['total']}起）")
    return Value(f"接处警{'，'.join(said)}" if said else "", "value" if said else _ZERO)


_NUMBERS = dict(enumerate("零一二三四五六七八九十"))  # 近三年, as a report writes a small count of years


def _trend(moves: list[dict[str, Any]]) -> Value:
    """The trend sentence (see ``trend_sentence``); none where nothing moved one way (two years make no trend)."""
    said = trend_sentence(moves)
    return Value(said, "value" if said else _ZERO)


def trend_sentence(moves: list[dict[str, Any]]) -> str:
    """The figures that moved one way three years or more, each with its years: 近三年接处警总数连续上升（2023年555起、
    2024年607起、2025年653起）; "" where none did."""
    said = []
    for move in moves:
        years = "、".join(f"{year}年{written(move['key'], value)}" for year, value in move["years"].items())
        said.append(f"近{_NUMBERS[abs(move['moved'])]}年{move['term']}连续{'上升' if move['moved'] > 0 else '下降'}"
                    f"（{years}）")
    return "；".join(said)


def _year_to_date(ytd: dict[str, Any] | None) -> Value:
    """The year's incidents up to the period's end (1—9月累计接处警452起); none for a period that starts the year."""
    if not ytd:
        return Value("", _ZERO)
    return Value(f"{ytd['months']}累计接处警{ytd['total']}起")


def _by_type(by_type: dict[str, int | None], language: str = "zh") -> Value:
    """其中 (of which) and every type with incidents, in the figures' order (虚假警 and 其他 too): the parts add up
    to the total."""
    held = {f"incidents.by_type.{kind}": n for kind, n in by_type.items() if n}
    if language == languages()[0]:
        text = "其中" + "、".join(f"{term(key)}{written(key, n)}" for key, n in held.items())
    else:
        text = "of which " + english_list([f"{term(key, language).lower()} {n:,}" for key, n in held.items()])
    return Value(text if held else "", "value" if held else _ZERO)


def _places(places: dict[str, Any] | None, language: str = "zh") -> dict[str, Value]:
    """{busiest_place}: the place with the most incidents, its count and share (东湖街道警情最多（211起，占35.0%）);
    {fastest_growing}: the one whose incidents grew most on the same period a year earlier, among places with at
    least the settings' minimum n (新港镇同比增长最快（+23.4%）): a place of three incidents grows by leaps. Either is
    left out without such a place (未识别 is none)."""
    named = {place: v for place, v in ((places or {}).get("districts") or {}).items() if place != UNIDENTIFIED}
    chinese = language == languages()[0]
    busiest = next(iter(named.items()), None)
    grown = [(v["year_on_year"], place) for place, v in named.items()
             if v["year_on_year"] is not None and v["year_on_year"] > 0 and v["incidents"] >= min_percentile_n()]
    out = {"busiest_place": Value("", _ZERO), "fastest_growing": Value("", _ZERO)}
    if busiest:
        place, v = busiest
        out["busiest_place"] = Value(f"{place}警情最多（{v['incidents']}起，占{share(v['share'])}）" if chinese else
                                     f"{place} had the most incidents ({v['incidents']:,}, {share(v['share'])})")
    if grown:
        change, place = max(grown)
        out["fastest_growing"] = Value(f"{place}同比增长最快（{change:+.1%}）" if chinese else
                                       f"{place} grew fastest on a year earlier ({change:+.1%})")
    return out


def _members(members: dict[str, Any] | None) -> dict[str, Value]:
    """A level's draft: {members} how many stations its records are of (12个消防救援站); {busiest_station} the one
    with the most incidents, with its count and share (城东站接处警最多（211起，占35.0%）); {moved_most} the stations
    whose incidents rose and fell most on the same period a year earlier, by count (城南站同比增加最多（+23起），
    城西站同比减少最多（-10起））. Each is left out where it has nothing to say (a station's draft)."""
    rows = (members or {}).get("stations") or []
    out = {"members": Value("", _ZERO), "busiest_station": Value("", _ZERO), "moved_most": Value("", _ZERO)}
    if not rows:
        return out
    out["members"] = Value(f"{len(rows)}个消防救援站")
    busiest = max(rows, key=lambda r: r["incidents"])
    out["busiest_station"] = Value(f"{busiest['station']}接处警最多（{busiest['incidents']}起，"
                                   f"占{share(busiest['share'])}）")
    changes = [(r["incidents"] - r["last"], r["station"]) for r in rows if r["last"] is not None]
    said = [f"{station}同比{word}最多（{change:+d}起）" for (change, station), word in
            ((max(changes, default=(0, "")), "增加"), (min(changes, default=(0, "")), "减少"))
            if change and (change > 0) == (word == "增加")]
    out["moved_most"] = Value("，".join(said), "value" if said else _ZERO)
    return out


def _licences(licences: dict[str, int] | None, names: dict[str, str]) -> Value:
    held = [f"{n}人取得{names.get(kind, kind)}" for kind, n in (licences or {}).items() if n]
    return Value("，".join(held), "value" if held else _ZERO)


def _rates(assessments: dict[str, Any] | None) -> Value:
    overall = (assessments or {}).get("overall") or {}
    if overall.get("pass_rate") is None:
        return Value("", _ZERO)
    table = assessments["score_table"]
    note = "（按示例评分表计算）" if not table["official"] else f"（按{table['title']}计算）"
    return Value(f"总体及格率{share(overall['pass_rate'])}、优秀率{share(overall['excellent_rate'])}{note}")


def _fill(text: str, filled: dict[str, Value]) -> tuple[str, set[str]]:
    """The text with its placeholders filled, and the states of the figures it holds."""
    names = [part.split("}", 1)[0] for part in text.split("{")[1:]]
    unknown = [n for n in names if n not in filled]
    if unknown:
        raise InputError(f"report template: unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(filled))}")
    return text.format_map({n: filled[n].text for n in names}), {filled[n].state for n in names}


def sentence(clauses: str | list[str], filled: dict[str, Value], punctuation: dict[str, str] | None = None) -> str:
    """One sentence: its clauses filled and joined by "，", a clause whose figure is zero or has no records left
    out (prose boasts of no practice it has no records of; （无记录） is for tables, the workbook and JSON), and
    "" when its first clause is left out or no figure is left; joined and ended by the template's ``punctuation``
    (default Chinese)."""
    marks = punctuation or _PUNCTUATION
    parts = [clauses] if isinstance(clauses, str) else list(clauses)
    done = [_fill(clause, filled) for clause in parts]
    silent = {_ZERO, _NONE}
    if silent & done[0][1]:
        return ""
    kept = [(text, states) for text, states in done if not silent & states]
    if not any(states for _, states in kept) and any(states for _, states in done):
        return ""
    joined = marks["clause"].join(text for text, _ in kept if text)
    return joined if joined.endswith(("。", "：", "！", "】", marks["stop"])) else joined + marks["stop"]


def draft(template: dict[str, Any], publication: dict[str, Any], period: Period) -> list[Block]:
    """The report of ``period`` as blocks: title, salutation, headings and paragraphs, every figure filled."""
    english = template.get("language", languages()[0]) != languages()[0]
    filled = (english_values(template, publication, period) if english
              else values(publication, period, template.get("lists")))
    marks = template.get("punctuation") or _PUNCTUATION
    blocks = [Block("title", _fill(template["title"], filled)[0])]
    for spec in template["blocks"]:
        kind, body = next(iter(spec.items()))
        if kind == "paragraph":
            data = isinstance(body, dict) and bool(body.get("data"))
            sentences = body["sentences"] if isinstance(body, dict) else body
            text = marks["between"].join(filter(None, (sentence(s, filled, marks) for s in sentences)))
            if text:
                blocks.append(Block("paragraph", text, data))
        elif kind == "findings":
            blocks.append(Block("paragraph", _findings(publication.get("findings") or [], body, filled)))
        elif kind == "notes":
            blocks += _notes(publication.get("notes") or [], body, filled, marks)
        else:
            blocks.append(Block(kind, _fill(body, filled)[0]))
    return _without_empty_sections(blocks) if template.get("drop_empty_sections") else blocks


def _notes(notes: list[str], body: dict[str, str], filled: dict[str, Value], marks: dict[str, str]) -> list[Block]:
    """The data notes (what the export lacks) under their heading, a paragraph each; nothing when there are none."""
    if not notes:
        return []
    return [Block("heading1", _fill(body["heading"], filled)[0]),
            *(Block("paragraph", note.rstrip(marks["stop"]) + marks["stop"]) for note in notes)]


def _without_empty_sections(blocks: list[Block]) -> list[Block]:
    """The blocks less each level-1 heading with nothing under it before the next (or the end)."""
    following = [*blocks[1:], None]
    return [b for b, after in zip(blocks, following) if b.kind != "heading1" or (after and after.kind != "heading1")]


def _findings(found: list[str], body: dict[str, str], filled: dict[str, Value]) -> str:
    """Findings as the report states them: 一是…；二是…。 and what the unit adds."""
    if not found:
        return _fill(body["none"], filled)[0]
    points = [f"{ORDINALS[i] if i < len(ORDINALS) else i + 1}是{text.rstrip('。')}" for i, text in enumerate(found)]
    more = f"；{ORDINALS[len(found)] if len(found) < len(ORDINALS) else len(found) + 1}是{body['more']}" if body.get(
        "more") else ""
    return "；".join(points) + more + "。"


def data_paragraphs(blocks: list[Block]) -> list[str]:
    """The 年度数据 block: the draft's paragraphs of figures, in order."""
    return [b.text for b in blocks if b.data]

"""The figure catalogue: one term, unit and definition for every figure, from ``data/figures.yaml``.

Every label a reader sees (report, annual text, exports, overview, index page) comes from here,
so a figure is called the same everywhere; threshold words (the arrival line's minutes) come from the settings.
Each word has its English beside it (``en``, and the ``english`` section), for the stations of an export a
mapping declares English: every function naming a word takes the ``language`` (``languages()``).
It also decides which figures each view shows and in what order (``shown_in``), which groups of figures
each sheet of the checking workbook lists (``sheets``), and the tables' fixed headings (``table_heading``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import yaml

from firestats.schema import FIELDS_BY_NAME
from firestats.settings import within_seconds

VIEWS = ("headline", "text", "bulletin", "overview", "ranking", "index", "accounting",
         "trend")  # see figures.yaml's `shown`


@dataclass(frozen=True)
class Place:
    """Where one view shows a figure: its place among the view's figures and what the view calls it by."""

    order: int
    name: str = ""  # text: its placeholder in the annual template; accounting: its column in a file's accounting
    words: str = ""  # bulletin: the words before it
    table: str = ""  # overview: the title of the table showing it


@dataclass(frozen=True)
class Entry:
    """One figure: its dotted key in `firestats figures`, what it is called, and how it is written."""

    key: str
    term: str  # what every text calls it
    en: str  # what an English text calls it
    unit: str  # 起, 人, 万元, 秒, 比例 …
    approx: bool  # the annual text writes it rounded down with 余 (123 -> 120余次)
    definition: str
    en_definition: str  # its definition in an English text
    source: str
    shown: dict[str, Place] = field(default_factory=dict)  # view -> its place there (VIEWS)


@dataclass(frozen=True)
class Sheet:
    """A sheet of figures in the checking workbook: the record family they are counted from, and the groups of
    figures (a key's first part) whose every number it lists."""

    family: str
    groups: tuple[str, ...]
    leave_out: tuple[str, ...] = ()  # figures the sheet lists once under another name (their key's start)
    tables: dict[str, Table] = field(default_factory=dict)  # figures (their key's start) laid out as a table


@dataclass(frozen=True)
class Table:
    """A group of figures the workbook lays out as a table (a row per subject, month or person) rather than a row
    per figure: what its rows are (a heading's name) and how a row's and a column's part is written."""

    title: str  # the line above it
    rows: str  # the heading of its first column (table_heading)
    row: str = "{}"  # a row's part as written: "{}月"
    column: str = ""  # a column's part as written ("{}月"); by default its word (part_word: pass_rate -> 及格率)


@cache
def _data() -> dict:
    return yaml.safe_load(resources.files("firestats").joinpath("data/figures.yaml").read_text("utf-8"))


def catalogue() -> dict[str, Entry]:
    """Every catalogued figure by key, in the catalogue's order, thresholds filled from the settings in use."""
    return _filled(within_seconds())


@cache
def _filled(seconds: int) -> dict[str, Entry]:
    """The catalogue with the arrival threshold of ``seconds`` written into its terms and definitions."""
    limits = {"within_seconds": seconds, "within_minutes": f"{seconds / 60:g}"}
    return {e["key"]: Entry(e["key"], e["term"].format(**limits), e["en"].format(**limits), e["unit"],
                            bool(e.get("approx", False)),
                            e["definition"].format(**limits), e["en_definition"].format(**limits), e["source"],
                            {view: _place(at) for view, at in e.get("shown", {}).items()}) for e in _data()["figures"]}


def _wildcard(key: str) -> tuple[Entry, list[str]] | None:
    """The catalogue's entry a key of a figure by place is (places.districts.*.incidents for
    places.districts.东湖街道.incidents), and the parts its * stand for; None when no entry with a * matches."""
    parts = key.split(".")
    entries = catalogue()
    for held in _patterns().get(len(parts), ()):
        if all(h in ("*", p) for h, p in zip(held, parts)):
            return entries[".".join(held)], [p for h, p in zip(held, parts) if h == "*"]
    return None


@cache
def _patterns() -> dict[int, list[tuple[str, ...]]]:
    """The catalogue's keys holding a * as their parts, by how many parts: a report looks up every figure's key, and
    going through the whole catalogue for each was a tenth of a batch worker's time."""
    found: dict[int, list[tuple[str, ...]]] = {}
    for entry in _data()["figures"]:
        held = tuple(entry["key"].split("."))
        if "*" in held:
            found.setdefault(len(held), []).append(held)
    return found


def _place(at: int | dict) -> Place:
    """A view's place for a figure as figures.yaml writes it: a number alone, or the number with the view's words."""
    return Place(at) if isinstance(at, int) else Place(**at)


def languages() -> tuple[str, ...]:
    """The languages a report is written in, the default first: ("zh", "en")."""
    return tuple(_data()["languages"])


def _words(section: str, language: str) -> dict[str, str]:
    """A section of words (headings, parts, units, actions, sheets) in ``language``; Chinese's are the catalogue's
    own, and a unit or sheet is its own Chinese word."""
    if language == languages()[0]:
        return _data().get(section) or {}
    if language not in languages():
        raise KeyError(f"no language {language!r} in the catalogue; languages: {', '.join(languages())}")
    return _data()["english"][section]


def shown_in(view: str) -> list[Entry]:
    """The figures a view shows (one of VIEWS), in its order: ``shown_in("index")`` -> the index page's columns."""
    if view not in VIEWS:
        raise KeyError(f"no view {view!r} in the catalogue; views: {', '.join(VIEWS)}")
    return sorted((e for e in catalogue().values() if view in e.shown), key=lambda e: e.shown[view].order)


@cache
def sheets() -> dict[str, Sheet]:
    """The checking workbook's sheets of figures by name, in order (警情, 训练考核, 工作台账)."""
    return {name: Sheet(s["family"], tuple(s["groups"]), tuple(s.get("leave_out", ())),
                        {key: Table(**t) for key, t in s.get("tables", {}).items()})
            for name, s in _data()["sheets"].items()}


def sheet_name(name: str, language: str = "zh") -> str:
    """A sheet of the checking workbook as ``language`` names it: 警情 -> Incidents; Chinese's is itself."""
    return name if language == languages()[0] else _words("sheets", language).get(name, name)


def family_word(family: str, language: str = "zh") -> str:
    """The records a family's figures are counted from: incidents -> 接处警记录 (Incident records)."""
    return _words("families", language)[family]


def table_heading(name: str, language: str = "zh") -> str:
    """A fixed heading of the outputs' tables by its name: ``figure`` -> 指标 (Figure); ``weakest_items`` ->
    薄弱科目（及格率最低）, a row of the workbook."""
    return _words("headings", language)[name]


def action_word(action: str, language: str = "zh") -> str:
    """What a reader is told happened to a problem row (quarantined -> 隔离); the code itself when unnamed."""
    return _words("actions", language).get(action, action)


def term(key: str, language: str = "zh") -> str:
    """What every text calls a figure: ``incidents.total`` -> 接处警总数 (Incidents)."""
    found = catalogue()[key]
    return found.term if language == languages()[0] else found.en


def field_word(name: str, language: str = "zh") -> str:
    """A canonical field as a reader is told of it: dispatched_at -> 出动时间 (the schema's label), dispatch time."""
    if language == languages()[0]:
        return FIELDS_BY_NAME[name].label
    return _words("fields", language)[name]


def definition(key: str, language: str = "zh") -> str:
    """A catalogued figure's definition in ``language``."""
    found = catalogue()[key]
    return found.definition if language == languages()[0] else found.en_definition


def unit_word(unit: str, language: str = "zh") -> str:
    """A unit as ``language`` writes it after a number: 起 -> incidents; Chinese's is itself."""
    return _words("units", language).get(unit, unit)


def heading(key: str, language: str = "zh") -> str:
    """A figure's term with its unit, for a column heading: 接处警总数（起）, Incidents (incidents); shares, times and
    uncatalogued keys without."""
    e = catalogue().get(key)
    if e is None or e.unit in ("比例", "秒"):
        return label(key, language)
    word = unit_word(e.unit, language)
    return f"{e.term}（{word}）" if language == languages()[0] else f"{e.en} ({word})"


def label(key: str, language: str = "zh") -> str:
    """A label for any figure key: the catalogue's term (a figure by place: the place, then its entry's term:
    东湖街道·区域警情数), else its parts' words joined (训练考核·3月考核·及格率; Training · Month 3 · Pass rate)."""
    if key in catalogue():
        return term(key, language)
    by_place = _wildcard(key)
    if by_place:  # 东湖街道·区域警情数: the place (and type) it stands for, then the figure
        entry, stands_for = by_place
        words = [*(part_word(part, language) for part in stands_for), term(entry.key, language)]
        return ("·" if language == languages()[0] else " · ").join(words)
    words, parts = [], key.split(".")
    while parts:
        part = parts.pop(0)
        word = part_word(part, language)
        takes = min(word.count("{}"), len(parts))
        words.append(word.format(*(parts.pop(0) for _ in range(takes))) if takes else word)
    return ("·" if language == languages()[0] else " · ").join(words)


def part_word(part: str, language: str = "zh") -> str:
    """What one part of a figure key is called (turnout -> 出动准备, Turnout; an incident type its term:
    其他 -> 其他警情, Other incidents); the part itself when unnamed."""
    kind = f"incidents.by_type.{part}"
    return _words("parts", language).get(part) or (term(kind, language) if kind in catalogue() else part)


# A unit is the shipped catalogue's alone (no setting changes one), so it is kept per key: the exports look up every
# figure's twice (rounding, then writing).
@lru_cache(maxsize=16_384)
def unit_of(key: str) -> str:
    """A figure's unit: the catalogue's, else from its parts (比例 for rates, 秒 for times, 项次 for counts)."""
    found = catalogue().get(key) or (_wildcard(key) or (None,))[0]
    if found:
        return found.unit
    units = _data()["part_units"]
    return next((units[p] for p in reversed(key.split(".")) if p in units), "")


def accounting_rule(language: str = "zh") -> str:
    """The row-accounting rule in the catalogue's terms: 输入行 = 保留行 + 重复合并行 + 隔离行."""
    rows_in, *parts = (term(e.key, language) for e in shown_in("accounting"))
    return f"{rows_in} = {' + '.join(parts)}"

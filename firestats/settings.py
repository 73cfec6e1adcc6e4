"""Thresholds the figures are held against, read from one settings file with their sources: the shipped
defaults (``firestats/data/settings.yaml``), overridden key by key by the unit's own file, and checked
against one schema (``Settings``) so a wrong value is refused in one line naming its key.

The unit's file is the one a request names (``--settings``, the notebooks' ``settings``), else the
one ``FIRESTATS_SETTINGS`` names, else ``firestats.yaml`` in the working folder (:func:`unit_settings`).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from firestats.errors import InputError

UNIT_FILE = "firestats.yaml"  # the unit's settings, found in the working folder
ENVIRONMENT = "FIRESTATS_SETTINGS"  # or named by this environment variable

_in_use: str | None = None  # the unit's settings file this process reads now (None: the shipped defaults)


def use_settings(path: Path | str | None) -> None:
    """Read the unit's settings file at ``path`` from now on in this process (None: the shipped defaults alone).

    Called where a request arrives (its data opened, its report rendered), so every figure, threshold
    and word of that report comes from the unit's settings; a file that cannot be used is refused now,
    naming it.
    """
    global _in_use
    chosen = None if path is None else str(Path(path).resolve())
    _read(chosen)  # refused here, before it is in use
    _in_use = chosen


def settings() -> dict:
    """The settings in use: the shipped ones, with the unit's file (see :func:`use_settings`) over them."""
    return _read(_in_use)


def _shipped_text() -> str:
    return resources.files("firestats").joinpath("data/settings.yaml").read_text("utf-8")


@cache
def _shipped() -> dict:
    return yaml.safe_load(_shipped_text())


def starter() -> str:
    """A unit's starter settings file: the shipped settings with their sources, every line commented out."""
    head = ("# 本单位的 firestats 设置（YAML）。放在数据旁：firestats 在当前目录找到 firestats.yaml，\n"
            "# 也可用 --settings 指定，或由环境变量 FIRESTATS_SETTINGS 指定。\n"
            "# 只写与默认值不同的项，其余沿用自带设置；去掉行首的 # 即可启用。\n"
            "# 例如本单位站的全称：stations: {full_names: {城东站: 城东消防救援站}}\n#\n")
    shipped = _shipped_text().splitlines(keepends=True)
    return head + "".join(f"# {line}" if line.strip() else "#\n" for line in shipped)


@cache
def _read(path: str | None) -> dict:
    """The shipped settings with the unit's file at ``path`` over them (cached by path: a batch worker's reports
    share one file; the warm kernel's reset clears the cache between reports, so an edited file is read again)."""
    if path is None:
        return _shipped()
    try:
        unit = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)  # where YAML lost its way: the line to look at
        why = f"line {mark.line + 1}: {exc.problem}" if mark else type(exc).__name__
        raise InputError(f"{path}: not a readable settings file ({why})") from exc
    merged = _over(_shipped(), unit, path, "")
    try:
        Settings.model_validate(merged)
    except ValidationError as exc:
        raise InputError(f"{path}: {first_error(exc)}") from exc
    return merged


def first_error(exc: ValidationError) -> str:
    """A schema's first complaint as one line: the key's dotted path, what is wrong and what is allowed."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where + ': ' if where else ''}{complaint(error)}"


def complaint(error: Any) -> str:
    """One error of a schema without its place: what is wrong and what was given."""
    given = error["input"]
    shown = f" (given {given!r})" if isinstance(given, (str, int, float, bool)) else ""
    return f"{error['msg'].removeprefix('Value error, ')}{shown}"


def unit_template(path: str | None) -> str | None:
    """The wording template the unit's settings file at ``path`` names (absolute; None: none named)."""
    named = _read(path)["unit"]["template"] if path else None
    return None if named is None else str((Path(path).parent / named).resolve())


def unit_settings(given: Path | str | None) -> str | None:
    """The unit's settings file for a request: ``given``, else the file ``FIRESTATS_SETTINGS`` names, else
    ``firestats.yaml`` in the working folder, else None (the shipped defaults); absolute."""
    found = given or os.environ.get(ENVIRONMENT) or (UNIT_FILE if Path(UNIT_FILE).is_file() else None)
    return None if found is None else str(Path(found).resolve())


def _over(shipped: Any, unit: Any, path: str, where: tuple[str, ...] = ()) -> Any:
    """``unit`` over ``shipped``, key by key; a key the schema does not know is refused, naming it. A mapping the
    schema leaves open (the response profiles, the stations' full names) takes the unit's new keys as given."""
    if not isinstance(shipped, dict):
        return unit
    dotted = ".".join(where)
    if not isinstance(unit, dict):
        raise InputError(f"{path}: {dotted or 'the file'} should be a mapping of settings (keys: "
                         f"{', '.join(shipped)})")
    unknown = [key for key in unit if key not in shipped]
    if unknown and not _open(where):
        raise InputError(f"{path}: unknown setting {dotted + '.' if dotted else ''}{unknown[0]} (known here: "
                         f"{', '.join(shipped)})")
    merged = {key: _over(value, unit[key], path, (*where, key)) if key in unit else value
              for key, value in shipped.items()}
    if shipped.get("example") and unit and "example" not in unit:  # set by the unit: its own, no longer the example
        merged["example"] = False
    return merged | {key: unit[key] for key in unknown}


def _open(where: tuple[str, ...]) -> bool:
    """Whether the schema types the setting at ``where`` as a mapping of any keys (dict[str, …])."""
    model: Any = Settings
    for key in where:
        field = model.model_fields.get(key) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return False
        model = field.annotation
    return getattr(model, "__origin__", None) is dict


def score_table_name() -> str:
    """The score table assessments are graded with (a shipped version or a path)."""
    return str(settings()["assessments"]["score_table"])


def header_search_rows() -> int:
    """How many rows from a sheet's top its header row is looked for in (default 30: title lines above it)."""
    return int(settings()["workbook_limits"]["header_search_rows"])


def min_percentile_n() -> int:
    """Fewest incidents a median or 90th percentile is shown for (default 20)."""
    return int(settings()["percentiles"]["min_n"])


def within_standard() -> dict[str, Any]:
    """The response standard (with its ``key``) that ``response.within_standard`` names: the one whose
    dispatch-to-arrival threshold every report's 'within' share uses."""
    key = settings()["response"]["within_standard"]
    return {"key": key, **settings()["response_standards"]["profiles"][key]}


def within_seconds() -> int:
    """The arrival threshold for the 'reached within' share, in seconds (default 300): the
    dispatch-to-arrival threshold of :func:`within_standard`."""
    thresholds = within_standard()["thresholds"]
    return int(next(t["seconds"] for t in thresholds if t["segment"] == "dispatch_to_arrival"))


def areas_geojson() -> dict[str, Any] | None:
    """The stations' areas (辖区) the settings in use name, as the GeoJSON read from the settings file's folder
    (None: none named); a file that cannot be read is refused, naming it."""
    named = settings()["places"]["areas"]
    if named is None:
        return None
    path = (Path(_in_use).parent if _in_use else Path.cwd()) / named
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable GeoJSON file for places.areas ({type(exc).__name__})") from exc


# --- the schema: every key a settings file may hold, its type and its allowed values --------------------------

Share = Annotated[float, Field(ge=0, le=1)]  # a fraction 0..1
Positive = Annotated[int, Field(gt=0)]
Seconds = Annotated[float, Field(gt=0)]
Weight = Annotated[float, Field(ge=0)]
Segment = Literal["call_processing", "turnout", "travel", "total", "dispatch_to_arrival"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Sourced(_Strict):
    source: str  # where the numbers beside it come from


class Response(_Strict):
    within_standard: str  # the profile whose dispatch_to_arrival threshold the 'within' share uses
    within_seconds_note: str


class Threshold(_Strict):
    segment: Segment
    seconds: Seconds
    fractile: Annotated[float, Field(gt=0, le=1)] | None = None
    source: str
    label: str | None = None
    subtype: str | None = None  # a regular expression on 警情子类
    excepted: bool = Field(False, alias="except")  # the incidents the subtype does not match


class Exclusions(_Strict):
    total_below_s: Seconds
    total_above_s: Seconds
    out_of_order: bool = False  # an incident whose sequence of events is out of order, left out whole


class Profile(_Strict):
    name: str
    thresholds: list[Threshold]
    bands_minutes: bool = False
    exclude: Exclusions | None = None
    source: str | None = None


class ResponseStandards(_Strict):
    default: str
    profiles: dict[str, Profile]


class Assessments(_Strict):
    score_table: str  # a shipped version or a file's path


class Percentiles(_Sourced):
    min_n: Positive
    bootstrap_resamples: Positive
    bootstrap_seed: int


class _Rule(_Sourced):
    example: bool = False  # the shipped example, marked 示例 in every output until the unit sets the rule


class Below(_Rule):
    below_pass_rate: Share


class Above(_Rule):
    above_share: Share


class SlowPeriods(_Rule):
    median_above_seconds: Seconds
    min_n: Positive


class Turnout(_Rule):
    above_seconds: Seconds
    above_share: Share


class Findings(_Strict):
    weakest_item: Below
    beyond_5min: Above
    slow_periods: SlowPeriods
    turnout: Turnout
    missing_times: Above


class Wording(_Sourced):
    approx_from: Annotated[int, Field(ge=0)]  # a 余 figure is written exact below this


class Timestamps(_Sourced):
    utc_offset_hours: Annotated[float, Field(ge=-12, le=14)]
    earliest_year: Annotated[int, Field(ge=1900)]


class WorkbookLimits(_Sourced):
    cells: Positive
    text_mb: Positive
    header_search_rows: Positive


class Stations(_Sourced):
    full_suffix: str
    full_names: dict[str, str]  # canonical name -> full name


class NotableWeights(_Strict):
    rescued: Weight
    casualties: Weight
    loss: Weight
    vehicles: Weight
    personnel: Weight
    on_scene: Weight
    rarity: Weight


class Notable(_Strict):
    top: Positive
    rare_at_most: Positive
    weights: NotableWeights


class Font(_Strict):
    font: str
    size_pt: Annotated[float, Field(gt=0)]


class Margins(_Strict):
    top: Annotated[float, Field(ge=0)]
    bottom: Annotated[float, Field(ge=0)]
    left: Annotated[float, Field(ge=0)]
    right: Annotated[float, Field(ge=0)]


class Grid(_Strict):
    lines: Positive  # a page's lines
    chars: Positive  # a line's characters


class PageNumber(_Strict):
    font: str
    size_pt: Annotated[float, Field(gt=0)]
    below_text_mm: Annotated[float, Field(ge=0)]


class Docx(_Sourced):
    margins_mm: Margins
    line_pt: Annotated[float, Field(gt=0)]
    title: Font
    salutation: Font
    body: Font
    heading1: Font
    heading2: Font
    signature: Font
    date: Font
    grid: Grid
    page_number: PageNumber
    english: Font  # an English summary's one font, its body size: every other size scaled from the body's to it


class Brigade(_Strict):
    full: str | None = None  # the full name its documents are signed with (default: the detachment's and its own)
    members: list[str]  # its stations as the data names them


class Unit(_Sourced):
    detachment: str | None = None  # the detachment's name (××市消防救援支队)
    brigades: dict[str, list[str] | Brigade] = {}  # 大队 -> its stations, or them and its full name
    salutation: str  # how a work report opens
    recipient: str | None = None  # 主送机关, written in the salutation's place
    signatory: str | None = None  # 落款: the unit's name under the text
    issued: str | None = None  # 成文日期, as written: 2025年12月31日
    template: str | None = None  # the unit's wording of its drafts, from the settings file's folder


class Places(_Sourced):
    hotspot_min: Positive  # incidents at one address that make it a place of repeated incidents
    hotspots: Positive  # how many such places are listed
    areas: str | None = None  # the stations' areas (辖区) as GeoJSON, from the settings file's folder
    stations: dict[str, tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]]] = {}


class Charts(_Sourced):
    response_max_minutes: Positive


class Batch(_Sourced):
    reports_per_kernel: Positive


class OverviewLayout(_Sourced):
    full_up_to: Positive  # stations the detachment overview lays side by side; above it, its compact table


class Settings(_Strict):
    """Every setting, typed: what ``firestats/data/settings.yaml`` holds and a unit's file may override."""

    response: Response
    response_standards: ResponseStandards
    assessments: Assessments
    percentiles: Percentiles
    findings: Findings
    wording: Wording
    timestamps: Timestamps
    workbook_limits: WorkbookLimits
    stations: Stations
    notable: Notable
    docx: Docx
    places: Places
    charts: Charts
    batch: Batch
    overview: OverviewLayout
    unit: Unit

    @model_validator(mode="after")
    def _standards_named_exist(self) -> Settings:
        profiles = self.response_standards.profiles
        for where, key in (("response.within_standard", self.response.within_standard),
                           ("response_standards.default", self.response_standards.default)):
            if key not in profiles:
                raise ValueError(f"{where} names no profile: one of {', '.join(profiles)}")
        return self

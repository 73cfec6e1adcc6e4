"""Mapping files: how the columns of one kind of export become the canonical incident fields.

A mapping is data (YAML), documented in ``docs/mappings.md``. Without one, firestats maps
headers through the alias table. Shipped mappings live in ``firestats/mappings/`` and are
used by short name (``--mapping pudong``); any other mapping is used by path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from firestats.catalogue import languages
from firestats.errors import MappingError
from firestats.ingest.grid import check_crs
from firestats.ingest.readers import match_headers
from firestats.schema import FIELDS_BY_NAME, INCIDENT_TYPES, TIMESTAMP_FIELDS, aliases
from firestats.settings import settings
from firestats.vocabulary.spelling import normalise_header

RULE_KEYS = {"column", "columns", "date", "time", "after", "seconds_after", "values", "patterns", "default",
             "dayfirst", "unit", "part"}
TOP_KEYS = {"name", "description", "dayfirst", "fold_units", "fields", "exclude", "standard", "language", "types",
            "grid"}
EXCLUDE_KEYS = {"column", "equals", "in", "pattern", "reason"}
GRID_KEYS = {"easting", "northing", "crs"}
AMOUNT_UNITS = {"10k_yuan": 1.0, "yuan": 1e-4}


@dataclass(frozen=True)
class FieldRule:
    """How one canonical field is read from an export's columns."""

    field: str
    column: str | None = None
    columns: tuple[str, ...] = ()
    date: str | None = None
    time: str | None = None
    after: str | None = None
    seconds_after: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    dayfirst: bool = False
    unit: str | None = None
    part: int | None = None  # a coordinate: which number of a point's cell, "(37.73, -122.42)" (1, 2)

    def source_columns(self) -> list[str]:
        """Every export column this rule reads."""
        return [c for c in (self.column, *self.columns, self.date, self.time) if c]


@dataclass(frozen=True)
class ExcludeRule:
    """Rows to leave out (quarantined with the rule's reason)."""

    column: str
    equals: str | None = None
    among: tuple[str, ...] = ()
    pattern: str | None = None
    reason: str = ""

    def describe(self) -> str:
        """The rule as a reader sees it in the problem list."""
        test = (f"= {self.equals}" if self.equals is not None else
                f"in {list(self.among)}" if self.among else f"~ /{self.pattern}/")
        return self.reason or f"{self.column} {test}"


@dataclass(frozen=True)
class Grid:
    """A projected point in two columns of metres (easting, northing) on a grid PROJ names (EPSG:27700)."""

    easting: str
    northing: str
    crs: str


@dataclass(frozen=True)
class Mapping:
    """A whole mapping: field rules in the order they can be computed, exclusions, folding."""

    name: str
    rules: tuple[FieldRule, ...]
    exclude: tuple[ExcludeRule, ...] = ()
    fold_units: bool = False
    description: str = ""
    standard: str | None = None  # the response standard profile its times are held against (settings)
    language: str = "zh"  # the language its stations' reports are written in (zh, en)
    types: tuple[str, ...] | None = None  # the incident types its export can hold; None: every type
    grid: Grid | None = None  # latitude and longitude where the fields give none, from projected metres

    def columns(self) -> set[str]:
        """Every export column the mapping reads (as written in the mapping)."""
        cols = {c for r in self.rules for c in r.source_columns()}
        grid = (self.grid.easting, self.grid.northing) if self.grid else ()
        return cols | {e.column for e in self.exclude} | set(grid)


def shipped() -> dict[str, Path]:
    """The mappings shipped with firestats, by short name."""
    folder = resources.files("firestats") / "mappings"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def load_mapping(name_or_path: str | Path) -> Mapping:
    """Load a shipped mapping by short name, or a mapping file by path."""
    path = shipped().get(str(name_or_path)) or Path(name_or_path)
    if not path.is_file():
        raise MappingError(f"{name_or_path}: no such mapping file; shipped mappings: {', '.join(sorted(shipped()))}")
    try:
        spec = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from exc
    return parse_mapping(spec, str(path))


def parse_mapping(spec: Any, source: str) -> Mapping:
    """Check a mapping's YAML content and turn it into a :class:`Mapping`."""
    if not isinstance(spec, dict) or not isinstance(spec.get("fields"), dict):
        raise MappingError(f"{source}: a mapping needs a 'fields:' section")
    _no_unknown(spec, TOP_KEYS, source, "top level")
    dayfirst = bool(spec.get("dayfirst", False))
    rules = []
    for name, body in spec["fields"].items():
        if name not in FIELDS_BY_NAME:
            raise MappingError(f"{source}: fields.{name}: not a canonical field ({', '.join(FIELDS_BY_NAME)})")
        rules.append(_rule(name, body, dayfirst, f"{source}: fields.{name}"))
    for required in ("incident_id", "station", "received_at", "type"):
        if required not in spec["fields"]:
            raise MappingError(f"{source}: fields.{required} is required")
    excludes = [_exclude(e, f"{source}: exclude[{i}]") for i, e in enumerate(spec.get("exclude") or [])]
    standard = spec.get("standard")
    profiles = settings()["response_standards"]["profiles"]
    if standard is not None and standard not in profiles:
        raise MappingError(f"{source}: standard {standard!r} is not a profile in settings.yaml "
                           f"({', '.join(profiles)})")
    language = spec.get("language", languages()[0])
    if language not in languages():
        raise MappingError(f"{source}: language {language!r} is not one reports are written in "
                           f"({', '.join(languages())})")
    types = _types(spec.get("types"), rules, source)
    return Mapping(str(spec.get("name", Path(source).stem)), _ordered(rules, source), tuple(excludes),
                   bool(spec.get("fold_units", False)), str(spec.get("description", "")), standard, language, types,
                   _grid(spec.get("grid"), source))


def _grid(body: Any, source: str) -> Grid | None:
    """The mapping's projected point (None: it names none): both columns and a grid PROJ knows."""
    if body is None:
        return None
    if not isinstance(body, dict) or set(body) != GRID_KEYS or not all(isinstance(v, str) and v for v in body.values()):
        raise MappingError(f"{source}: grid: give easting and northing (columns of metres) and crs "
                           "(the grid, e.g. EPSG:27700)")
    unknown = check_crs(body["crs"])
    if unknown:
        raise MappingError(f"{source}: grid.crs: {unknown}")
    return Grid(body["easting"], body["northing"], body["crs"])


def _types(declared: Any, rules: list[FieldRule], source: str) -> tuple[str, ...] | None:
    """The incident types an export declares it holds (None: undeclared, every type), each a canonical type and
    every type its ``type`` rule gives among them: a type the rule gives and the list leaves out would be
    written （无记录） beside its own records."""
    if declared is None:
        return None
    if not isinstance(declared, list) or not declared or not set(declared) <= set(INCIDENT_TYPES):
        raise MappingError(f"{source}: types: a list of incident types among {', '.join(INCIDENT_TYPES)}")
    rule = next(r for r in rules if r.field == "type")
    given = {*rule.values.values(), *rule.patterns.values(), *([rule.default] if rule.default else [])}
    left_out = sorted(given & set(INCIDENT_TYPES) - set(declared))
    if left_out:
        raise MappingError(f"{source}: types: the type rule gives {', '.join(left_out)}, which types leaves out")
    return tuple(t for t in INCIDENT_TYPES if t in declared)


def _no_unknown(body: dict, allowed: set[str], source: str, where: str) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise MappingError(f"{source}: {where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


def _rule(name: str, body: Any, dayfirst: bool, where: str) -> FieldRule:
    if isinstance(body, str):
        return FieldRule(name, column=body, dayfirst=dayfirst)
    if not isinstance(body, dict):
        raise MappingError(f"{where}: give a column name or a mapping of {sorted(RULE_KEYS)}")
    _no_unknown(body, RULE_KEYS, where, "rule")
    kind = FIELDS_BY_NAME[name].kind
    shapes = [bool(body.get("column")), bool(body.get("columns")), bool(body.get("date") and body.get("time")),
              bool(body.get("time") and body.get("after"))]
    if sum(shapes) != 1 and not (body.get("seconds_after") and body.get("column")):
        raise MappingError(f"{where}: give exactly one of column, columns, date+time, time+after, "
                           "or seconds_after+column")
    if body.get("columns") and name != "incident_id":
        raise MappingError(f"{where}: 'columns' (a key made of several columns) is for incident_id only")
    if (body.get("date") or body.get("after") or body.get("seconds_after")) and kind != "timestamp":
        raise MappingError(f"{where}: date/time/after/seconds_after are for time fields only")
    if body.get("part") is not None and (kind != "coordinate" or body["part"] not in (1, 2)):
        raise MappingError(f"{where}: part (1 or 2: which number of a point's cell) is for latitude and longitude")
    if body.get("unit") and body["unit"] not in AMOUNT_UNITS:
        raise MappingError(f"{where}: unit must be one of {sorted(AMOUNT_UNITS)}")
    for regex in body.get("patterns") or {}:
        _check_pattern(regex, where)
    return FieldRule(
        name, column=body.get("column"), columns=tuple(body.get("columns") or ()), date=body.get("date"),
        time=body.get("time"), after=body.get("after"), seconds_after=body.get("seconds_after"),
        values={str(k): str(v) for k, v in (body.get("values") or {}).items()},
        patterns={str(k): str(v) for k, v in (body.get("patterns") or {}).items()},
        default=body.get("default"), dayfirst=bool(body.get("dayfirst", dayfirst)), unit=body.get("unit"),
        part=body.get("part"),
    )


def _check_pattern(regex: str, where: str) -> None:
    """Patterns run in Arrow's RE2 engine: no look-arounds or back-references."""
    try:
        pc.match_substring_regex(pa.array([""]), str(regex))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise MappingError(f"{where}: pattern {regex!r} is not a valid regular expression (RE2 syntax): {exc}") from exc


def _exclude(body: Any, where: str) -> ExcludeRule:
    if not isinstance(body, dict) or "column" not in body:
        raise MappingError(f"{where}: an exclusion needs a column and one of equals, in, pattern")
    _no_unknown(body, EXCLUDE_KEYS, where, "exclusion")
    if sum(k in body for k in ("equals", "in", "pattern")) != 1:
        raise MappingError(f"{where}: give exactly one of equals, in, pattern")
    if "pattern" in body:
        _check_pattern(body["pattern"], where)
    return ExcludeRule(str(body["column"]), None if "equals" not in body else str(body["equals"]),
                       tuple(map(str, body.get("in") or ())), body.get("pattern"), str(body.get("reason", "")))


TIMESTAMP_ORDER = {name: i for i, name in enumerate(TIMESTAMP_FIELDS)}


def _ordered(rules: list[FieldRule], source: str) -> tuple[FieldRule, ...]:
    """Rules in an order where each field it is relative to comes first."""
    done: dict[str, FieldRule] = {}
    pending = list(rules)
    while pending:
        ready = [r for r in pending if (r.after or r.seconds_after or r.field) in done or
                 not (r.after or r.seconds_after)]
        if not ready:
            names = ", ".join(f"{r.field} -> {r.after or r.seconds_after}" for r in pending)
            raise MappingError(f"{source}: fields are relative to fields the mapping does not define: {names}")
        # Times of day roll relative to the one before them, so they are read in an incident's order.
        for r in sorted(ready, key=lambda r: TIMESTAMP_ORDER.get(r.field, -1)):
            done[r.field] = r
            pending.remove(r)
    return tuple(done.values())


def auto_mapping(headers: list[str]) -> Mapping:
    """A mapping made from the alias table: the first header for each field wins."""
    found = match_headers(headers, aliases()["headers"])
    return Mapping("auto", tuple(FieldRule(name, column=h) for name, h in found.items()))


def known_headers(mapping: Mapping | None) -> set[str]:
    """Header spellings that identify the header row: the mapping's columns, or every alias."""
    if mapping is not None:
        return {normalise_header(c) for c in mapping.columns()}
    return {normalise_header(a) for names in aliases()["headers"].values() for a in names}

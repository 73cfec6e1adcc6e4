"""The prepared folder's file names and the reads that need no pandas.

`firestats report` resolves a station from here, so its own process never imports pandas:
the notebook's kernel does the analysis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from firestats.errors import InputError, NoRecords, NotPrepared, UnknownStation
from firestats.settings import first_error
from firestats.store.partitions import LAYOUT, LAYOUT_VERSION, PARTITIONS, STATIONS, TABLES, StoreIndex
from firestats.vocabulary.messages import _
from firestats.vocabulary.problems import ACCOUNT_KEYS

if TYPE_CHECKING:
    from firestats.request import Request

QUALITY = "quality.json"
# The single tables an older firestats wrote (layout 1): a folder holding them is refused with "prepare again".
OLD_TABLES = ("incidents.parquet", "problems.parquet")


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


_SHA256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
_STATION_ID = Annotated[str, Field(pattern=r"^s\d{4}$")]


class _Layout(_Exact):
    version: int


class _PartitionFile(_Exact):
    rows: Annotated[int, Field(ge=0)]
    sha256: _SHA256
    content: _SHA256


class _Station(_Exact):
    id: _STATION_ID
    months: list[Annotated[str, Field(pattern=r"^\d{4}-(?:0[1-9]|1[0-2])$")]]


class _QualityFile(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    source_file: str
    rows_in: Annotated[int, Field(ge=0)]
    kept: Annotated[int, Field(ge=0)]
    merged: Annotated[int, Field(ge=0)]
    quarantined: Annotated[int, Field(ge=0)]


class _Quality(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    files: list[_QualityFile]
    totals: dict[Literal[ACCOUNT_KEYS], Annotated[int, Field(ge=0)]]
    reasons: list[dict[str, Any]]
    unattributed: Annotated[int, Field(ge=0)]


# What prepare writes, and nothing else: a partition is named by its year and station id (2024/s0007, none/none),
# a file by its generation (part, g + 15 hex digits), so no entry of the index can name a path out of the store.
_PARTITION = Annotated[str, Field(pattern=r"^(?:\d{4}|none)/(?:s\d{4}|none)$")]
_GENERATION = Annotated[str, Field(pattern=r"^(?:part|g[0-9a-f]{15})$")]
_STRICT = ConfigDict(strict=True)
_SCHEMAS: dict[str, TypeAdapter] = {
    LAYOUT: TypeAdapter(_Layout),
    STATIONS: TypeAdapter(dict[Annotated[str, Field(min_length=1)], _Station]),
    PARTITIONS: TypeAdapter(dict[Literal[TABLES], dict[_PARTITION, dict[_GENERATION, _PartitionFile]]], config=_STRICT),
    QUALITY: TypeAdapter(_Quality),
}


def read_json(data_dir: Path, name: str) -> Any:
    """One of the prepared folder's index files (layout, stations, partitions, quality), refused in one line saying
    to prepare again unless it is JSON of the shape prepare writes."""
    path = data_dir / name
    with reading(path):
        data = json.loads(path.read_text("utf-8"))
    try:
        _SCHEMAS[name].validate_python(data)
    except ValidationError as exc:
        raise InputError(f"{path}: not as `firestats prepare` writes it ({first_error(exc)}); prepare the data "
                         "again with `firestats prepare`") from exc
    return data


def inside(data_dir: Path, relative: str, root: Path | None = None) -> Path:
    """The prepared folder's file at ``relative``, refused unless it resolves inside the folder (a link out);
    ``root`` is the folder resolved, for a caller checking many files (a province's overview reads thousands)."""
    path = data_dir / relative
    if not path.resolve().is_relative_to(root or data_dir.resolve()):
        raise InputError(f"{path}: leads out of the prepared folder {data_dir}; prepare the data again with "
                         "`firestats prepare`")
    return path


def check_prepared(data_dir: Path) -> None:
    """Raise NotPrepared, saying what to run, unless ``data_dir`` was written by this firestats' ``prepare``."""
    version = _layout_version(data_dir)
    if version == LAYOUT_VERSION and all((data_dir / n).is_file() for n in (QUALITY, STATIONS, PARTITIONS)):
        return
    if version is not None or any((data_dir / n).is_file() for n in OLD_TABLES):
        raise NotPrepared(_("{path}: prepared by another version of firestats (layout {old}; this one reads layout "
                            "{new}); run `firestats prepare` again to rewrite it").format(
            path=data_dir, old=version or 1, new=LAYOUT_VERSION))
    missing = [n for n in (LAYOUT, STATIONS, PARTITIONS, QUALITY) if not (data_dir / n).is_file()]
    raise NotPrepared(_("{path}: not a prepared data folder (missing {files}); run `firestats prepare` first").format(
        path=data_dir, files=", ".join(missing)))


def _layout_version(data_dir: Path) -> int | None:
    """The version ``data_dir``'s layout.json names (None without one; refused when it cannot be read)."""
    return read_json(data_dir, LAYOUT)["version"] if (data_dir / LAYOUT).is_file() else None


def find_prepared(data_dir: Path | str | None) -> Path:
    """The prepared folder to read: ``data_dir`` as given, or (None) the nearest ``data/processed``
    from the working folder up: the notebook's folder in JupyterLab, the checkout under plain papermill."""
    if data_dir is not None:
        return Path(data_dir)
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / "data" / "processed"
        if (candidate / QUALITY).is_file():
            return candidate
    raise NotPrepared(_("no prepared data folder (data/processed) in {here} or above it; run `firestats prepare` "
                        "or give data_dir").format(here=here))


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Refuse, naming it, a file of the prepared folder that cannot be read (truncated, overwritten, not
    Parquet or JSON): pyarrow's and json's errors are ValueErrors or OSErrors."""
    try:
        yield
    except (OSError, ValueError) as exc:
        reason = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise InputError(f"{path}: cannot be read ({reason}); prepare the data again with `firestats prepare`") from exc


def read_quality(data_dir: Path | str) -> dict[str, Any]:
    """The prepared folder's quality summary (every file's rows in, kept, merged and quarantined)."""
    data_dir = Path(data_dir)
    check_prepared(data_dir)
    return read_json(data_dir, QUALITY)


def unread_sheets(summary: dict[str, Any]) -> list[str]:
    """The workbook sheets a quality summary says were not read (cells but no header row)."""
    return [sheet for f in summary["files"] for sheet in f.get("ignored_sheets", [])]


def skipped_files(summary: dict[str, Any]) -> list[str]:
    """The files found in a folder that were not exports, each with why (``name: reason``)."""
    return [f"{f['source_file']}: {f['skipped']}" for f in summary["files"] if f.get("skipped")]


def read_index(data_dir: Path | str) -> StoreIndex:
    """A prepared folder's index: its stations, the months each has records in, and its partition files."""
    data_dir = Path(data_dir)
    check_prepared(data_dir)
    return StoreIndex(read_json(data_dir, STATIONS), read_json(data_dir, PARTITIONS))


def check_partitions(data_dir: Path | str, index: StoreIndex, station: str | Collection[str] | None = None,
                     years: Iterable[int] | None = None) -> None:
    """Refuse, naming it, a partition file of a slice (every one by default) whose bytes are not those prepare
    wrote (truncated, overwritten, missing): checked before a report's kernel or a batch starts."""
    data_dir = Path(data_dir)
    root = data_dir.resolve()
    for table in TABLES:
        for relative, entry in index.files(table, station, years):
            path = inside(data_dir, relative, root)
            with reading(path):
                data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise InputError(f"{path}: cannot be read (not the file prepare wrote); prepare the data again with "
                                 "`firestats prepare`")


def match_station(spelling: str, known: set[str]) -> str:
    """The canonical name among ``known`` of a station spelled any way (城东 / 城东消防救援站 -> 城东站, soho -> Soho,
    tallaght -> Tallaght Fire Station); refused (UnknownStation) when it names none, or several (Soho and SOHO, or
    two that start alike), listing them."""
    if spelling in known:  # already canonical: no need to load the cleaning rules
        return spelling
    from firestats.ingest.stations import full_name, normalise_station

    canonical = normalise_station(spelling)
    if canonical in known:
        return canonical
    # Spelled in another case (soho for Soho), by its full name, or by the start of its name (tallaght for Tallaght
    # Fire Station): the one station so spelled, never one of several by chance.
    folded = canonical.casefold()
    for alike in ([n for n in known if n.casefold() == folded or full_name(n).casefold() == folded],
                  [n for n in known if n.casefold().startswith(folded)]):
        if len(alike) > 1:
            raise UnknownStation(_("{spelling!r} names {n} stations: {names}; give the one meant as the data "
                                   "spells it").format(spelling=spelling, n=len(alike), names="、".join(sorted(alike))))
        if alike:
            return alike[0]
    raise UnknownStation(_("no station {spelling!r} in the data; stations: {names}").format(
        spelling=spelling, names="、".join(sorted(known))))


def resolved(request: Request, index: StoreIndex) -> Request:
    """The request with its station (spelled any way) as the store's ``index`` names it: the one place a report's
    station is resolved. Refused (UnknownStation, NoRecords) unless the station has records in the period's year;
    a detachment's request (station None) is as it was; a level's names it as the settings do (its stations with
    records in the year, see ``firestats.vocabulary.hierarchy``)."""
    if request.station is None and request.level is None:
        return request
    years = index.station_years()
    if request.level is not None:
        from firestats.vocabulary.hierarchy import level_of

        level = level_of(request.level, request.station, years)
        held = set().union(*(years[member] for member in level.members))
        if request.period.year not in held:
            raise no_records(level.name, request.period.year, held)
        return replace(request, station=level.name)
    name = match_station(request.station, set(years))
    if request.period.year not in years[name]:
        raise no_records(name, request.period.year, years[name])
    return replace(request, station=name)


def no_records(station: str, when: int | str, years: set[int]) -> NoRecords:
    """The refusal of a station's year (or period: 2024-Q1) without records, naming the years it has."""
    return NoRecords(_("no records of {station} in {when}; years with records: {years}").format(
        station=station, when=when, years="、".join(map(str, sorted(years))) or "—"))

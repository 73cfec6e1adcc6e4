"""The levels above the stations, as the unit's settings give them: one detachment (支队) of every station and
its brigades (大队), each with the stations it holds, the name its files carry and the full name its documents
are signed with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firestats.errors import UnknownStation
from firestats.settings import settings
from firestats.vocabulary.messages import _

if TYPE_CHECKING:
    from firestats.request import Request

DETACHMENT, BRIGADE = "支队", "大队"
KINDS = (DETACHMENT, BRIGADE)
# A detachment the settings do not name: its documents ask for the name rather than invent one.
UNNAMED = "【请填写：支队名称】"


@dataclass(frozen=True)
class Level:
    """A detachment (支队) or one of its brigades (大队): its kind, its name (its files'), the stations it holds and
    its full name as its documents write it (××市消防救援支队城东大队)."""

    kind: str
    name: str
    members: tuple[str, ...]
    full: str


def levels(stations: Iterable[str]) -> list[Level]:
    """The detachment of every one of ``stations`` (named by the settings' unit.detachment, else 支队), then each
    brigade of unit.brigades with those of its stations the data holds (a brigade is a list of stations, or
    ``{full: its full name, members: [...]}``; its full name defaults to the detachment's and its own)."""
    held = sorted(stations)
    unit = settings()["unit"]
    named = unit.get("detachment")
    found = [Level(DETACHMENT, named or DETACHMENT, tuple(held), named or UNNAMED)]
    for name, given in (unit.get("brigades") or {}).items():
        spec: dict[str, Any] = given if isinstance(given, dict) else {"members": given}
        wanted = set(spec.get("members") or ())
        full = spec.get("full") or f"{named or ''}{name}"
        found.append(Level(BRIGADE, str(name), tuple(m for m in held if m in wanted), full))
    return found


def level_of(kind: str, name: str | None, stations: Iterable[str]) -> Level:
    """The level of ``kind`` named ``name`` (its name or full name; None: the one level of that kind there is);
    refused (UnknownStation) when the settings name none, or several without a name given."""
    found = [level for level in levels(stations) if level.kind == kind]
    if name is not None:
        found = [level for level in found if name in (level.name, level.full)]
    if len(found) == 1:
        return found[0]
    every = "、".join(level.name for level in levels(stations) if level.kind == kind) or "—"
    if found:
        raise UnknownStation(_("several {kind}: {names}; name the one meant with --name").format(kind=kind,
                                                                                                   names=every))
    raise UnknownStation(_("no {kind} {name!r} in the settings; {kind}: {names}").format(kind=kind, name=name or "",
                                                                                          names=every))


def whose(request: Request, stations: Iterable[str]) -> str | tuple[str, ...] | None:
    """The stations a resolved request's report reads the rows of: its station (None: every station), or its
    level's members (``stations``: those the data holds)."""
    if request.level is None:
        return request.station
    return level_of(request.level, request.station, stations).members

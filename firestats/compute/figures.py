"""A station period's figures as typed values, read from the dict ``firestats figures`` prints.

The dict stays what every export is written from (its keys are the catalogue's); a page reads these
values instead of indexing it by literal keys, so a renamed or missing figure fails in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Incidents:
    """Incidents kept in the period (起) and their count by type (起; None for a type the export cannot hold)."""

    total: int
    by_type: dict[str, int | None]


@dataclass(frozen=True)
class People:
    """People rescued and evacuated (人); None where the export records no such column."""

    rescued: int | None
    evacuated: int | None


@dataclass(frozen=True)
class Rows:
    """Where the period's incident rows went (rows): in = kept + merged + quarantined."""

    rows_in: int
    kept: int
    merged: int
    quarantined: int


@dataclass(frozen=True)
class Rates:
    """Results graded (项次), the pass and excellent rates (0..1) and the mean points; None without results."""

    n: int
    pass_rate: float | None
    excellent_rate: float | None
    mean_points: float | None


@dataclass(frozen=True)
class ScoreTableUsed:
    """The score table results were graded with: its version, title and whether it is the unit's official one."""

    version: str
    title: str
    official: bool


@dataclass(frozen=True)
class Assessments:
    """The period's training assessments: tests held (次), people and results (人, 项次), rates by item and month,
    competition placings and each person's mean points by month."""

    score_table: ScoreTableUsed
    tests: dict[str, int]
    participants: int
    results: int
    absent: int
    exempt: int
    overall: Rates
    by_item: dict[str, Rates]
    by_month: dict[int, Rates]
    weakest_items: list[str]
    competitions: list[dict[str, Any]]  # date, person, rank
    people: dict[str, dict[int, float]]  # person -> month -> mean points


@dataclass(frozen=True)
class Figures:
    """Every figure of a station's period, typed; ``counts`` the per-month, per-hour (and, for a month, per-day)
    incidents (起); ``activities`` by the ledger category's figure key (in the category's unit) or None."""

    incidents: Incidents
    people: People
    loss_averted_10k_yuan: float | None  # 万元
    monthly: dict[int, int]
    hourly: dict[int, int]
    daily: dict[int, int] | None  # only for a month
    rows: Rows
    assessments: Assessments | None
    activities: dict[str, Any] | None

    @classmethod
    def of(cls, figures: dict[str, Any]) -> Figures:
        """The typed figures of a figures dict as ``compute`` makes it."""
        rows = figures["rows"]
        return cls(
            Incidents(figures["incidents"]["total"], figures["incidents"]["by_type"]),
            People(figures["people"]["rescued"], figures["people"]["evacuated"]),
            figures["loss_averted_10k_yuan"],
            _counts(figures["monthly"]), _counts(figures["hourly"]),
            _counts(figures["daily"]) if "daily" in figures else None,
            Rows(rows["in"], rows["kept"], rows["merged"], rows["quarantined"]),
            _assessments(figures["assessments"]), figures["activities"],
        )


def _counts(by: dict[Any, int]) -> dict[int, int]:
    return {int(k): v for k, v in by.items()}


def _rates(rates: dict[str, Any]) -> Rates:
    return Rates(rates["n"], rates["pass_rate"], rates["excellent_rate"], rates["mean_points"])


def _assessments(a: dict[str, Any] | None) -> Assessments | None:
    if a is None:
        return None
    return Assessments(
        ScoreTableUsed(**a["score_table"]), a["tests"], a["participants"], a["results"], a["absent"], a["exempt"],
        _rates(a["overall"]), {item: _rates(r) for item, r in a["by_item"].items()},
        {int(m): _rates(r) for m, r in a["by_month"].items()}, a["weakest_items"], a["competitions"],
        {person: {int(m): p for m, p in months.items()} for person, months in a["people"].items()},
    )

"""Notable incidents of the year: the most people rescued, the longest on scene, the rare kinds."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from firestats.settings import settings


@dataclass(frozen=True)
class Notable:
    """A period's notable incidents: each table's rows are date, type, subtype and description (``rare``: kind,
    count and the first dates; ``named``: date, place and kind of the first rare ones, as the text names them)."""

    most_rescued: pd.DataFrame
    longest_on_scene: pd.DataFrame
    rare: pd.DataFrame
    named: list[dict[str, str]]


def notable(incidents: pd.DataFrame) -> Notable:
    """The notable incidents of a period's kept incidents (settings: notable)."""
    return Notable(most_rescued(incidents), longest_on_scene(incidents), rare_counts(incidents),
                   rare_named(incidents))


def _describe(rows: pd.DataFrame) -> pd.DataFrame:
    """Date, type, subtype and a one-line description of each incident (address text as given)."""
    if rows.empty:
        return pd.DataFrame(columns=["date", "type", "subtype", "description"])
    on_scene = (rows["cleared_at"] - rows["arrived_at"]).dt.total_seconds() / 60
    place = rows["district"].fillna("").astype(str) + rows["address"].fillna("").astype(str)
    description = (
        place + " " + rows["subtype"].fillna(rows["type"]).astype(str)
        + rows["rescued"].fillna(0).astype(int).map(lambda n: f"，营救{n}人" if n else "").astype("string")
        + on_scene.map(lambda m: f"，现场处置{m:.0f}分钟" if pd.notna(m) else "").astype("string")
    )
    return pd.DataFrame({"date": rows["received_at"].dt.strftime("%Y-%m-%d"), "type": rows["type"],
                         "subtype": rows["subtype"], "description": description.str.strip()})


def most_rescued(incidents: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """The incidents with the most people rescued (only those with anyone rescued)."""
    top = top or settings()["notable"]["top"]
    rows = incidents[incidents["rescued"].fillna(0) > 0].nlargest(top, "rescued")
    return _describe(rows)


def longest_on_scene(incidents: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """The incidents with the longest time from arrival to clearing."""
    top = top or settings()["notable"]["top"]
    minutes = (incidents["cleared_at"] - incidents["arrived_at"]).dt.total_seconds()
    return _describe(incidents.loc[minutes.dropna().nlargest(top).index])


def rare_kinds(incidents: pd.DataFrame) -> pd.DataFrame:
    """Every incident of a rare subtype (settings: notable.rare_subtypes), oldest first."""
    rare = incidents[incidents["subtype"].isin(settings()["notable"]["rare_subtypes"])]
    return _describe(rare.sort_values("received_at"))


def rare_counts(incidents: pd.DataFrame, dates: int = 3) -> pd.DataFrame:
    """Incidents of each rare subtype: kind, count (incidents) and the dates of the first ``dates`` of them."""
    rare = incidents[incidents["subtype"].isin(settings()["notable"]["rare_subtypes"])].sort_values("received_at")
    grouped = rare.groupby("subtype", sort=False)["received_at"]
    return pd.DataFrame({"kind": list(grouped.groups), "n": grouped.size().to_list(),
                         "first": ["、".join(f"{d:%m月%d日}" for d in days.head(dates)) for _, days in grouped]})


def rare_named(incidents: pd.DataFrame, top: int | None = None) -> list[dict[str, str]]:
    """The first rare-kind incidents of the year (settings: notable), each with its date, place and kind."""
    top = top or settings()["notable"]["top"]
    rare = incidents[incidents["subtype"].isin(settings()["notable"]["rare_subtypes"])].sort_values("received_at")
    place = rare["district"].fillna(rare["address"]).fillna("")
    return [{"date": f"{when:%Y-%m-%d}", "place": str(where), "kind": str(kind)}
            for when, where, kind in zip(rare["received_at"].head(top), place.head(top), rare["subtype"].head(top))]

"""Notable incidents of a period: those that weigh most (people rescued, casualties, losses averted, vehicles and
crew sent, time on scene) and those of kinds rare across the detachment, not the first few by date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from firestats.settings import settings

# What an incident weighs by, each against the heaviest of the period's (settings: notable.weights); rarity is
# how few of its kind the detachment had that year.
_WEIGHED = {"rescued": ["rescued"], "casualties": ["deaths", "injuries"], "loss": ["loss_averted_10k_yuan"],
            "vehicles": ["vehicles"], "personnel": ["personnel"]}
_NOT_NOTABLE = ("虚假警",)  # a false alarm is never a 典型警情, however rare its wording


@dataclass(frozen=True)
class Notable:
    """A period's notable incidents: each table's rows are date, type, subtype and description (``rare``: kind,
    count and the first dates; ``named``: date, place and kind of the heaviest, as the text names them)."""

    most_rescued: pd.DataFrame
    longest_on_scene: pd.DataFrame
    rare: pd.DataFrame
    named: list[dict[str, str]]


def notable(incidents: pd.DataFrame, kinds: dict[str, int] | None = None) -> Notable:
    """The notable incidents of a period's kept incidents (settings: notable); ``kinds`` counts the incidents of
    each kind (subtype, else type) among all the detachment's stations that year (None: these incidents')."""
    kinds = kinds if kinds else kind_of(incidents).value_counts().to_dict()
    return Notable(most_rescued(incidents), longest_on_scene(incidents), rare_counts(incidents, kinds),
                   weighed_named(incidents, kinds))


def detachment_kinds(quality: dict[str, Any], year: int) -> dict[str, int] | None:
    """Incidents per kind among every station of a prepared store in ``year`` (None: a store that did not count
    them)."""
    return (quality.get("incident_kinds") or {}).get(str(year))


def kind_of(incidents: pd.DataFrame) -> pd.Series:
    """Each incident's kind: its subtype, else its type."""
    return incidents["subtype"].astype("string").fillna(incidents["type"].astype("string"))


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


def _rare(incidents: pd.DataFrame, kinds: dict[str, int]) -> pd.DataFrame:
    """The incidents of a kind rare in the detachment: at most settings' notable.rare_at_most of it that year."""
    at_most = settings()["notable"]["rare_at_most"]
    kind = kind_of(incidents)
    rare = kind.map(lambda k: kinds.get(k, 0) <= at_most).astype(bool)
    return incidents[rare & ~incidents["type"].isin(_NOT_NOTABLE)]


def rare_counts(incidents: pd.DataFrame, kinds: dict[str, int], dates: int = 3) -> pd.DataFrame:
    """Incidents of each rare kind: kind, count (incidents) and the dates of the first ``dates`` of them."""
    rare = _rare(incidents, kinds).sort_values("received_at")
    grouped = rare.groupby(kind_of(rare), sort=False)["received_at"]
    return pd.DataFrame({"kind": list(grouped.groups), "n": grouped.size().to_list(),
                         "first": ["、".join(f"{d:%m月%d日}" for d in days.head(dates)) for _, days in grouped]})


def weights(incidents: pd.DataFrame, kinds: dict[str, int]) -> pd.Series:
    """What each incident weighs (0 up to the sum of settings' notable.weights): each measure against the period's
    heaviest (its rescued, casualties, losses averted, vehicles, crew, minutes on scene), and its kind's rarity
    against the rarest (one over the detachment's incidents of that kind that year)."""
    weight = settings()["notable"]["weights"]
    measures = {name: incidents[columns].astype("Float64").fillna(0).sum(axis=1).astype(float)
                for name, columns in _WEIGHED.items() if set(columns) <= set(incidents.columns)}
    on_scene = (incidents["cleared_at"] - incidents["arrived_at"]).dt.total_seconds()
    measures["on_scene"] = on_scene.where(on_scene > 0).fillna(0)
    measures["rarity"] = 1 / kind_of(incidents).map(lambda k: max(kinds.get(k, 0), 1)).astype(float)
    total = pd.Series(0.0, index=incidents.index)
    for name, values in measures.items():
        heaviest = values.max()
        if heaviest > 0:
            total += weight.get(name, 0) * values / heaviest
    return total


def weighed_named(incidents: pd.DataFrame, kinds: dict[str, int], top: int | None = None) -> list[dict[str, str]]:
    """The heaviest incidents of the period (settings: notable.top; false alarms aside, ties by date), each with its
    date, place and kind."""
    top = top or settings()["notable"]["top"]
    candidates = incidents[~incidents["type"].isin(_NOT_NOTABLE)]
    if candidates.empty:
        return []
    ranked = candidates.assign(_weight=weights(candidates, kinds)).sort_values(
        ["_weight", "received_at"], ascending=[False, True]).head(top)
    place = ranked["district"].fillna(ranked["address"]).fillna("")
    return [{"date": f"{when:%Y-%m-%d}", "place": str(where), "kind": str(kind)}
            for when, where, kind in zip(ranked["received_at"], place, kind_of(ranked))]

"""Notable incidents of a period: those that weigh most (people rescued, casualties, losses averted, vehicles and
crew sent, time on scene) and those of kinds rare across the detachment, not the first few by date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from firestats.settings import settings

# What an incident weighs by, each against the heaviest of the period's (settings: notable.weights); rarity is
# how few of its kind the detachment had that year.
_WEIGHED = {"rescued": ["rescued"], "casualties": ["deaths", "injuries"], "loss": ["loss_averted_10k_yuan"],
            "vehicles": ["vehicles"], "personnel": ["personnel"]}
_NOT_NOTABLE = ("虚假警",)  # a false alarm is never a 典型警情, however rare its wording
# What the heaviest incidents are ranked and named by, besides what they weigh.
_NAMED = ("received_at", "arrived_at", "cleared_at", "type", "subtype", "district", "address")


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
    minutes = _on_scene_s(rows) / 60
    # A few rows: written one by one, not by a dozen pandas steps over pyarrow strings.
    texts = [None if pd.isna(kind := subtype if pd.notna(subtype) else main) else
             "".join(("" if pd.isna(part) else str(part)) for part in (district, address)) + f" {kind}"
             + (f"，营救{int(rescued)}人" if pd.notna(rescued) and rescued else "")
             + ("" if pd.isna(on_scene) else f"，现场处置{on_scene:.0f}分钟")
             for district, address, subtype, main, rescued, on_scene in zip(
                 rows["district"], rows["address"], rows["subtype"], rows["type"], rows["rescued"], minutes)]
    return pd.DataFrame({"date": rows["received_at"].dt.strftime("%Y-%m-%d"), "type": rows["type"],
                         "subtype": rows["subtype"], "description": pd.Series(texts, index=rows.index).str.strip()})


def most_rescued(incidents: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """The incidents with the most people rescued (only those with anyone rescued)."""
    top = top or settings()["notable"]["top"]
    rescued = incidents["rescued"]
    return _describe(incidents.loc[rescued[rescued.fillna(0) > 0].nlargest(top).index])


def longest_on_scene(incidents: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """The incidents with the longest time from arrival to clearing."""
    top = top or settings()["notable"]["top"]
    return _describe(incidents.loc[_on_scene_s(incidents).dropna().nlargest(top).index])


def _rare(kind: pd.Series, types: pd.Series, kinds: dict[str, int]) -> np.ndarray:
    """Which incidents are of a kind rare in the detachment: at most settings' notable.rare_at_most of it that year
    (false alarms never)."""
    at_most = settings()["notable"]["rare_at_most"]
    return (_counted(kind, kinds) <= at_most) & ~types.isin(_NOT_NOTABLE).to_numpy()


def _counted(kind: pd.Series, kinds: dict[str, int]) -> np.ndarray:
    """The detachment's incidents of each incident's kind that year (0 for a kind it did not count)."""
    return kind.map(kinds).to_numpy(dtype=float, na_value=0.0)


def rare_counts(incidents: pd.DataFrame, kinds: dict[str, int], dates: int = 3) -> pd.DataFrame:
    """Incidents of each rare kind: kind, count (incidents) and the dates of the first ``dates`` of them."""
    kind = kind_of(incidents)
    rare = _rare(kind, incidents["type"], kinds)
    received = incidents["received_at"][rare].sort_values()  # the two columns counted, not every column's rows
    grouped = received.groupby(kind[rare].loc[received.index], sort=False)
    return pd.DataFrame({"kind": list(grouped.groups), "n": grouped.size().to_list(),
                         "first": ["、".join(f"{d:%m月%d日}" for d in days.head(dates)) for _, days in grouped]})


def weights(incidents: pd.DataFrame, kinds: dict[str, int]) -> np.ndarray:
    """What each incident weighs (0 up to the sum of settings' notable.weights): each measure against the period's
    heaviest (its rescued, casualties, losses averted, vehicles, crew, minutes on scene), and its kind's rarity
    against the rarest (one over the detachment's incidents of that kind that year)."""
    weight = settings()["notable"]["weights"]
    measures = {name: sum(incidents[column].to_numpy(dtype=float, na_value=0.0) for column in columns)
                for name, columns in _WEIGHED.items() if set(columns) <= set(incidents.columns)}
    on_scene = _on_scene_s(incidents).to_numpy(dtype=float, na_value=np.nan)
    measures["on_scene"] = np.where(on_scene > 0, on_scene, 0.0)  # NaN compares false: none on scene
    measures["rarity"] = 1 / np.maximum(_counted(kind_of(incidents), kinds), 1)
    total = np.zeros(len(incidents))
    for name, values in measures.items():
        heaviest = values.max(initial=0.0)
        if heaviest > 0:
            total += weight.get(name, 0) * values / heaviest
    return total


def _on_scene_s(incidents: pd.DataFrame) -> pd.Series:
    """Each incident's seconds on scene, from arrival to clearing (NaN where either time is missing)."""
    return (incidents["cleared_at"] - incidents["arrived_at"]).dt.total_seconds()


def weighed_named(incidents: pd.DataFrame, kinds: dict[str, int], top: int | None = None) -> list[dict[str, str]]:
    """The heaviest incidents of the period (settings: notable.top; false alarms aside, ties by date), each with its
    date, place and kind."""
    top = top or settings()["notable"]["top"]
    used = [c for c in incidents.columns if c in _NAMED or any(c in columns for columns in _WEIGHED.values())]
    candidates = incidents[used][~incidents["type"].isin(_NOT_NOTABLE).to_numpy()]  # the columns weighed alone
    if candidates.empty:
        return []
    # Heaviest first, then earliest (a missing time last), then in the records' order: a stable sort of the
    # weights and times alone, and only the rows named taken.
    received = candidates["received_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    received = np.where(candidates["received_at"].isna().to_numpy(), np.iinfo(np.int64).max, received)
    ranked = candidates.iloc[np.lexsort((received, -weights(candidates, kinds)))[:top]]
    place = ranked["district"].fillna(ranked["address"]).fillna("")
    return [{"date": f"{when:%Y-%m-%d}", "place": str(where), "kind": str(kind)}
            for when, where, kind in zip(ranked["received_at"], place, kind_of(ranked))]

"""Notable incidents of the year: the most people rescued, the longest on scene, the rare kinds."""

from __future__ import annotations

import pandas as pd

from firestats.settings import settings


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


def rare_summary(incidents: pd.DataFrame) -> str:
    """The rare kinds handled, as the annual text names them: 山体滑坡1起、水域救援3起."""
    counts = incidents["subtype"][incidents["subtype"].isin(settings()["notable"]["rare_subtypes"])].value_counts()
    return "、".join(f"{kind}{n}起" for kind, n in counts.items())

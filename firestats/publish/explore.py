"""Helpers for analysts exploring the prepared data in JupyterLab (``notebooks/explore.ipynb``):
what each column of the canonical tables means, a station's headline figures beside its
detachment's, and its figures by place."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import yaml

from firestats.catalogue import part_word, shown_in, table_heading
from firestats.compute.compare import value_at
from firestats.compute.station import compute
from firestats.periods import Period
from firestats.publish.exports import rounded
from firestats.schema import INCIDENT_FIELDS
from firestats.store import Dataset


@cache
def _described() -> dict[str, dict[str, str]]:
    return yaml.safe_load(resources.files("firestats").joinpath("data/columns.yaml").read_text("utf-8"))


def columns(table: pd.DataFrame, family: str) -> pd.DataFrame:
    """Each column of a canonical table (``family``: incidents, assessments or activities) with its
    meaning in Chinese and its pandas type."""
    meaning = {f.name: f.label for f in INCIDENT_FIELDS} if family == "incidents" else {}
    meaning |= _described()[family]
    return pd.DataFrame({"列": table.columns, "含义": [meaning.get(c, "") for c in table.columns],
                         "类型": [str(t) for t in table.dtypes]})


def station_vs_detachment(data: Dataset, station: str, period: Period) -> pd.DataFrame:
    """A station's headline figures beside its detachment's (every station's records) for one period,
    with the station's share of each count (a fraction 0..1; None for times and rates)."""
    mine = compute(data, data.resolve_station(station), period).figures
    everyone = compute(data, None, period).figures
    rows = []
    for e in shown_in("headline"):  # as published: 603, not 603.000000; seconds to 0.1, shares to 4 decimals
        own, total = rounded(value_at(mine, e.key), e.key), rounded(value_at(everyone, e.key), e.key)
        counted = e.unit not in ("秒", "比例") and own is not None and total
        rows.append({"指标": e.term, "单位": e.unit, "本站": own, "支队": total,
                     "本站占支队": round(own / total, 4) if counted else None})
    return pd.DataFrame(rows, dtype=object)


def places_table(data: Dataset, station: str, period: Period) -> pd.DataFrame:
    """A station's figures by place for one period, a row per place (busiest first, 未识别 last): incidents (起),
    share, 同比 and 环比 (fractions 0..1), the call to the first arrival (n, median and 90th percentile in seconds)
    and the share on scene within the arrival threshold; columns named as the report names them."""
    districts = compute(data, data.resolve_station(station), period, interval=False).figures["places"]["districts"]
    frame = pd.DataFrame.from_dict(districts, orient="index")
    return frame.rename(columns={c: part_word(c) for c in frame.columns}).rename_axis(table_heading("place"))

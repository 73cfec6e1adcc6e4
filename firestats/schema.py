"""The canonical incident table: its fields, their kinds, and the six incident types."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

FieldKind = Literal["id", "text", "timestamp", "category", "count", "amount", "coordinate"]


@dataclass(frozen=True)
class Field:
    """One column of the canonical incident table."""

    name: str
    kind: FieldKind
    label: str  # what a report reader sees
    required: bool = False


INCIDENT_FIELDS: tuple[Field, ...] = (
    Field("incident_id", "id", "警情编号", required=True),
    Field("station", "category", "出动站", required=True),
    Field("received_at", "timestamp", "接警时间", required=True),
    Field("dispatched_at", "timestamp", "出动时间"),
    Field("departed_at", "timestamp", "出车时间"),
    Field("arrived_at", "timestamp", "到场时间"),
    Field("water_at", "timestamp", "出水时间"),
    Field("cleared_at", "timestamp", "处置完毕时间"),
    Field("returned_at", "timestamp", "归队时间"),
    Field("type", "category", "警情类型", required=True),
    Field("subtype", "text", "警情子类"),
    Field("district", "text", "行政区"),
    Field("address", "text", "地址"),
    Field("latitude", "coordinate", "纬度"),  # WGS 84 degrees, as the exports' maps give them
    Field("longitude", "coordinate", "经度"),
    Field("vehicles", "count", "出动车辆（辆）"),
    Field("personnel", "count", "出动人数（人）"),
    Field("rescued", "count", "营救被困人员（人）"),
    Field("evacuated", "count", "疏散遇险人员（人）"),
    Field("deaths", "count", "死亡（人）"),
    Field("injuries", "count", "受伤（人）"),
    Field("loss_averted_10k_yuan", "amount", "挽回损失（万元）"),
)

FIELDS_BY_NAME = {f.name: f for f in INCIDENT_FIELDS}
TIMESTAMP_FIELDS = tuple(f.name for f in INCIDENT_FIELDS if f.kind == "timestamp")

# National statistics split every incident into the first five; 其他 catches what fits none.
INCIDENT_TYPES: tuple[str, ...] = ("火灾扑救", "抢险救援", "社会救助", "安保勤务", "虚假警", "其他")

# The place of an incident with neither a district nor an address whose town level can be read.
UNIDENTIFIED_PLACE = "未识别"

# Columns firestats adds to every kept row so that it can be traced back to its export.
PROVENANCE = ("source_file", "source_row")
# The first-arriving unit's own dispatch and en route times (where rows are units, folded into one
# incident; otherwise the incident's): turnout and travel are that unit's, not mixed across units.
FIRST_UNIT_TIMES = {"dispatched_at": "first_unit_dispatched_at", "departed_at": "first_unit_departed_at"}
# Set when an arrival is recorded before its dispatch: the incident counts, its response times do not.
FLAG_ARRIVAL_BEFORE_DISPATCH = "flag_arrival_before_dispatch"


@cache
def aliases() -> dict:
    """The alias table shipped in ``firestats/data/incident_aliases.yaml``."""
    text = resources.files("firestats").joinpath("data/incident_aliases.yaml").read_text("utf-8")
    return yaml.safe_load(text)

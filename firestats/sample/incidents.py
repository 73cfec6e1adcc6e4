"""A seeded generator of realistic, messy incident exports, and the truth behind them.

The truth is the canonical incident table the exports mean; the exports spell it the way
real dispatch systems and hand-kept ledgers do (see the domain README): title and 合计 rows,
GB18030 and UTF-8 CSV, four timestamp spellings and Excel datetimes, drifting type and station
names, full-width digits, ``3人`` and ``1.5万``, incidents exported twice, arrivals recorded
before dispatch, and a few rows no one could use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from firestats.schema import FLAG_ARRIVAL_BEFORE_DISPATCH, INCIDENT_FIELDS, INCIDENT_TYPES

SEED = 20251231
YEARS = (2023, 2024, 2025)
# station -> (incidents in the first year, median travel time in seconds, districts)
STATIONS: dict[str, tuple[int, float, tuple[str, ...]]] = {
    "城东站": (560, 200.0, ("东城街道", "东湖街道", "新港镇")),
    "城西站": (470, 215.0, ("西城街道", "西山街道")),
    "城南站": (380, 230.0, ("南门街道", "南湖镇", "白沙镇")),
    "城北站": (320, 250.0, ("北关街道", "北岭镇")),
    "高新区站": (430, 290.0, ("高新区", "科技城", "创业园")),
}
# Where the sample's stations stand (latitude, longitude in degrees): a made-up city, 城东 east of 城西.
STATION_AT = {"城东站": (30.27, 120.22), "城西站": (30.27, 120.08), "城南站": (30.20, 120.15),
              "城北站": (30.34, 120.15), "高新区站": (30.30, 120.30)}
_SPEED_M_S = 9.0  # a fire engine's mean speed through town, about 32 km/h
# 2025 national shares (万起): 火灾扑救 83.7, 抢险救援 44.2, 社会救助 85.8, 安保勤务 14.3, 虚假警 16.4;
# 其他 is a sliver for what fits none.
TYPE_WEIGHTS = dict(zip(INCIDENT_TYPES, (83.7, 44.2, 85.8, 14.3, 16.4, 1.2)))
# Subtypes with their weights: the rare kinds (山体滑坡, 危化品泄漏 …) stay rare.
SUBTYPES = {
    "火灾扑救": {"建筑火灾": 35, "车辆火灾": 20, "电动自行车火灾": 20, "垃圾杂物火灾": 22, "草地山林火灾": 3},
    "抢险救援": {"交通事故": 70, "其他抢险": 13, "水域救援": 8, "危化品泄漏": 4, "建筑坍塌": 3, "山体滑坡": 2},
    "社会救助": {"电梯困人": 35, "摘除马蜂窝": 30, "开门救助": 20, "动物救助": 12, "高空救助": 3},
    "安保勤务": {"大型活动安保": 1, "重要会议保卫": 1, "考试保障": 1},
    "虚假警": {"误报": 1, "恶意报警": 1, "自动报警误报": 1},
    "其他": {"其他": 1},
}
# Month weights (Jan..Dec) per type: fires peak in the dry winter and Spring Festival,
# wasp nests and water rescue in summer.
MONTH_WEIGHTS = {
    "火灾扑救": (13, 14, 11, 9, 7, 6, 6, 6, 6, 7, 8, 11),
    "抢险救援": (6, 6, 7, 8, 9, 11, 12, 11, 9, 8, 7, 6),
    "社会救助": (6, 6, 7, 8, 9, 10, 12, 12, 10, 8, 6, 6),
    "安保勤务": (8, 10, 8, 8, 8, 9, 7, 7, 8, 11, 8, 8),
    "虚假警": (8, 8, 8, 8, 8, 9, 9, 9, 8, 8, 8, 8),
    "其他": (8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8),
}
# Calls by hour of day: quiet before dawn, busiest late morning and early evening.
HOUR_WEIGHTS = (
    3, 2, 2, 1.5, 1.5, 2, 3, 4, 5, 6, 6.5, 6.5, 6, 6, 6, 6, 6.5, 7, 7, 6.5, 6, 5, 4, 3.5,
)
# Spellings an export may use instead of the canonical one.
TYPE_SPELLINGS = {
    "火灾扑救": ("火灾扑救", "火灾", "灭火"),
    "抢险救援": ("抢险救援", "抢险"),
    "社会救助": ("社会救助", "救助"),
    "安保勤务": ("安保勤务", "公务执勤"),
    "虚假警": ("虚假警", "虚假警情", "虚警"),
    "其他": ("其他", "其它"),
}
# Header spellings per export layout: real systems disagree on every one of them.
LAYOUTS = {
    "dispatch": {
        "incident_id": "警情编号", "station": "出动站", "received_at": "接警时间",
        "dispatched_at": "出动时间", "departed_at": "出车时间", "arrived_at": "到场时间",
        "water_at": "出水时间", "cleared_at": "结束时间", "returned_at": "归队时间",
        "type": "警情类型", "subtype": "警情子类", "district": "行政区", "address": "地址",
        "latitude": "纬度", "longitude": "经度",
        "vehicles": "出动车辆", "personnel": "出动人数", "rescued": "抢救人数",
        "evacuated": "疏散人数", "deaths": "死亡", "injuries": "受伤",
        "loss_averted_10k_yuan": "挽回损失(万元)",
    },
    "ledger": {
        "incident_id": "警情编号", "station": "主战站", "received_at": "报警时间",
        "dispatched_at": "派车时间", "departed_at": "出车时间", "arrived_at": "到达时间",
        "water_at": "出水时间", "cleared_at": "处置完毕时间", "returned_at": "返队时间",
        "type": "警情类别", "subtype": "警情子类", "district": "行政区划", "address": "发生地址",
        "latitude": "坐标纬度", "longitude": "坐标经度",
        "vehicles": "出动车辆数", "personnel": "出动人员", "rescued": "营救人数",
        "evacuated": "疏散人员", "deaths": "死亡人数", "injuries": "受伤人数",
        "loss_averted_10k_yuan": "挽回经济损失（万元）",
    },
    "platform": {
        "incident_id": "警情ID", "station": "所属队站", "received_at": "立案时间",
        "dispatched_at": "调派时间", "departed_at": "出车时间", "arrived_at": "到场时间",
        "water_at": "出水时间", "cleared_at": "处置结束时间", "returned_at": "归队时间",
        "type": "案件类型", "subtype": "警情细类", "district": "所属区县", "address": "事发地址", "latitude": "lat",
        "longitude": "lng",
        "vehicles": "出动消防车", "personnel": "出动警力", "rescued": "营救被困人员",
        "evacuated": "疏散遇险人员", "deaths": "死亡", "injuries": "受伤",
        "loss_averted_10k_yuan": "挽回损失",
    },
}
_FULL_WIDTH = str.maketrans("0123456789:-/", "０１２３４５６７８９：－／")
_ROADS = ("人民路", "解放路", "建设路", "中山路", "新华街", "滨江大道", "工业园路", "学府路", "花园路", "长江路")


@dataclass
class Sample:
    """What the sample exports mean: the kept incidents, and the rows that must be quarantined."""

    incidents: pd.DataFrame  # canonical fields plus the arrival-before-dispatch flag
    duplicates: pd.DataFrame  # incident_id, station, year of each second export of an incident
    junk: pd.DataFrame  # station, year (NA when unknowable), reason of each row to quarantine


def generate(seed: int = SEED, years: tuple[int, ...] = YEARS,
             stations: dict[str, tuple[int, float, tuple[str, ...]]] | None = None) -> Sample:
    """Draw the true incidents of every station and year (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    stations = STATIONS if stations is None else stations
    frames = []
    for code, (station, (base, travel, districts)) in enumerate(stations.items(), start=1):
        for k, year in enumerate(years):
            n = int(base * (1 + 0.06 * k) * rng.uniform(0.92, 1.08))
            frames.append(_station_year(rng, station, code, year, n, travel, districts))
    incidents = pd.concat(frames, ignore_index=True).sort_values("received_at", kind="stable")
    incidents = _placed(incidents.reset_index(drop=True), seed, stations)

    dup_mask = rng.random(len(incidents)) < 0.02
    duplicates = incidents.loc[dup_mask, ["incident_id", "station"]].assign(
        year=incidents.loc[dup_mask, "received_at"].dt.year)
    junk = _junk(rng, incidents)
    return Sample(incidents, duplicates.reset_index(drop=True), junk)


def _station_year(rng: np.random.Generator, station: str, code: int, year: int, n: int,
                  travel: float, districts: tuple[str, ...]) -> pd.DataFrame:
    types = rng.choice(list(TYPE_WEIGHTS), size=n, p=_norm(TYPE_WEIGHTS.values()))
    month = np.array([rng.choice(12, p=_norm(MONTH_WEIGHTS[t])) + 1 for t in types])
    days_in = np.array([pd.Period(f"{year}-{m:02d}").days_in_month for m in month])
    day = (rng.random(n) * days_in).astype(int) + 1
    hour = rng.choice(24, size=n, p=_norm(HOUR_WEIGHTS))
    second_of_hour = rng.integers(0, 3600, size=n)
    received = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour})
    ) + pd.to_timedelta(second_of_hour, unit="s")

    def lognormal(median: float, sigma: float) -> np.ndarray:
        return np.round(rng.lognormal(np.log(median), sigma, size=n))

    is_fire, is_false = types == "火灾扑救", types == "虚假警"
    dispatched = received + pd.to_timedelta(np.clip(lognormal(45, 0.45), 10, 600), unit="s")
    departed = dispatched + pd.to_timedelta(np.clip(lognormal(42, 0.3), 15, 400), unit="s")
    arrived = departed + pd.to_timedelta(np.clip(lognormal(travel, 0.45), 40, 3600), unit="s")
    water = (arrived + pd.to_timedelta(lognormal(80, 0.5), unit="s")).where(is_fire)
    on_scene = np.where(is_fire, lognormal(2400, 0.7), np.where(is_false, lognormal(500, 0.5), lognormal(1500, 0.6)))
    cleared = arrived + pd.to_timedelta(on_scene, unit="s")
    returned = cleared + pd.to_timedelta(lognormal(900, 0.4), unit="s")

    # Some crews are stood down en route: no arrival, no scene times.
    stood_down = rng.random(n) < 0.015
    arrived = arrived.where(~stood_down)
    water = water.where(~stood_down)
    # A clock fault stamps a few arrivals minutes before the dispatch order.
    early = ~stood_down & (rng.random(n) < 0.006)
    arrived = arrived.where(~early, dispatched - pd.to_timedelta(rng.integers(60, 600, size=n), unit="s"))

    vehicles = np.where(is_fire, rng.integers(2, 6, size=n), rng.integers(1, 3, size=n))
    personnel = vehicles * rng.integers(4, 7, size=n)
    rescue_chance = np.select([types == "抢险救援", types == "社会救助", is_fire], [0.35, 0.25, 0.05], 0.0)
    rescued = np.where(rng.random(n) < rescue_chance, rng.integers(1, 5, size=n), 0)
    evac_chance = np.select([is_fire, types == "抢险救援"], [0.3, 0.1], 0.0)
    evacuated = np.where(rng.random(n) < evac_chance, rng.integers(1, 60, size=n), 0)
    deaths = np.where(is_fire & (rng.random(n) < 0.004), 1, 0)
    injuries = np.where((is_fire | (types == "抢险救援")) & (rng.random(n) < 0.02), rng.integers(1, 3, size=n), 0)
    loss = np.where(is_fire & (rng.random(n) < 0.6), np.round(rng.lognormal(np.log(3), 1.0, size=n), 1), 0.0)

    subtype = [rng.choice(list(SUBTYPES[t]), p=_norm(SUBTYPES[t].values())) for t in types]
    address = [f"{_ROADS[rng.integers(len(_ROADS))]}{rng.integers(1, 400)}号" for _ in range(n)]
    frame = pd.DataFrame({
        "received_at": received, "dispatched_at": dispatched, "departed_at": departed,
        "arrived_at": arrived, "water_at": water, "cleared_at": cleared.where(~stood_down),
        "returned_at": returned, "type": types, "subtype": subtype,
        "district": rng.choice(list(districts), size=n), "address": address,
        "vehicles": vehicles, "personnel": personnel, "rescued": rescued, "evacuated": evacuated,
        "deaths": deaths, "injuries": injuries, "loss_averted_10k_yuan": loss,
    }).sort_values("received_at", kind="stable").reset_index(drop=True)
    frame.insert(0, "station", station)
    frame.insert(0, "incident_id", [f"{year}{code:02d}{i:05d}" for i in range(1, n + 1)])
    frame[FLAG_ARRIVAL_BEFORE_DISPATCH] = (frame["arrived_at"] < frame["dispatched_at"]).to_numpy()
    return frame


def _placed(incidents: pd.DataFrame, seed: int, stations: dict[str, tuple[int, float, tuple[str, ...]]]
            ) -> pd.DataFrame:
    """The incidents with a point (latitude, longitude in degrees) for seven in ten of them: out from their
    station's position (``STATION_AT``; another's on a grid about the city, see ``_position``) in their district's
    direction, as far as the crew's travel time at ``_SPEED_M_S`` reaches, so the map's far points are its slow
    ones. A generator of its own draws them: the rest of the sample stays as it was."""
    rng = np.random.default_rng([seed, 1])
    n = len(incidents)
    travel = (incidents["arrived_at"] - incidents["departed_at"]).dt.total_seconds().to_numpy(dtype=float)
    travel = np.where(np.isfinite(travel) & (travel > 0), travel, rng.uniform(60, 400, size=n))
    metres = travel * _SPEED_M_S * rng.uniform(0.6, 1.0, size=n)
    sector = np.array([stations[s][2].index(d) / len(stations[s][2]) for s, d in
                       zip(incidents["station"], incidents["district"])]) if n else np.array([])
    angle = 2 * np.pi * sector + rng.normal(0.6, 0.45, size=n)
    order = {station: k for k, station in enumerate(stations)}
    at = np.array([_position(s, order[s]) for s in incidents["station"]]).reshape(n, 2)
    latitude = at[:, 0] + metres * np.sin(angle) / 111_000
    longitude = at[:, 1] + metres * np.cos(angle) / (111_000 * np.cos(np.radians(at[:, 0])))
    located = rng.random(n) < 0.7
    return incidents.assign(latitude=np.where(located, latitude.round(6), np.nan),
                            longitude=np.where(located, longitude.round(6), np.nan))


def _position(station: str, k: int) -> tuple[float, float]:
    """A station's position (latitude, longitude in degrees): the sample's own, else the ``k``-th of a generated
    detachment's on a grid six stations wide, about 6 km apart."""
    return STATION_AT.get(station) or (30.15 + 0.055 * (k // 6), 120.0 + 0.062 * (k % 6))


def _junk(rng: np.random.Generator, incidents: pd.DataFrame) -> pd.DataFrame:
    """Rows a real export carries that cannot be kept: unknown types, times nobody filled in."""
    stations = incidents["station"].unique()
    years = sorted(incidents["received_at"].dt.year.unique())
    rows = []
    for year in years:
        for station in stations:
            rows.append({"station": station, "year": year, "reason": "unknown_type"})
        for _ in range(3):
            rows.append({"station": rng.choice(stations), "year": pd.NA, "reason": "missing_received_at"})
    return pd.DataFrame(rows).astype({"year": "Int64"})


def _norm(weights) -> np.ndarray:
    w = np.asarray(list(weights), dtype=float)
    return w / w.sum()


# --- writing the exports -------------------------------------------------------------------

def write_exports(sample: Sample, out_dir: Path | str, seed: int = SEED) -> list[Path]:
    """Write the sample as the messy exports a detachment would collect, one set per year."""
    rng = np.random.default_rng(seed + 1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = sorted(sample.incidents["received_at"].dt.year.unique())
    rows = _export_rows(rng, sample)
    written = []
    for i, year in enumerate(years):
        mine = rows[rows["_year"] == year]
        kind = ("xlsx", "csv-gb18030", "split")[i % 3]
        if kind == "xlsx":
            written.append(_write_xlsx(mine, out / f"接处警记录_{year}.xlsx", "dispatch", year))
        elif kind == "csv-gb18030":
            written.append(_write_csv(mine, out / f"接处警台账_{year}.csv", "ledger", "gb18030"))
        else:
            first, second = mine[mine["_month"] <= 6], mine[mine["_month"] > 6]
            written.append(_write_csv(first, out / f"警情导出_{year}年1-6月.csv", "platform", "utf-8-sig"))
            written.append(_write_xlsx(second, out / f"警情导出_{year}年7-12月.xlsx", "dispatch", year))
    return written


def _export_rows(rng: np.random.Generator, sample: Sample) -> pd.DataFrame:
    """Each incident once, the duplicates twice, the junk rows, shuffled a little, spelled messily."""
    truth = sample.incidents
    copies = truth[truth["incident_id"].isin(sample.duplicates["incident_id"])]
    junk = _junk_rows(rng, sample.junk, truth)
    rows = pd.concat([truth, copies, junk], ignore_index=True)
    rows["_year"] = rows["received_at"].dt.year.fillna(rows.pop("_junk_year")).astype(int)
    rows["_month"] = rows["received_at"].dt.month.fillna(6).astype(int)
    # Exports are sorted by time, with the junk and the re-exported copies scattered through.
    order = rows["received_at"].fillna(pd.Timestamp("2000-01-01")) + pd.to_timedelta(rng.random(len(rows)), unit="D")
    rows = rows.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    return _spell(rng, rows)


def _junk_rows(rng: np.random.Generator, junk: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    template = truth.sample(len(junk), random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    template["incident_id"] = [f"X{i:06d}" for i in range(len(junk))]
    template["station"] = junk["station"].to_numpy()
    template["_junk_year"] = junk["year"].fillna(int(truth["received_at"].dt.year.max())).to_numpy()
    unknown = (junk["reason"] == "unknown_type").to_numpy()
    template.loc[unknown, "type"] = "待定"
    template.loc[unknown, "received_at"] = [
        pd.Timestamp(f"{y}-06-15 10:00:00") + pd.Timedelta(minutes=int(m))
        for y, m in zip(junk.loc[unknown, "year"], rng.integers(0, 50_000, size=unknown.sum()))
    ]
    template.loc[~unknown, "received_at"] = pd.NaT
    return template


def _spell(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Turn canonical values into the spellings real exports use (one timestamp style per row)."""
    n = len(rows)
    out = pd.DataFrame(index=rows.index)
    out["_year"], out["_month"] = rows["_year"], rows["_month"]
    out["_style"] = rng.integers(0, 5, size=n)  # 0-3: text spellings, 4: a datetime cell in Excel
    full_width = rng.random(n) < 0.03
    out["incident_id"] = rows["incident_id"]
    station_style = rng.integers(0, 3, size=n)
    stems = rows["station"].str.removesuffix("站")
    out["station"] = np.select([station_style == 0, station_style == 1], [stems, rows["station"]],
                               stems + "消防救援站")
    for f in INCIDENT_FIELDS:
        if f.kind == "timestamp":
            out[f.name] = [
                _spell_time(ts, style, fw) for ts, style, fw in zip(rows[f.name], out["_style"], full_width)
            ]
    out["type"] = [TYPE_SPELLINGS.get(t, (t,))[rng.integers(len(TYPE_SPELLINGS.get(t, (t,))))] for t in rows["type"]]
    for name in ("subtype", "district", "address", "latitude", "longitude"):
        out[name] = rows[name]
    for name in ("vehicles", "personnel", "rescued", "evacuated", "deaths", "injuries"):
        out[name] = _spell_counts(rng, rows[name], full_width, unit="辆" if name == "vehicles" else "人")
    out["loss_averted_10k_yuan"] = _spell_loss(rng, rows["loss_averted_10k_yuan"])
    return out


def _spell_time(ts: object, style: int, full_width: bool) -> object:
    if pd.isna(ts):
        return ""
    if style == 4:
        return ts.to_pydatetime()
    text = (
        f"{ts:%Y-%m-%d %H:%M:%S}",
        f"{ts.year}/{ts.month}/{ts.day} {ts.hour}:{ts.minute:02d}:{ts.second:02d}",
        f"{ts.year}年{ts.month}月{ts.day}日{ts.hour}时{ts.minute}分{ts.second}秒",
        f"{ts:%Y%m%d%H%M%S}",
    )[style]
    return text.translate(_FULL_WIDTH) if full_width else text


def _spell_counts(rng: np.random.Generator, values: pd.Series, full_width: np.ndarray, unit: str) -> list[str]:
    with_unit = rng.random(len(values)) < 0.08
    blank_zero = rng.random(len(values)) < 0.3  # ledgers leave a zero blank as often as not
    out = []
    for v, u, b, fw in zip(values, with_unit, blank_zero, full_width):
        if v == 0 and b:
            out.append("")
            continue
        text = f"{int(v)}{unit if u else ''}"
        out.append(text.translate(_FULL_WIDTH) if fw else text)
    return out


def _spell_loss(rng: np.random.Generator, values: pd.Series) -> list[str]:
    style = rng.integers(0, 4, size=len(values))
    out = []
    for v, s in zip(values, style):
        if v == 0:
            out.append("" if s < 3 else "0")
        elif s == 1:
            out.append(f"{v:g}万")
        elif s == 2:
            out.append(f"{v:g}万元")
        else:
            out.append(f"{v:g}")
    return out


def _headers(layout: str) -> tuple[list[str], list[str]]:
    mapping = LAYOUTS[layout]
    fields = [f.name for f in INCIDENT_FIELDS]
    return fields, [mapping[f] for f in fields]


def _write_csv(rows: pd.DataFrame, path: Path, layout: str, encoding: str) -> Path:
    fields, headers = _headers(layout)
    table = rows[fields].map(lambda v: f"{v:%Y-%m-%d %H:%M:%S}" if isinstance(v, dt.datetime) else v)
    table.columns = headers
    # A blank line in the middle, as hand edits leave behind.
    middle = len(table) // 2
    blank = pd.DataFrame([[""] * len(headers)], columns=headers)
    table = pd.concat([table.iloc[:middle], blank, table.iloc[middle:]], ignore_index=True)
    path.write_bytes(table.to_csv(index=False, lineterminator="\r\n").encode(encoding))
    return path


def _write_xlsx(rows: pd.DataFrame, path: Path, layout: str, year: int) -> Path:
    fields, headers = _headers(layout)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        book = writer.book
        book.set_properties({"created": dt.datetime(year + 1, 1, 5)})  # fixed, so the bytes are reproducible
        sheet = book.add_worksheet("接处警")
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.write(0, 0, f"{year}年度接处警情况统计表")
        sheet.write(1, 0, "填报单位：城区消防救援大队")
        sheet.write_row(3, 0, headers)  # row 3 (0-based) leaves a blank row under the titles
        r = 4
        for r, values in enumerate(rows[fields].itertuples(index=False), start=4):
            for c, v in enumerate(values):
                if isinstance(v, dt.datetime):
                    sheet.write_datetime(r, c, v, stamp)
                elif isinstance(v, str) and v.isascii() and v.isdigit() and c > 0:
                    sheet.write_number(r, c, int(v))  # counts typed into Excel are numbers
                elif v not in ("", None):
                    sheet.write_string(r, c, str(v))
        sheet.write_row(r + 2, 0, ["合计", f"{len(rows)}起"])
    return path

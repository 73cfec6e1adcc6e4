"""Benchmark: `firestats prepare` on 1,000,000 incident rows against the floor; a re-prepare after a new file.

The input is a GB18030 CSV whose four time columns mix four spellings
(2021-03-05 14:32:07, 2021/3/5 14:32:07, 2021年3月5日14时32分07秒, 20210305143207), with
drifting station and type names and numbers carrying units. The floor is the least any reader
must do: pyarrow reading the same file, plus one clean-format ``to_datetime`` per time column.
Each side runs in a fresh process, so peak memory (max RSS) is that side's alone. Then the same
rows as twelve monthly files: a full prepare of all twelve against a re-prepare of the folder after
the twelfth file arrives (the other eleven already prepared), which reads that file alone. And a
province: 3.5M rows over six years as 72 monthly files, prepared once, for its peak memory.

With ``--messy``, the same rows also as a messy export: two GB18030 CSVs in two header layouts, spelled
every way the sample generator (``firestats.sample.incidents``) spells them: seven time columns in four
spellings (unpadded, 年月日时分秒, compact), full-width digits, drifting station and type names, counts
with units or left blank, amounts in 万 and 万元, rows that cannot be kept (an unknown type, no call
time), blank lines, a 合计 row closing each file, and 2% of the incidents exported in both files. Its
floor reads the same two files and parses every time column of each once.

    python benchmarks/bench_prepare.py [--rows 1000000 3000000 10000000] [--repeat 3] [--province 3500000]
    python benchmarks/bench_prepare.py --messy --province 0 --incremental 0
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from firestats.sample.incidents import _FULL_WIDTH, LAYOUTS, STATIONS, SUBTYPES, TYPE_SPELLINGS, TYPE_WEIGHTS
from firestats.schema import INCIDENT_FIELDS

TIME_COLUMNS = ["接警时间", "出动时间", "到场时间", "结束时间"]
PREPARE = [sys.executable, "-m", "firestats.cli", "prepare"]
# argv: a JSON list of [file, [its time columns]].
FLOOR = """
import json
import sys
import pandas as pd
import pyarrow.csv as pv
for path, columns in json.loads(sys.argv[1]):
    table = pv.read_csv(path, read_options=pv.ReadOptions(encoding="gb18030"),
                        convert_options=pv.ConvertOptions(column_types={c: "string" for c in columns}))
    frame = table.to_pandas()
    for column in columns:
        pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S", errors="coerce")
"""
# The messy export's two files and the layout (sample.incidents.LAYOUTS) each is written in.
MESSY_FILES = {"接处警台账_甲.csv": "ledger", "警情导出_乙.csv": "platform"}
# A blank line left by a hand edit after this many rows, so every piece the reader takes has one.
BLANK_EVERY = 60_000


# Rows generated at a time: a 10M-row export is written in pieces, never built whole in memory.
CHUNK_ROWS = 1_000_000


def messy_csv(path: Path, rows: int, seed: int = 7, files: int = 1, years: int = 3) -> None:
    """Write ``rows`` incidents of the ``years`` up to 2025 (plus 2% exported twice) as a GB18030 CSV with four
    timestamp spellings, a million rows at a time (``files`` > 1: as that many files 警情_01.csv … in the folder
    ``path``, month n of the span in file n modulo ``files``: 12 files hold a month of the year each, 12 × years
    a month each)."""
    if files > 1:
        path.mkdir()
    for first in range(0, rows, CHUNK_ROWS):
        frame, month = _messy_rows(min(CHUNK_ROWS, rows - first), seed + first // CHUNK_ROWS, first, years)
        written = {"index": False, "encoding": "gb18030", "mode": "w" if first == 0 else "a", "header": first == 0}
        if files == 1:
            frame.to_csv(path, **written)
        for n in range(files if files > 1 else 0):
            frame[month % files == n].to_csv(path / f"警情_{n + 1:02d}.csv", **written)


def generate(path: Path, rows: int, files: int = 1, years: int = 3, messy: bool = False) -> None:
    """``messy_csv`` (or with ``messy``, ``messy_exports``) run in a child process: this process stays small, and a
    child it times forks from it, so the child's peak memory is then its own, not this one's."""
    subprocess.run([sys.executable, __file__, "--generate", str(path), str(rows), str(files), str(years),
                    str(int(messy))], check=True)


def messy_exports(folder: Path, rows: int, seed: int = 11) -> None:
    """Write ``rows`` incidents (of 2023–2025) as the files of ``MESSY_FILES`` in ``folder``, a million at a time:
    each incident in one file at random, 2% also in the other, a few rows no one could use, a blank line every
    ``BLANK_EVERY`` rows and a 合计 row at the end of each file."""
    folder.mkdir()
    written = dict.fromkeys(MESSY_FILES, 0)
    for first in range(0, rows, CHUNK_ROWS):
        rng = np.random.default_rng(seed + first // CHUNK_ROWS)
        truth = _true_incidents(rng, min(CHUNK_ROWS, rows - first), first)
        home = rng.integers(0, 2, len(truth))
        twice = rng.random(len(truth)) < 0.02
        for n, (name, layout) in enumerate(MESSY_FILES.items()):
            mine = truth[(home == n) | twice]
            frame = _spelled(rng, mine, layout)
            with (folder / name).open("ab") as file:
                for start in range(0, len(frame), BLANK_EVERY):
                    block = frame.iloc[start : start + BLANK_EVERY]
                    header = written[name] == 0 and start == 0
                    file.write(block.to_csv(index=False, header=header, lineterminator="\r\n").encode("gb18030"))
                    file.write(b"\r\n")
            written[name] += len(frame)
    for name, layout in MESSY_FILES.items():
        closing = ["合计", f"{written[name]}起"] + [""] * (len(LAYOUTS[layout]) - 2)
        with (folder / name).open("ab") as file:
            file.write((",".join(closing) + "\r\n").encode("gb18030"))


def _true_incidents(rng: np.random.Generator, rows: int, first_id: int) -> pd.DataFrame:
    """``rows`` canonical incidents numbered from ``first_id``, times as datetime64 (NaT: not recorded), 0.1% of
    them junk (type 待定, or no call time)."""
    names = np.array(list(STATIONS))
    station = rng.integers(0, len(names), rows)
    types = np.array(list(TYPE_WEIGHTS))[rng.choice(len(TYPE_WEIGHTS), rows, p=_share(TYPE_WEIGHTS.values()))]
    received = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365 * 86400, rows), unit="s")
    steps = np.round(rng.lognormal(np.log([45, 42, 230, 80, 1500, 900]), 0.45, size=(rows, 6)))
    at = {"received_at": received.to_numpy()}
    for name, before, step in (("dispatched_at", "received_at", 0), ("departed_at", "dispatched_at", 1),
                               ("arrived_at", "departed_at", 2), ("water_at", "arrived_at", 3),
                               ("cleared_at", "arrived_at", 4), ("returned_at", "cleared_at", 5)):
        at[name] = at[before] + steps[:, step].astype("timedelta64[s]")
    stood_down = rng.random(rows) < 0.015  # no arrival, no scene times
    early = ~stood_down & (rng.random(rows) < 0.006)  # a clock fault: arrival before dispatch
    at["arrived_at"] = np.where(early, at["dispatched_at"] - np.timedelta64(300, "s"), at["arrived_at"])
    for name in ("arrived_at", "water_at", "cleared_at"):
        at[name] = np.where(stood_down, np.datetime64("NaT"), at[name])
    at["water_at"] = np.where(types == "火灾扑救", at["water_at"], np.datetime64("NaT"))
    junk = rng.random(rows) < 0.001
    at["received_at"] = np.where(junk & (rng.random(rows) < 0.5), np.datetime64("NaT"), at["received_at"])
    types = np.where(junk & ~np.isnat(at["received_at"]), "待定", types)
    vehicles = rng.integers(1, 6, rows)
    located = rng.random(rows) < 0.7
    return pd.DataFrame({
        "incident_id": pd.Series(np.arange(first_id, first_id + rows)).map("{:09d}".format),
        "station": names[station], **at, "type": types,
        "subtype": _subtypes(rng, types),
        "district": np.array([STATIONS[s][2][0] for s in names])[station],
        "address": pd.Series(rng.integers(1, 400, rows)).astype(str).radd("人民路") + "号",
        "latitude": np.where(located, (30.2 + rng.random(rows) * 0.15).round(6), np.nan),
        "longitude": np.where(located, (120.1 + rng.random(rows) * 0.2).round(6), np.nan),
        "vehicles": vehicles, "personnel": vehicles * rng.integers(4, 7, rows),
        "rescued": np.where(rng.random(rows) < 0.2, rng.integers(1, 5, rows), 0),
        "evacuated": np.where(rng.random(rows) < 0.1, rng.integers(1, 60, rows), 0),
        "deaths": np.where(rng.random(rows) < 0.002, 1, 0), "injuries": np.where(rng.random(rows) < 0.01, 1, 0),
        "loss_averted_10k_yuan": np.where(rng.random(rows) < 0.3, (rng.lognormal(1, 1, rows)).round(1), 0.0),
    })


def _subtypes(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    """A subtype of each incident's type, drawn alike among its type's (其他 for a type with none)."""
    out = np.full(len(types), "其他", dtype=object)
    for kind, subtypes in SUBTYPES.items():
        mine = types == kind
        out[mine] = np.array(list(subtypes))[rng.integers(0, len(subtypes), mine.sum())]
    return out


def _spelled(rng: np.random.Generator, truth: pd.DataFrame, layout: str) -> pd.DataFrame:
    """The incidents as an export of ``layout`` spells them (as ``sample.incidents._spell`` does, vectorised): one
    of four time spellings a row, 3% of rows in full-width digits, station and type names drifting."""
    n = len(truth)
    style, wide = rng.integers(0, 4, n), rng.random(n) < 0.03
    stem = truth["station"].str.removesuffix("站")
    naming = rng.integers(0, 3, n)
    out = {"station": np.select([naming == 0, naming == 1], [stem, truth["station"]], stem + "消防救援站"),
           "type": truth["type"].to_numpy(dtype=object).copy()}
    for kind, spellings in TYPE_SPELLINGS.items():
        mine = (truth["type"] == kind).to_numpy()
        out["type"][mine] = np.array(spellings)[rng.integers(0, len(spellings), mine.sum())]
    for name in ("incident_id", "subtype", "district", "address", "latitude", "longitude"):
        out[name] = truth[name]
    for f in INCIDENT_FIELDS:
        if f.kind == "timestamp":
            out[f.name] = _spelled_times(truth[f.name], style, wide)
        elif f.kind == "count":
            out[f.name] = _spelled_counts(rng, truth[f.name], wide, "辆" if f.name == "vehicles" else "人")
    out["loss_averted_10k_yuan"] = _spelled_loss(rng, truth["loss_averted_10k_yuan"])
    return pd.DataFrame({LAYOUTS[layout][f.name]: np.asarray(out[f.name]) for f in INCIDENT_FIELDS})


def _spelled_times(values: pd.Series, style: np.ndarray, wide: np.ndarray) -> np.ndarray:
    """Times as 2021-03-05 14:32:07, 2021/3/5 14:32:07, 2021年3月5日14时32分7秒 or 20210305143207 (by ``style``),
    full-width where ``wide``, blank where NaT."""
    parts = {k: pc.cast(pa.array(getattr(values.dt, k).fillna(0).astype("int64").to_numpy()), pa.string())
             for k in ("year", "month", "day", "hour", "minute", "second")}
    y, mo, d, h, mi, s = parts.values()
    two = {k: pc.utf8_lpad(v, 2, "0") for k, v in parts.items()}
    spellings = (
        (y, "-", two["month"], "-", two["day"], " ", two["hour"], ":", two["minute"], ":", two["second"]),
        (y, "/", mo, "/", d, " ", h, ":", two["minute"], ":", two["second"]),
        (y, "年", mo, "月", d, "日", h, "时", mi, "分", s, "秒"),
        (y, two["month"], two["day"], two["hour"], two["minute"], two["second"]),
    )
    joined = [pc.binary_join_element_wise(*spelling, "") for spelling in spellings]
    spelled = pc.choose(pa.array(style), *joined).to_numpy(zero_copy_only=False).astype(object)
    spelled[wide] = [cell.translate(_FULL_WIDTH) for cell in spelled[wide]]
    spelled[values.isna().to_numpy()] = ""
    return spelled


def _spelled_counts(rng: np.random.Generator, values: pd.Series, wide: np.ndarray, unit: str) -> np.ndarray:
    """Counts as ``sample.incidents._spell_counts`` writes them: 8% with a unit (3辆), a zero left blank as often as
    not, full-width where ``wide``."""
    text = values.astype(str).to_numpy(dtype=object)
    text = np.where(rng.random(len(text)) < 0.08, text + unit, text)
    text[wide] = [cell.translate(_FULL_WIDTH) for cell in text[wide]]
    text[(values == 0).to_numpy() & (rng.random(len(text)) < 0.3)] = ""
    return text


def _spelled_loss(rng: np.random.Generator, values: pd.Series) -> np.ndarray:
    """Amounts (万元) as ``sample.incidents._spell_loss`` writes them: 1.5, 1.5万 or 1.5万元; a zero blank or 0."""
    style = rng.integers(0, 4, len(values))
    number = values.map("{:g}".format).to_numpy(dtype=object)
    text = np.select([style == 1, style == 2], [number + "万", number + "万元"], number)
    return np.where(values.to_numpy() == 0, np.where(style < 3, "", "0"), text)


def _share(weights: Iterable[float]) -> np.ndarray:
    """Weights as probabilities summing to one."""
    w = np.fromiter(weights, dtype=float)
    return w / w.sum()


def _messy_rows(rows: int, seed: int, first_id: int, years: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``rows`` incidents numbered from ``first_id`` and 2% of them again, with each row's month of the span."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(f"{2026 - years}-01-01")
    received = start + pd.to_timedelta(rng.integers(0, years * 365 * 86400, rows), unit="s")
    offsets = np.cumsum(rng.lognormal(np.log([45, 240, 1500]), 0.4, size=(rows, 3)), axis=1).round()
    stamps = [pd.Series(received)] + [pd.Series(received + pd.to_timedelta(offsets[:, i], unit="s")) for i in range(3)]
    style = rng.integers(0, 4, rows)
    frame = pd.DataFrame({"警情编号": pd.Series(np.arange(first_id, first_id + rows)).map("{:09d}".format)})
    stations = np.array(["城东", "城东站", "城东消防救援站", "城西站", "高新区消防救援站", "城南"])
    frame["出动站"] = stations[rng.integers(0, len(stations), rows)]
    for column, values in zip(TIME_COLUMNS, stamps):
        spelled = pd.Series("", index=values.index, dtype=object)
        for s, fmt in enumerate(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日%H时%M分%S秒", "%Y%m%d%H%M%S"]):
            mask = style == s
            spelled[mask] = values[mask].dt.strftime(fmt)
        frame[column] = spelled
    types = np.array(["火灾扑救", "火灾", "灭火", "抢险救援", "社会救助", "救助", "安保勤务", "虚假警情"])
    frame["警情类型"] = types[rng.integers(0, len(types), rows)]
    frame["出动车辆"] = pd.Series(rng.integers(1, 6, rows)).astype(str) + np.where(rng.random(rows) < 0.1, "辆", "")
    frame["抢救人数"] = np.where(rng.random(rows) < 0.2, pd.Series(rng.integers(1, 5, rows)).astype(str) + "人", "")
    frame["挽回损失(万元)"] = np.where(rng.random(rows) < 0.3, (rng.random(rows) * 10).round(1).astype(str) + "万", "")
    frame["地址"] = "人民路" + pd.Series(rng.integers(1, 999, rows)).astype(str) + "号"
    duplicated = frame.sample(frac=0.02, random_state=seed)
    month = ((received.year - start.year) * 12 + received.month).to_numpy()
    return pd.concat([frame, duplicated]), np.concatenate([month, month[duplicated.index.to_numpy()]])


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB, max RSS) of one command run in a fresh process."""
    seconds, _, peak = timed_cpu(command)
    return seconds, peak


def timed_cpu(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user and system, every thread) and peak memory (MiB, max RSS) of one command run
    in a fresh process: on a machine others load, CPU seconds move less than wall seconds."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children so far
    seconds = time.perf_counter() - start
    if status:
        raise subprocess.CalledProcessError(status, command)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    if sys.argv[1:2] == ["--generate"]:
        path, rows, files, years, messy = sys.argv[2:]
        if int(messy):
            messy_exports(Path(path), int(rows))
        else:
            messy_csv(Path(path), int(rows), files=int(files), years=int(years))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--messy", action="store_true",
                        help="each --rows also as the messy export of two files, against its own floor")
    parser.add_argument("--province", type=int, default=3_500_000,
                        help="rows of the province: six years as 72 monthly files (0: not measured)")
    parser.add_argument("--incremental", type=int, default=1_000_000,
                        help="rows as 12 files for the re-prepare after one new file (0: not measured)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for messy in (False, True) if args.messy else (False,):
                print(json.dumps(against_floor(Path(tmp), rows, args.repeat, messy)), flush=True)
        if args.province:
            print(json.dumps(province(Path(tmp), args.province)), flush=True)
        if args.incremental:
            full, again = incremental(Path(tmp), args.incremental, args.repeat)
            print(json.dumps({"rows": args.incremental, "twelve_files_full_s": round(full, 2),
                              "after_one_new_file_s": round(again, 2), "incremental_share": round(again / full, 2)}))


def against_floor(tmp: Path, rows: int, repeat: int, messy: bool = False) -> dict:
    """Best seconds of the floor and of ``prepare --rebuild`` on one CSV of ``rows`` rows (``messy``: the two files
    of ``messy_exports``), the CPU seconds of those runs, peak memory of each."""
    given = tmp / (f"messy-{rows}" if messy else f"incidents-{rows}.csv")
    start = time.perf_counter()
    generate(given, rows, messy=messy)
    files = {given / name: layout for name, layout in MESSY_FILES.items()} if messy else {given: None}
    size = sum(path.stat().st_size for path in files) / 2**20
    print(f"generated {size:.0f} MiB in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    timing = [[str(path), _time_headers(layout)] for path, layout in files.items()]
    floor, prepare = [], []
    for _ in range(repeat):  # in turns: a machine's load falls on both alike
        floor.append(timed_cpu([sys.executable, "-c", FLOOR, json.dumps(timing)]))
        prepare.append(timed_cpu([*PREPARE, str(given), "--out", str(tmp / "out"), "--rebuild"]))
    shutil.rmtree(given, ignore_errors=True)  # the messy export's folder
    given.unlink(missing_ok=True)  # the clean export's file
    shutil.rmtree(tmp / "out")
    (best_floor, floor_cpu), (best_prepare, prepare_cpu) = (min((t, c) for t, c, _ in run) for run in (floor, prepare))
    return {"export": "messy" if messy else "clean", "rows": rows, "files": len(files), "mib": round(size),
            "floor_s": round(best_floor, 2), "prepare_s": round(best_prepare, 2),
            "ratio": round(best_prepare / best_floor, 2), "floor_cpu_s": round(floor_cpu, 2),
            "prepare_cpu_s": round(prepare_cpu, 2), "cpu_ratio": round(prepare_cpu / floor_cpu, 2),
            "prepare_peak_mib": round(max(m for *_, m in prepare)), "floor_peak_mib": round(max(m for *_, m in floor)),
            "load_average": os.getloadavg()[0]}


def _time_headers(layout: str | None) -> list[str]:
    """The time columns' headers in a ``layout`` of ``sample.incidents.LAYOUTS`` (None: ``messy_csv``'s)."""
    if layout is None:
        return TIME_COLUMNS
    return [LAYOUTS[layout][f.name] for f in INCIDENT_FIELDS if f.kind == "timestamp"]


def province(tmp: Path, rows: int) -> dict:
    """Seconds and peak memory of one prepare of ``rows`` rows over six years, as 72 monthly files."""
    raw = tmp / "province"
    generate(raw, rows, files=72, years=6)
    seconds, peak = timed([*PREPARE, str(raw), "--out", str(tmp / "province-out")])
    shutil.rmtree(raw)
    shutil.rmtree(tmp / "province-out")
    return {"province_rows": rows, "files": 72, "years": 6, "prepare_s": round(seconds, 2),
            "prepare_peak_mib": round(peak), "load_average": os.getloadavg()[0]}


def incremental(tmp: Path, rows: int, repeat: int) -> tuple[float, float]:
    """Best seconds of a full prepare of twelve monthly files, and of a re-prepare after the twelfth arrived."""
    raw, out = tmp / "months", tmp / "months-out"
    generate(raw, rows, files=12)
    last = raw / "警情_12.csv"
    held = tmp / last.name
    full, again = [], []
    for _ in range(repeat):
        full.append(timed([*PREPARE, str(raw), "--out", str(out), "--rebuild"])[0])
        last.rename(held)
        subprocess.run([*PREPARE, str(raw), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
        held.rename(last)
        again.append(timed([*PREPARE, str(raw), "--out", str(out)])[0])
    return min(full), min(again)


if __name__ == "__main__":
    main()

"""Benchmark: `firestats prepare` on 1,000,000 messy incident rows against the floor; a re-prepare after a new file.

The input is a GB18030 CSV whose four time columns mix four spellings
(2021-03-05 14:32:07, 2021/3/5 14:32:07, 2021年3月5日14时32分07秒, 20210305143207), with
drifting station and type names and numbers carrying units. The floor is the least any reader
must do: pyarrow reading the same file, plus one clean-format ``to_datetime`` per time column.
Each side runs in a fresh process, so peak memory (max RSS) is that side's alone. Then the same
rows as twelve monthly files: a full prepare of all twelve against a re-prepare of the folder after
the twelfth file arrives (the other eleven already prepared), which reads that file alone. And a
province: 3.5M rows over six years as 72 monthly files, prepared once, for its peak memory.

    python benchmarks/bench_prepare.py [--rows 1000000 3000000 10000000] [--repeat 3] [--province 3500000]
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
from pathlib import Path

import numpy as np
import pandas as pd

TIME_COLUMNS = ["接警时间", "出动时间", "到场时间", "结束时间"]
PREPARE = [sys.executable, "-m", "firestats.cli", "prepare"]
FLOOR = """
import sys
import pandas as pd
import pyarrow.csv as pv
table = pv.read_csv(sys.argv[1], read_options=pv.ReadOptions(encoding="gb18030"),
                    convert_options=pv.ConvertOptions(column_types={c: "string" for c in sys.argv[2:]}))
frame = table.to_pandas()
for column in sys.argv[2:]:
    pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S", errors="coerce")
"""


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


def generate(path: Path, rows: int, files: int = 1, years: int = 3) -> None:
    """``messy_csv`` run in a child process: this process stays small, and a child it times forks from it, so
    the child's peak memory is then its own, not this one's."""
    subprocess.run([sys.executable, __file__, "--generate", str(path), str(rows), str(files), str(years)], check=True)


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
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children so far
    seconds = time.perf_counter() - start
    if status:
        raise subprocess.CalledProcessError(status, command)
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    if sys.argv[1:2] == ["--generate"]:
        path, rows, files, years = sys.argv[2:]
        messy_csv(Path(path), int(rows), files=int(files), years=int(years))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--province", type=int, default=3_500_000,
                        help="rows of the province: six years as 72 monthly files (0: not measured)")
    parser.add_argument("--incremental", type=int, default=1_000_000,
                        help="rows as 12 files for the re-prepare after one new file (0: not measured)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            print(json.dumps(against_floor(Path(tmp), rows, args.repeat)), flush=True)
        if args.province:
            print(json.dumps(province(Path(tmp), args.province)), flush=True)
        if args.incremental:
            full, again = incremental(Path(tmp), args.incremental, args.repeat)
            print(json.dumps({"rows": args.incremental, "twelve_files_full_s": round(full, 2),
                              "after_one_new_file_s": round(again, 2), "incremental_share": round(again / full, 2)}))


def against_floor(tmp: Path, rows: int, repeat: int) -> dict:
    """Best seconds of the floor and of ``prepare --rebuild`` on one CSV of ``rows`` rows, peak memory of each."""
    csv = tmp / f"incidents-{rows}.csv"
    start = time.perf_counter()
    generate(csv, rows)
    print(f"generated {csv.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    floor, prepare = [], []
    for _ in range(repeat):  # in turns: a machine's load falls on both alike
        floor.append(timed([sys.executable, "-c", FLOOR, str(csv), *TIME_COLUMNS]))
        prepare.append(timed([*PREPARE, str(csv), "--out", str(tmp / "out"), "--rebuild"]))
    csv.unlink()
    shutil.rmtree(tmp / "out")
    best_floor, best_prepare = min(t for t, _ in floor), min(t for t, _ in prepare)
    return {"rows": rows, "floor_s": round(best_floor, 2), "prepare_s": round(best_prepare, 2),
            "ratio": round(best_prepare / best_floor, 2), "prepare_peak_mib": round(max(m for _, m in prepare)),
            "floor_peak_mib": round(max(m for _, m in floor)), "load_average": os.getloadavg()[0]}


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

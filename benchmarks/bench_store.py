"""Benchmark: one station's `firestats report` in a province's store (1,000 stations) against a detachment's (5).

Both stores hold the bundled sample's five stations (incidents, score sheets, ledgers); the
province's adds 995 stations of incidents (``--per-year`` each, over the sample's years) in one more
export. The same report (城东站, the sample's last year) is rendered from each, in turns, best of
``--repeat``: with the partitioned store a report reads its own station's years alone, so the ratio
stays near 1 however many stations the store holds. Prepare times and store sizes are printed too.

    python benchmarks/bench_store.py [--stations 1000] [--per-year 200] [--repeat 3]
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

from firestats import sample

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "firestats.cli"]
STATION = "城东站"


def timed(command: list[str]) -> float:
    """Wall seconds of one command."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def other_stations(path: Path, stations: int, per_year: int, seed: int = 11) -> int:
    """Write ``stations`` more stations' incidents (``per_year`` a year each) as one CSV; returns its rows."""
    rng = np.random.default_rng(seed)
    years = list(sample.YEARS)
    rows = stations * per_year * len(years)
    station = np.repeat([f"省内{i:04d}站" for i in range(stations)], per_year * len(years))
    start = pd.to_datetime([f"{y}-01-01" for y in np.tile(np.repeat(years, per_year), stations)])
    received = start + pd.to_timedelta(rng.integers(0, 365 * 86400, rows), unit="s")
    dispatched = received + pd.to_timedelta(rng.integers(30, 120, rows), unit="s")
    arrived = dispatched + pd.to_timedelta(rng.integers(120, 900, rows), unit="s")
    types = np.array(["火灾扑救", "抢险救援", "社会救助", "安保勤务"])
    fmt = "%Y-%m-%d %H:%M:%S"
    pd.DataFrame({
        "警情编号": [f"P{i:09d}" for i in range(rows)], "出动站": station, "接警时间": received.strftime(fmt),
        "出动时间": dispatched.strftime(fmt), "到场时间": arrived.strftime(fmt),
        "警情类型": types[rng.integers(0, len(types), rows)], "地址": "人民路1号", "抢救人数": rng.integers(0, 3, rows),
    }).to_csv(path, index=False, encoding="utf-8")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--per-year", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small, large = tmp / "raw-5", tmp / "raw-province"
        shutil.copytree(REPO / "data" / "raw", small)
        shutil.copytree(small, large)
        extra = other_stations(large / "省内其他站警情.csv", args.stations - len(sample.STATIONS), args.per_year)
        prepared = {}
        for name, raw in (("detachment", small), ("province", large)):
            data = tmp / f"data-{name}"
            prepared[name] = (data, timed([*CLI, "prepare", str(raw), "--out", str(data)]))
        year = str(sample.YEARS[-1])
        runs = {name: [] for name in prepared}
        for n in range(args.repeat):  # in turns, so that a machine slowing down weighs on both alike
            for name, (data, _) in prepared.items():
                runs[name].append(timed([*CLI, "report", "--data", str(data), "--station", STATION, "--year", year,
                                         "--out", str(tmp / f"out-{name}-{n}")]))
        sizes = {name: sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) for name, (data, _) in
                 prepared.items()}
    best = {name: min(seconds) for name, seconds in runs.items()}
    print(json.dumps({
        "stations": args.stations, "extra_rows": extra, "report_5_stations_s": round(best["detachment"], 2),
        f"report_{args.stations}_stations_s": round(best["province"], 2),
        "ratio": round(best["province"] / best["detachment"], 3),
        "prepare_s": {name: round(seconds, 1) for name, (_, seconds) in prepared.items()},
        "store_mib": {name: round(size / 2**20, 1) for name, size in sizes.items()},
        "load_average": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()

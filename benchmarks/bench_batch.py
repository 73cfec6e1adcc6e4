"""Benchmark: `firestats batch` on 30 stations x 3 years, on 1 worker and on 2, a re-run with
nothing changed, and one report against the floor of papermill + nbconvert on a one-cell notebook.

    python benchmarks/bench_batch.py [--stations 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from firestats import sample
from firestats.ingest.prepare import prepare

PLACES = ("城东 城西 城南 城北 高新区 开发区 江北 江南 河东 河西 新城 老城 港区 机场 滨湖 山前 北湖 南湖 东关 西关 "
          "龙泉 青山 白沙 金桥 花园 学府 科技城 工业园 临港 望江 湖滨 铁路 桃源 梅岭 松林").split()
FLOOR = """
import sys, nbformat, papermill
from nbconvert import HTMLExporter
out = papermill.execute_notebook(sys.argv[1], sys.argv[2], kernel_name="python3", progress_bar=False)
HTMLExporter(exclude_input=True).from_notebook_node(out)
"""


def timed(command: list[str]) -> float:
    """Wall seconds of one command."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5, help="Single report and floor: best of this many.")
    args = parser.parse_args()
    stations = {f"{p}站": (300 + 15 * i, 200.0 + 5 * i, (f"{p}街道",)) for i, p in enumerate(PLACES[:args.stations])}
    cli = [sys.executable, "-m", "firestats.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        raw, data = Path(tmp) / "raw", Path(tmp) / "processed"
        truth = sample.generate(stations=stations)
        sample.write_exports(truth, raw)
        sample.sheets.write(sample.sheets.generate(list(stations), list(sample.YEARS), sample.SEED), raw, sample.SEED)
        prepare([raw], data)
        batch = [*cli, "batch", "--data", str(data), "--out", f"{tmp}/reports"]
        one = timed([*batch, "--workers", "1", "--force"])
        two = timed([*batch, "--workers", "2", "--force"])
        unchanged = timed([*batch, "--workers", "2"])
        station = next(iter(stations))
        single = [*cli, "report", "--data", str(data), "--station", station, "--year", "2024", "--out", f"{tmp}/single"]
        cell = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        nbformat.write(cell, f"{tmp}/one.ipynb")
        one_cell = [sys.executable, "-c", FLOOR, f"{tmp}/one.ipynb", f"{tmp}/one-out.ipynb"]
        # Taken in turns, so that a machine slowing down or speeding up weighs on both alike.
        pairs = [(timed(single), timed(one_cell)) for _ in range(args.repeat)]
        report, floor = min(r for r, _ in pairs), min(f for _, f in pairs)
    reports = len(stations) * len(sample.YEARS) + len(sample.YEARS)
    print(json.dumps({
        "reports": reports, "one_worker_s": round(one, 1), "two_workers_s": round(two, 1),
        "speedup": round(one / two, 2), "unchanged_rerun_s": round(unchanged, 1),
        "unchanged_share": round(unchanged / one, 3), "single_report_s": round(report, 2),
        "floor_s": round(floor, 2), "report_vs_floor": round(report / floor, 2),
    }))


if __name__ == "__main__":
    main()

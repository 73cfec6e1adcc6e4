"""Benchmark: `firestats batch` on 30 stations x 3 years on 2 workers against the cold one-cell floor, on 1
worker, re-run with nothing changed, per report on a warm kernel, one cold report, page sizes, and a load run.

    python benchmarks/bench_batch.py [--stations 30] [--repeat 5] [--load 0]

The floor is a fresh process running papermill + nbconvert on a one-cell notebook (a cold kernel); the
batch's ratio is its time over (pages x floor / 2 workers), both measured in this run. ``--load N`` also
renders N reports with --workers 4 and counts kernels that failed to start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from firestats import sample
from firestats.store import prepare

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


def generate(folder: Path, count: int) -> Path:
    """Sample exports of ``count`` stations x the sample's years, prepared; returns the data folder."""
    # Past the list's end, places come round again numbered: 城东2站.
    places = [f"{PLACES[i % len(PLACES)]}{i // len(PLACES) + 1 if i >= len(PLACES) else ''}" for i in range(count)]
    stations = {f"{p}站": (300 + 15 * i, 200.0 + 5 * i, (f"{p}街道",)) for i, p in enumerate(places)}
    raw, data = folder / "raw", folder / "processed"
    sample.write_exports(sample.generate(stations=stations), raw)
    sample.sheets.write(sample.sheets.generate(list(stations), list(sample.YEARS), sample.SEED), raw, sample.SEED)
    prepare([raw], data)
    return data


def report_seconds(out: Path) -> list[float]:
    """Each report's seconds in a worker, from the batch's manifest."""
    return [entry["seconds"] for entry in json.loads((out / "manifest.json").read_text("utf-8")).values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5, help="Single report and floor: best of this many.")
    parser.add_argument("--load", type=int, default=0, help="Also render this many reports with --workers 4.")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "firestats.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp), args.stations)
        out = Path(tmp) / "reports"
        batch = [*cli, "batch", "--data", str(data), "--out", str(out)]
        two = timed([*batch, "--workers", "2", "--force"])
        one = timed([*batch, "--workers", "1", "--force"])
        warm = statistics.median(report_seconds(out))  # one worker: nothing else competes for the cores
        unchanged = timed([*batch, "--workers", "2"])
        pages = len(report_seconds(out))
        sizes = sorted(p.stat().st_size for p in out.glob("*/*.html") if p.stem != "支队总览")
        single = [*cli, "report", "--data", str(data), "--station", f"{PLACES[0]}站", "--year", str(sample.YEARS[-1]),
                  "--out", f"{tmp}/single"]
        cell = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        nbformat.write(cell, f"{tmp}/one.ipynb")
        one_cell = [sys.executable, "-c", FLOOR, f"{tmp}/one.ipynb", f"{tmp}/one-out.ipynb"]
        # Taken in turns, so that a machine slowing down or speeding up weighs on both alike.
        pairs = [(timed(single), timed(one_cell)) for _ in range(args.repeat)]
        report, floor = min(r for r, _ in pairs), min(f for _, f in pairs)
        load = loaded(cli, Path(tmp), args.load) if args.load else {}
    print(json.dumps({
        "pages": pages, "two_workers_s": round(two, 1), "floor_s": round(floor, 2),
        "batch_vs_floor": round(two / (pages * floor / 2), 3), "warm_report_median_s": round(warm, 2),
        "cold_report_s": round(report, 2), "one_worker_s": round(one, 1), "speedup": round(one / two, 2),
        "unchanged_rerun_s": round(unchanged, 1), "unchanged_share": round(unchanged / two, 3),
        "station_page_kb": [round(sizes[0] / 1024), round(sizes[-1] / 1024)], **load,
        "load_average": round(os.getloadavg()[0], 2),
    }))


def loaded(cli: list[str], tmp: Path, reports: int) -> dict[str, object]:
    """Render about ``reports`` reports with 4 workers on 2 cores; how long, and how many failed (a kernel that
    did not start names its cause)."""
    years = len(sample.YEARS)
    data = generate(tmp / "load", max(1, round((reports - years) / years)))
    run = subprocess.run([*cli, "batch", "--data", str(data), "--out", str(tmp / "load-reports"), "--workers", "4",
                          "--force"], capture_output=True, text=True)
    entries = json.loads((tmp / "load-reports" / "manifest.json").read_text("utf-8")).values()
    failed = [entry["error"] for entry in entries if entry["status"] != "ok"]
    return {"load_reports": len(entries), "load_failed": len(failed), "load_errors": sorted(set(failed))[:3],
            "load_exit": run.returncode}


if __name__ == "__main__":
    main()

"""Benchmark: the detachment overview (支队总览) of the sample's last year in a province's store (1,000 stations).

The store holds the bundled sample's five stations and ``--stations`` - 5 more of incidents (made by
bench_store's ``other_stations``). Prints, best of ``--repeat`` in this process, the seconds of reading the
overview's slice of the store and of its compute (its figures and every section the notebook shows), then the
bytes of the page ``render_overview`` writes (OUT/YEAR/支队总览.html).

    python benchmarks/bench_overview.py [--stations 1000] [--per-year 200] [--repeat 3] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench_store import CLI, REPO, other_stations  # run as a script: its folder is on the path

from firestats import Request, sample
from firestats.publish.overview import overview_of, years_read
from firestats.run.render import render_overview
from firestats.store import open_report

SECTIONS = ("header", "side_by_side", "year_on_year", "ranking", "over_time", "places")


def timed(request: Request) -> tuple[float, float]:
    """Wall seconds of reading the overview's slice of the store, and of its figures and every section of its
    notebook, in this process."""
    start = time.perf_counter()
    request, dataset = open_report(request, years_read(request.period))
    read = time.perf_counter()
    view = overview_of(dataset, request.period)
    for name in SECTIONS:
        getattr(view, name)()
    return read - start, time.perf_counter() - read


def prepared(tmp: Path, stations: int, per_year: int) -> Path:
    """A store of the sample plus ``stations`` - 5 generated stations, prepared under ``tmp``."""
    raw = tmp / "raw"
    shutil.copytree(REPO / "data" / "raw", raw)
    other_stations(raw / "省内其他站警情.csv", stations - len(sample.STATIONS), per_year)
    data = tmp / "data"
    subprocess.run([*CLI, "prepare", str(raw), "--out", str(data)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--per-year", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="a store already prepared (else one is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = args.data or prepared(tmp, args.stations, args.per_year)
        request = Request.of(None, sample.YEARS[-1], str(data))
        runs = [timed(request) for _ in range(args.repeat)]
        start = time.perf_counter()
        page = render_overview(request, tmp / "out")  # on a kernel of its own: its start and imports included
        rendered = time.perf_counter() - start
        size = page.stat().st_size
    read, compute = (round(min(seconds), 2) for seconds in zip(*runs))
    print(json.dumps({"stations": args.stations, "overview_s": round(min(map(sum, runs)), 2), "store_read_s": read,
                      "overview_compute_s": compute, "page_cold_s": round(rendered, 2),
                      "overview_html_kb": round(size / 1000, 1), "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()

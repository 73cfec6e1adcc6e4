"""Where each published file goes in the output folder: ``OUT/YEAR/STATION.html`` and its siblings."""

from __future__ import annotations

import re
from pathlib import Path

OVERVIEW_NAME = "支队总览"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(name: str) -> str:
    """A file name for a station that keeps its Chinese characters but no path separators."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")[:100]
    return cleaned or "_"


def report_path(out_dir: Path | str, station: str, year: int) -> Path:
    """Where a station's report goes: ``OUT/YEAR/STATION.html``."""
    return Path(out_dir) / str(int(year)) / f"{safe_name(station)}.html"


def overview_path(out_dir: Path | str, year: int) -> Path:
    """Where a year's detachment overview goes: ``OUT/YEAR/支队总览.html``."""
    return Path(out_dir) / str(int(year)) / f"{OVERVIEW_NAME}.html"

"""Render every station and year of a data folder, carrying on past failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from firestats.render import render_station
from firestats.store import load


@dataclass
class BatchOutcome:
    """Which reports were written and which failed, with the error each met."""

    rendered: list[Path] = field(default_factory=list)
    failed: dict[tuple[str, int], str] = field(default_factory=dict)


def render_all(data_dir: Path | str, out_dir: Path | str, **options: object) -> BatchOutcome:
    """Render a report per (station, year) present in the data, with a progress bar.

    ``options`` go to :func:`firestats.render.render_station` (show_names, score_table).
    """
    outcome = BatchOutcome()
    pairs = load(data_dir).station_years()
    for station, year in tqdm(pairs, desc="reports", unit="report"):
        try:
            outcome.rendered.append(render_station(data_dir, station, year, out_dir, **options))
        except Exception as exc:  # one station's failure must not stop the others
            outcome.failed[(station, year)] = _one_line(exc)
    return outcome


def _one_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip() and not set(line.strip()) <= set("-")]
    # papermill puts the failing cell's error last
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}"

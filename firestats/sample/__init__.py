"""Seeded sample exports of all three record families, and the truth behind them (outside the pipeline).

``firestats sample`` writes them; the tests check every figure against the truth they were made from.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from firestats.files import OutputFolder
from firestats.sample import sheets
from firestats.sample.incidents import SEED, STATIONS, YEARS, Sample, generate, write_exports

__all__ = ["SEED", "STATIONS", "YEARS", "Sample", "generate", "generate_sheets", "write_exports", "write_sample"]


def generate_sheets(seed: int = SEED) -> sheets.SheetsSample:
    """The truth behind the sample score sheets and ledgers (same stations and years as the incidents)."""
    return sheets.generate(list(STATIONS), list(YEARS), seed)


def write_sample(out_dir: Path | str, seed: int = SEED) -> list[Path]:
    """Generate the sample (incidents, score sheets, ledgers) into ``out_dir``; returns the files written."""
    folder = OutputFolder(out_dir)
    # Made aside first (pandas' Excel writer wants a path), then written as every output is.
    with tempfile.TemporaryDirectory(prefix="firestats-sample-") as tmp:
        made = write_exports(generate(seed), tmp, seed) + sheets.write(generate_sheets(seed), Path(tmp), seed)
        written = [Path(out_dir) / path.relative_to(tmp) for path in made]
        for path, target in zip(made, written):
            folder.write(target, path.read_bytes())
    return written

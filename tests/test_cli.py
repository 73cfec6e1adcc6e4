import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUNDLED_RAW

from firestats.cli import main

COMMANDS = ["prepare", "figures", "report", "batch", "sample"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main " + command in result.output or f"Usage: firestats {command}" in result.output
    assert len(result.output.splitlines()) > 4


def test_top_level_help_lists_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and all(c in result.output for c in COMMANDS)


def test_installed_entry_point_runs():
    run = subprocess.run([sys.executable.replace("python", "firestats"), "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("firestats, version")


def test_prepare_unreadable_file_is_one_line_naming_it(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(main, ["prepare", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "坏文件.xlsx: cannot be read" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # a prepare of the whole sample, with its own copy of the exports
def test_prepare_reports_the_row_accounting(tmp_path):
    sample_raw = Path(shutil.copytree(BUNDLED_RAW, tmp_path / "raw"))  # the generator's output (test_sample)
    tmp_path = tmp_path / "out"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sample_raw.iterdir()}
    result = CliRunner().invoke(main, ["prepare", str(sample_raw), "--out", str(tmp_path)])
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sample_raw.iterdir()} == before
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("total")).split()[1:]
    rows_in, kept, merged, quarantined = map(int, total)
    assert rows_in == kept + merged + quarantined and merged > 0 and quarantined > 0
    assert {p.name for p in tmp_path.iterdir()} == {"layout.json", "stations.json", "partitions.json", "quality.json",
                                                 "generations.json", "incidents", "problems", "assessments",
                                                 "activities", ".sources", ".firestats.lock"}  # one prepare at a time


def test_figures_without_prepared_data_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["figures", "--data", str(tmp_path), "--station", "城东", "--year", "2024"])
    assert result.exit_code == 2 and "run `firestats prepare` first" in result.output

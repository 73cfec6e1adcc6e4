"""Shared fixtures: the sample's truth, its exports, and prepared data folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from firestats import sample
from firestats.ingest.prepare import prepare

# The property tests' examples: many in the full suite, fewer in the everyday loop (-m "not slow").
settings.register_profile("full", max_examples=150)
settings.register_profile("fast", max_examples=20)


def pytest_configure(config):
    settings.load_profile("fast" if config.getoption("markexpr") == "not slow" else "full")


REPO = Path(__file__).resolve().parent.parent
BUNDLED_RAW = REPO / "data" / "raw"


@pytest.fixture(scope="session")
def truth() -> sample.Sample:
    """What the bundled sample exports mean."""
    return sample.generate()


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """The sample exports, freshly generated into a temporary folder."""
    out = tmp_path_factory.mktemp("raw")
    sample.write_sample(out)
    return out


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Path:
    """The bundled sample exports prepared into a temporary data folder."""
    out = tmp_path_factory.mktemp("processed")
    prepare([BUNDLED_RAW], out)
    return out


@pytest.fixture(scope="session")
def batch(prepared, tmp_path_factory) -> Path:
    """Every sample report, the overviews and the index, rendered by `firestats batch` for real."""
    out = tmp_path_factory.mktemp("reports")
    run = subprocess.run([sys.executable, "-m", "firestats.cli", "batch", "--data", str(prepared), "--out", str(out)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    return out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network: without the background ones Chromium keeps calling home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by playwright; skips where none could be installed."""
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (make test installs Debian's chromium where it can)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

"""Shared fixtures: the sample's truth, its exports, and prepared data folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from firestats import sample
from firestats.prepare import prepare

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

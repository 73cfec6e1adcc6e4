"""Where the notebooks firestats ships are: inside the package when installed from a wheel
(``firestats/notebooks``), the checkout's top-level ``notebooks/`` folder in a source checkout,
where analysts open them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def notebook(name: str) -> Path:
    """A shipped notebook's path: ``station_report.ipynb``, ``detachment_overview.ipynb`` or ``explore.ipynb``."""
    package = Path(str(resources.files("firestats")))
    installed = package / "notebooks" / name
    return installed if installed.is_file() else package.parent / "notebooks" / name

"""Where the notebooks and documents firestats ships are: inside the package when installed from a wheel
(``firestats/notebooks``, ``firestats/docs``), the checkout's top-level ``notebooks/`` and ``docs/`` folders in a
source checkout, where analysts open them; and copying the notebooks out of an installed package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from firestats.errors import OutputError
from firestats.files import OutputFolder

NOTEBOOKS = ("station_report.ipynb", "detachment_overview.ipynb", "explore.ipynb")
DOCS = {"mappings": "mappings.md"}  # what `firestats docs NAME` prints


def _shipped(folder: str, name: str) -> Path:
    package = Path(str(resources.files("firestats")))
    installed = package / folder / name
    return installed if installed.is_file() else package.parent / folder / name


def notebook(name: str) -> Path:
    """A shipped notebook's path: ``station_report.ipynb``, ``detachment_overview.ipynb`` or ``explore.ipynb``."""
    return _shipped("notebooks", name)


def document(name: str) -> Path:
    """A shipped document's path by its short name (``mappings`` -> docs/mappings.md)."""
    return _shipped("docs", DOCS[name])


def copy_notebooks(out_dir: Path | str, replace: bool = False) -> list[Path]:
    """Copy the shipped notebooks into ``out_dir`` (refused where one is there, unless ``replace``); their paths."""
    folder = OutputFolder(out_dir)
    there = [name for name in NOTEBOOKS if (folder.root / name).exists()]
    if there and not replace:
        raise OutputError(f"{folder.root}: {'、'.join(there)} already there; --force replaces them")
    for name in NOTEBOOKS:
        folder.write(name, notebook(name).read_bytes())
    return [folder.root / name for name in NOTEBOOKS]

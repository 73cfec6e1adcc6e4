"""The store: prepared data on disk and the ways in and out of it.

``prepare`` folds every export's cleaned rows (``firestats.ingest``) into partition files by year
and station, with an index and a quality summary; ``load`` reads a station's years back as a
:class:`Dataset`. Every other stage uses the names below and nothing inside the package: the
store's files may change shape while these stay. Each name is imported when first used, so a
report's own process reads the index without loading pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# name -> the module that defines it: the store's public face.
_FACE = {
    "prepare": "preparation", "build": "preparation",
    "Dataset": "dataset", "load": "dataset", "open_report": "dataset",
    "StoreIndex": "partitions",
    "read_index": "layout", "read_quality": "layout", "check_partitions": "layout", "find_prepared": "layout",
    "match_station": "layout", "resolved": "layout", "no_records": "layout", "skipped_files": "layout",
    "unread_sheets": "layout", "describe": "quality", "problem_rows": "quality",
}
__all__ = sorted(_FACE)


def __getattr__(name: str) -> Any:
    if name not in _FACE:
        raise AttributeError(f"module 'firestats.store' has no attribute {name!r}")
    value = getattr(import_module(f"firestats.store.{_FACE[name]}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return __all__

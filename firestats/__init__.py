"""firestats: a fire rescue station's year, from its raw exports to an offline Chinese report.

The stages are subpackages: ``ingest`` (raw exports to canonical tables), ``compute`` (figures),
``publish`` (reports, text, exports) and ``run`` (notebooks on real kernels, batches). The
functions below are the ways in; they are imported when first used, so ``import firestats``
stays light::

    import firestats as fs
    fs.prepare(["data/raw"], "data/processed")
    fs.figures("data/processed", "城东站", 2025)["incidents"]["total"]
    fs.station_report(fs.Request.of("城东", "2025-Q3", "data/processed")).figures["incidents"]["total"]
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> (module, attribute): the public face, bound to the functions themselves.
_API = {
    "Request": ("firestats.request", "Request"),
    "prepare": ("firestats.store", "prepare"),
    "load": ("firestats.store", "load"),
    "figures": ("firestats.compute.station", "station_figures"),
    "station_report": ("firestats.publish.station_report", "station_report"),
    "detachment_overview": ("firestats.publish.overview", "detachment_overview"),
    "render_station": ("firestats.run.render", "render_station"),
    "render_all": ("firestats.run.batch", "render_all"),
    "FirestatsError": ("firestats.errors", "FirestatsError"),
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'firestats' has no attribute {name!r}")
    module, attribute = _API[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

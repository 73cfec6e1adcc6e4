"""Run inside a warm kernel between reports: put back what a report can leave, and say what it could not.

A report can leave names in the namespace, changed matplotlib settings, open figures, another working
directory, environment variables, import paths and cached data; all are put back as they were when
the kernel started. A library function or class replaced (``pandas.read_parquet = ...``) or shipped
settings changed in place cannot be put back safely: the fingerprint taken at the first reset tells,
and the kernel is replaced.
"""

from __future__ import annotations

import gc
import inspect
import os
import sys
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from IPython import get_ipython

from firestats.settings import use_settings

# Modules whose functions and classes a report could replace in place, by top-level package.
WATCHED = ("firestats", "pandas", "numpy", "matplotlib", "pyarrow", "yaml", "IPython", "builtins", "os", "io",
           "json", "math", "datetime", "pathlib", "functools", "random", "time")

# Class members a report could replace that are not callable themselves.
_DESCRIPTORS = (property, classmethod, staticmethod)
_start: dict[str, Any] = {}  # the kernel as it started, taken at the first reset
_MISSING = object()  # what a namespace gives for a member deleted from it


def reset(cwd: str) -> str:
    """Reset the kernel for the next report, run in ``cwd``; returns what has changed that a reset cannot put
    back ("" when nothing has)."""
    # The user namespace, In and Out; a new history session numbers the cells from 1 as a fresh kernel does
    # (numbering them again in the old one makes IPython print an error into the next cell).
    get_ipython().reset(new_session=True)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.chdir(cwd)
    use_settings(None)  # the shipped settings, as the kernel started with; the next report names its own
    for function in _data_caches():
        function.cache_clear()
    if not _start:
        _start.update(environ=dict(os.environ), path=list(sys.path), watched=_watched(), settings=_settings())
        # What the kernel loaded as it started stays for its life: frozen, it is no longer walked by every
        # collection (IPython's reset collects before each report), which took two thirds of a reset.
        gc.freeze()
        changed = ""
    else:
        _start["rc"].__exit__(None, None, None)  # matplotlib's settings as the last reset left them
        os.environ.clear()
        os.environ.update(_start["environ"])
        sys.path[:] = _start["path"]
        changed = _changed()
    _start["rc"] = matplotlib.rc_context()  # what the next reset puts back
    _start["rc"].__enter__()
    return changed


def _data_caches() -> set[Any]:
    """firestats' caches keyed by an argument (a score table's path): they hold data a file may change.

    Caches without arguments hold the shipped data files, read once per kernel on purpose."""
    return {value for name, module in list(sys.modules.items()) if name.startswith("firestats.")
            for value in list(vars(module).values())
            if hasattr(value, "cache_clear") and inspect.signature(value).parameters}


def _watched() -> tuple[dict[str, Any], list[tuple[str, Any, str, Any]]]:
    """The watched modules by name, and every function and class in them and each such class's methods: where each
    is (its owner's name and namespace, the live ``__dict__``), its name, and the object itself."""
    modules: dict[str, Any] = {}
    members: list[tuple[str, Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in WATCHED or module is None:
            continue
        modules[name] = module
        # callable() and isinstance rather than inspect's predicates: the walk is long (36,000 members).
        for attr, value in list(vars(module).items()):
            if callable(value):
                members.append((name, vars(module), attr, value))
            if isinstance(value, type) and value.__module__ == name:
                for method, member in list(vars(value).items()):
                    if callable(member) or isinstance(member, _DESCRIPTORS):
                        members.append((f"{name}.{attr}", vars(value), method, member))
    return modules, members


def _settings() -> str:
    """The shipped settings and numeric display options as read now, as text."""
    from firestats.settings import settings

    return repr((settings(), np.get_printoptions(), np.geterr(), pd.describe_option(_print_desc=False)))


def _changed() -> str:
    """The first thing found changed since the kernel started that the reset cannot put back, or "".

    Each member is looked up again in its owner's live namespace, not found by walking every module again: the
    walk took 34 ms of each reset, run while the worker writes a report's page, and the next report waited for it."""
    modules, members = _start["watched"]
    for name, module in modules.items():
        if sys.modules.get(name) is not module:
            return f"{name} was replaced"
    for owner, namespace, name, member in members:
        if namespace.get(name, _MISSING) is not member:
            return f"{owner}.{name} was replaced"
    return "settings or display options were changed" if _settings() != _start["settings"] else ""

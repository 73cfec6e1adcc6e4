"""Every refusal firestats makes, under one base class that the command line catches once.

Each message is one line naming what was refused (a file, a row, a key) and why, so the CLI
prints it as it is and exits 2; a report whose notebook failed exits 1.
"""

from __future__ import annotations

from pathlib import Path


class FirestatsError(Exception):
    """Something firestats refuses to do; the message is one line for the user."""

    exit_code = 2


class InputError(FirestatsError):
    """An input firestats cannot read at all; the message names the file and the cause."""


class NoHeaderRow(InputError):
    """A file with no row of known column names near its top; who reads it says what it looked for."""


class MappingError(FirestatsError):
    """A mapping file that cannot be used; the message names the file and the key."""


class ScoreTableError(FirestatsError):
    """A score table that cannot be used; the message names the file and the item."""


class NotPrepared(FirestatsError):
    """A data folder that ``firestats prepare`` did not write; the message says what to run."""


class UnknownStation(FirestatsError):
    """A station the data does not hold; the message lists those it does."""


class NoRecords(FirestatsError):
    """A station's year with no records of any family: there is nothing to report."""


class FontMissing(FirestatsError):
    """No installed font draws Chinese; the message says how to install one."""

    exit_code = 1


class ReportFailed(FirestatsError):
    """A report's notebook did not run to the end: the error in one line, and the executed
    notebook kept beside the report (``kept``, None when none was written)."""

    exit_code = 1

    def __init__(self, message: str, kept: Path | None) -> None:
        super().__init__(message)
        self.kept = kept


class KernelStartFailed(FirestatsError):
    """A kernel that did not start, a second time either: the report cannot run; the message names the cause."""

    exit_code = 1


class OutputError(FirestatsError):
    """An output folder or file firestats cannot write safely (a link, a read-only or full disk, a file in the
    way); the message names the path and the cause."""


class ClusterError(FirestatsError):
    """A dask scheduler firestats cannot reach; the message names the address."""

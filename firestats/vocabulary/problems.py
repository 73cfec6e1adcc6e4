"""The problem codes every stage names: what happened to an input row that was not simply kept (quarantined,
merged, flagged), the record families, the columns of a problem table, and what each reason means to a reader
(``firestats/data/reasons.yaml``, worded per family)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

QUARANTINE, MERGED, FLAGGED = "quarantined", "merged", "flagged"
FAMILIES = ("incidents", "assessments", "activities")
# Where a family's input rows went, file by file: rows in = kept + merged + quarantined.
ACCOUNT_KEYS = ("rows_in", "kept", "merged", "quarantined")
PROBLEM_COLUMNS = [
    "source_file", "source_row", "action", "reason", "column", "value", "incident_id", "station", "year", "date",
]  # station, year and date: what the row's own cells read as (a period's report claims the rows of its dates)


@cache
def reasons() -> dict[str, dict[str, str]]:
    """What each reason means, by record family then reason code (``firestats/data/reasons.yaml``)."""
    return yaml.safe_load(resources.files("firestats").joinpath("data/reasons.yaml").read_text("utf-8"))


def reason_text(family: str, reason: str, language: str = "zh") -> str:
    """The reader's words for one family's reason code, or for a reason any export's lines can have
    (``any_family``), or the code itself; in English the code's words (unknown_type -> unknown type), the reasons
    being written in Chinese alone."""
    if language != "zh":
        return reason.replace("_", " ")
    words = reasons()
    return words.get(family, {}).get(reason) or words["any_family"].get(reason, reason)

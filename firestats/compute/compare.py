"""Same period last year: each headline figure this year and last, the change and the change in per cent."""

from __future__ import annotations

from typing import Any

from firestats.catalogue import shown_in, term


def value_at(figures: dict[str, Any] | None, key: str) -> Any:
    """A figure by its dotted key; None where any part is missing."""
    value: Any = figures
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def n_of(key: str) -> str:
    """The sample size beside a time figure: response.segments.total.median_s -> response.segments.total.n."""
    return key.rsplit(".", 1)[0] + ".n"


def year_on_year(this: dict[str, Any], last: dict[str, Any] | None,
                 language: str = "zh") -> list[dict[str, Any]] | None:
    """Rows of label, this year, last year, change and change in per cent (None where not computable), one for
    each of the catalogue's headline figures, in its order, labelled in ``language``.

    None when last year has no records at all: there is nothing to compare with.
    """
    if last is None:
        return None
    rows = []
    for e in shown_in("headline"):
        now, before = value_at(this, e.key), value_at(last, e.key)
        change = None if now is None or before is None else now - before
        pct = None if change is None or not before else change / before * 100
        rows.append({"label": term(e.key, language), "key": e.key, "unit": e.unit, "this": now, "last": before,
                     "change": change, "change_pct": pct})
    return rows

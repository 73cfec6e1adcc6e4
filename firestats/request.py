"""What a report is asked for, as one value: built once at each edge (the command line, the API, a notebook's
parameters) and passed whole to compute, publish and run.

A station report's notebook takes the request's fields as its parameters, one to one, so a new
option is one field of :class:`Options` and one line of the parameters cell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from firestats.periods import Period, parse_period
from firestats.settings import unit_settings, unit_template


@dataclass(frozen=True)
class Options:
    """How a report is made, beyond what it is of."""

    show_names: bool = False  # people named in full; masked as 张*三 by default
    score_table: str | None = None  # a shipped score table's version or a file's path (None: the settings')
    docx_template: str | None = None  # the unit's own wording of the Word draft, a YAML file (None: the shipped)
    settings: str | None = None  # the unit's settings file, kept beside its data (None: the shipped defaults)

    def whole(self) -> Options:
        """The options as an edge completes them: every file they name made absolute (a notebook's kernel runs in
        another folder), the unit's settings file found when none is named (see ``unit_settings``), and the
        wording template it names when none is given."""
        table, found = self.score_table, unit_settings(self.settings)
        template = str(Path(self.docx_template).resolve()) if self.docx_template else unit_template(found)
        return replace(self, score_table=str(Path(table).resolve()) if table and Path(table).is_file() else table,
                       docx_template=template, settings=found)

    def files(self) -> list[Path]:
        """The unit's own files the options name (score table, template, settings): a change to one re-renders."""
        return [Path(f) for f in (self.score_table, self.docx_template, self.settings) if f and Path(f).is_file()]


@dataclass(frozen=True)
class Request:
    """One report asked for: which data, which station (None: the detachment overview) or level, which period,
    and how.

    ``station`` is spelled as the user gave it until the store resolves it (``firestats.store.resolved``);
    after that it is the name the store keeps, and nothing resolves it again. With ``level`` (支队 or 大队) it
    names that level instead (None: the one there is), and the report is of all its stations' records.
    """

    station: str | None
    period: Period
    data_dir: str | None = None  # a folder written by `firestats prepare` (None: the nearest data/processed)
    options: Options = field(default_factory=Options)
    level: str | None = None  # 支队 or 大队 (vocabulary.hierarchy): the report is that level's, ``station`` its name

    @classmethod
    def of(cls, station: str | None, period: str | int | Period, data_dir: Path | str | None = None,
           level: str | None = None, **options: Any) -> Request:
        """A request as an edge is given it: ``period`` as a user writes it (2024, 2024-H1, 2024-Q3, 2024-03),
        ``level`` 支队 or 大队 for a level's report (``station`` its name), ``options`` by name (show_names,
        score_table, docx_template, settings), made whole (``Options.whole``).

        >>> Request.of("城东", "2024-Q3").period.label
        '2024-Q3'
        """
        when = period if isinstance(period, Period) else parse_period(period)
        folder = None if data_dir is None else str(Path(data_dir).resolve())
        return cls(station, when, folder, Options(**options).whole(), level)

    def parameters(self) -> dict[str, Any]:
        """The station notebook's parameters: the request's fields one to one, the period as its label."""
        return {"station": self.station, "period": self.period.label, "data_dir": self.data_dir,
                "level": self.level, **asdict(self.options)}


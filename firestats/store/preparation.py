"""Read raw exports of all three record families, clean them, and write the processed data folder."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from firestats.errors import InputError, NoHeaderRow
from firestats.files import notice
from firestats.ingest import activities, assessments, incidents, readers
from firestats.ingest.incidents import Canonical
from firestats.ingest.mapping import Mapping, known_headers, load_mapping
from firestats.ingest.text_table import PIECE_BYTES
from firestats.store import generations
from firestats.store.dataset import (
    DATE_COLUMN,
    Dataset,
    Folds,
    Previous,
    in_file_order,
    save,
)
from firestats.store.generations import Generation, Plan, Tally, kind_counts, months_of, table_id, type_counts
from firestats.store.merging import (
    CleanResult,
    Keys,
    SliceList,
    Slices,
    Stream,
    dates_only,
    empty_result,
    fold_streams,
)
from firestats.store.quality import quality_summary
from firestats.store.sources import FilePart, SourceCache, part_key, recipe
from firestats.store.spill import Spill, release_memory
from firestats.vocabulary.messages import _
from firestats.vocabulary.problems import FAMILIES, PROBLEM_COLUMNS, QUARANTINE
from firestats.vocabulary.spelling import normalise_header


def family_of(columns: list[str], mapping: Mapping | None) -> str:
    """Which record family a table holds, judged by how many of its headers each family knows."""
    if mapping is not None:
        return "incidents"
    names = {normalise_header(c) for c in columns}
    known = {"incidents": known_headers(None), "assessments": assessments.headers(), "activities": activities.headers()}
    return max(FAMILIES, key=lambda family: len(names & known[family]))  # ties go to incidents, listed first


def read_all(paths: Iterable[Path | str], mapping: Mapping | None = None,
             skipped: dict[str, str] | None = None) -> list[tuple[str, readers.RawTable]]:
    """Every export under ``paths``, read and labelled with its record family.

    A file named on its own that cannot be read is refused; one found in a folder (notes, a
    README, a lookup table beside the exports) is left out and named in ``skipped`` with why.
    """
    inputs = Inputs(paths, mapping)
    tables, taken = [], set()
    for path in inputs.files:
        for family, table, _given_as in inputs.read(path, taken, skipped):
            taken.add(table.source)
            tables.append((family, table))
    inputs.check_any(bool(tables), skipped)
    return tables


class Inputs:
    """The export files under the paths a user gave, each named as its rows will be, read one at a time."""

    def __init__(self, paths: Iterable[Path | str], mapping: Mapping | None) -> None:
        self.paths = list(paths)
        self.files = readers.find_inputs(self.paths)
        if not self.files:
            raise InputError(f"no .xlsx, .xls, .csv or .tsv files in {', '.join(map(str, self.paths))}")
        self.mapping = mapping
        self.named = {Path(p).resolve() for p in self.paths if Path(p).is_file()}
        self.known = (known_headers(mapping) if mapping
                      else known_headers(None) | assessments.headers() | activities.headers())
        self.names = _source_names(self.files)

    def read(self, path: Path, taken: set[str],
             skipped: dict[str, str] | None) -> list[tuple[str, readers.RawTable, str]]:
        """One file's tables, each with its family, named apart from the ``taken`` names, and with the name it
        had before; a file found in a folder that cannot be read is named in ``skipped`` and gives none."""
        try:
            read = readers.read_tables(path, self.known, self.names[path])
        except InputError as exc:
            if path.resolve() not in self.named and skipped is not None:
                skipped[self.names[path]] = str(exc).removeprefix(f"{path}: ")  # the hint is said once, at the end
                return []
            if isinstance(exc, NoHeaderRow):  # a file named alone says what its header was looked for by
                raise NoHeaderRow(f"{exc} {self.looked_for()}") from exc
            raise
        labelled = []
        for table in read:
            given = table.source
            _unique_source(table, taken | {t.source for _, t, _ in labelled})
            columns = [c for c in table.frame.columns if c not in ("source_file", "source_row")]
            labelled.append((family_of(columns, self.mapping), table, given))
        return labelled

    def looked_for(self) -> str:
        """What a header row was looked for by, and what to do when none is found (said once, however many files)."""
        if self.mapping:
            return _("(the mapping {name} reads columns such as {columns}: is it this export's?); "
                     "`firestats docs mappings` shows how to write one").format(
                name=self.mapping.name, columns=", ".join(sorted(self.mapping.columns())[:3]))
        return _("(expected column names such as 警情编号, 接警时间, 出动站); for an export with other headers use "
                 "--mapping (shipped: pudong, lfb, sf, dublin) or write one (`firestats docs mappings` shows how)")

    def check_any(self, found: bool, skipped: dict[str, str] | None) -> None:
        """Refuse, naming why each was left out, paths whose files hold no readable export."""
        if not found:
            by_reason: dict[str, list[str]] = {}  # sixteen files with no header row are one reason, said once
            for name, why in (skipped or {}).items():
                by_reason.setdefault(why, []).append(name)
            reasons = "; ".join(f"{', '.join(names)}: {why}" for why, names in by_reason.items())
            raise InputError(_("no readable exports in {paths}: {reasons} {hint}").format(
                paths=", ".join(map(str, self.paths)), reasons=reasons, hint=self.looked_for()))


def _unique_source(table: readers.RawTable, taken: set[str]) -> None:
    """Rename a table whose source name another already has (a sheet 二月 of 警情.xlsx and a file
    named 警情.xlsx!二月): each file's rows are accounted apart, so no two may share a name."""
    table.source = unique_name(table.source, taken)
    table.frame["source_file"] = table.source


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name（2）``, ``name（3）``… the first that no name in ``taken`` is."""
    found, n = name, 1
    while found in taken:
        n += 1
        found = f"{name}（{n}）"
    return found


def _source_names(files: list[Path]) -> dict[Path, str]:
    """Name each file by its file name, or by its path where two files share a name."""
    counts = pd.Series([f.name for f in files]).value_counts()
    return {f: (f.name if counts[f.name] == 1 else str(f)) for f in files}


def _given(paths: Iterable[Path | str] | Path | str, mapping: Mapping | Path | str | None
           ) -> tuple[list[Path | str], Mapping | None]:
    """The exports and the mapping as a caller may give them: one file or folder, or many; a mapping, the name of a
    shipped one (``"lfb"``) or a mapping file."""
    listed = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return listed, mapping if mapping is None or isinstance(mapping, Mapping) else load_mapping(mapping)


def build(paths: Iterable[Path | str] | Path | str, mapping: Mapping | Path | str | None = None) -> Dataset:
    """Read and clean exports into a dataset with its quality summary, all in memory (nothing is written)."""
    paths, mapping = _given(paths, mapping)
    return merge(*read_parts(paths, mapping), mapping)


class _Reading:
    """The progress of reading a prepare's exports, in bytes: a file at a time, a large text file a piece at a time
    (shown on a terminal only)."""

    def __init__(self, files: list[Path], show: bool) -> None:
        self.sizes = {path: path.stat().st_size for path in files}
        self.bar = tqdm(total=sum(self.sizes.values()), desc=_("reading"), unit="B", unit_scale=True, unit_divisor=1024,
                        disable=None if show else True, leave=False)
        self.path: Path | None = None  # the file being read
        self.shown = 0  # of its bytes

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *_: object) -> None:
        self.bar.close()

    def start(self, path: Path) -> None:
        """A file to read next."""
        self.path, self.shown = path, 0

    def piece(self) -> None:
        """A piece of the file read: a large text file's PIECE_BYTES of text (about as many bytes), or a whole table."""
        step = min(PIECE_BYTES, self.sizes[self.path] - self.shown) if self.path else 0
        self.bar.update(step)
        self.shown += step

    def done(self) -> None:
        """The file read, or taken from the cache."""
        if self.path:
            self.bar.update(self.sizes[self.path] - self.shown)
        self.path, self.shown = None, 0


def read_parts(paths: Iterable[Path | str], mapping: Mapping | None = None,
               cache: SourceCache | None = None, progress: bool = False) -> tuple[list[FilePart], dict[str, str]]:
    """Every file read and converted into its part (see ``sources.FilePart``), with the files left out and why.

    Files are read one at a time; with a ``cache``, a file whose part is kept there is not read at
    all, and a part's incidents stay on disk until the merge reads them a slice at a time; with ``progress``, a
    bar on a terminal shows the bytes read.
    """
    inputs = Inputs(paths, mapping)
    recipe_hash = recipe(mapping) if cache else ""
    parts, skipped, taken = [], {}, set()
    with _Reading(inputs.files, progress) as reading:
        for path in inputs.files:
            reading.start(path)
            key = part_key(path, inputs.names[path], recipe_hash) if cache else ""
            part = cache.get(key) if cache else None
            if part is None or [unique_name(g, taken) for g in part.given] != part.sources:
                tables = inputs.read(path, taken, skipped)
                part = convert(tables, mapping, cache.slices(key) if cache else lambda _: SliceList(), reading.piece)
                part = cache.put(key, part) if cache and part.sources else part
            taken.update(part.sources)
            parts.append(part)
            reading.done()
    inputs.check_any(any(p.sources for p in parts), skipped)
    if cache:
        cache.drop_unused()
    return parts, skipped


def convert(tables: list[tuple[str, readers.RawTable, str]], mapping: Mapping | None,
            slices: Callable[[int], Slices] = lambda _: SliceList(), piece: Callable[[], None] = lambda: None
            ) -> FilePart:
    """One file's tables in canonical fields and kept records, with their problem rows and accounting; each
    incident table's canonical rows go a piece at a time to ``slices`` of its number in the file (``piece`` told
    of each piece read)."""
    part = FilePart([], [], [], [], pd.DataFrame())
    problems = []
    for family, table, given in tables:
        name = table.source
        part.given.append(given)
        part.sources.append(name)
        part.notes.append({"source_file": name, "family": family, "encoding": table.encoding,
                           "header_row": table.header_row, "ignored_columns": table.ignored_columns,
                           "ignored_sheets": table.ignored_sheets})
        if family == "incidents":
            stream, lines = _canonical(table, mapping, slices(len(part.incidents)), piece)
            part.incidents.append(stream)
        else:
            frame, lines = readers.whole(table)
        problems.append(lines.assign(source_file=name).reindex(columns=PROBLEM_COLUMNS).assign(family=family))
        lost = int((lines["action"] == QUARANTINE).sum())
        part.accounting.append({"source_file": name, "rows_in": lost, "kept": 0, "merged": 0, "quarantined": lost})
        if family == "incidents":
            continue
        reader = assessments.to_records if family == "assessments" else activities.to_records
        kept, found = reader(frame, name)
        part.records[family] = pd.concat([part.records[family], kept], ignore_index=True) \
            if family in part.records else kept
        problems.append(found.assign(family=family))
        part.accounting.append(_account(name, kept, found, family))
    part.problems = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return part


# Pieces converted at once while the next is read: most of converting is pyarrow's, which lets go of the GIL, so two
# cores convert a million rows in a fifth less time; with 16 MiB pieces, three held in less memory than two of 24.
CONVERTING = 2


def _canonical(table: readers.RawTable, mapping: Mapping | None, slices: Slices,
               piece: Callable[[], None] = lambda: None) -> tuple[Stream, pd.DataFrame]:
    """An incident table read into canonical fields a piece at a time (kept in ``slices``, in order; ``piece`` told
    of each), and its lines' problems; ``CONVERTING`` pieces are converted while the next is read."""
    found, lines, keys, defaulted = [], [], [], Counter()
    with ThreadPoolExecutor(CONVERTING) as pool:
        converting: deque[Future[Canonical]] = deque()
        for frame, problems in readers.pieces(table):
            converting.append(pool.submit(incidents.to_canonical, frame, table.source, mapping))
            lines.append(problems)
            del frame
            piece()
            while converting and (len(converting) > CONVERTING or converting[0].done()):
                canonical = _kept(converting.popleft().result(), slices, found, keys, defaulted)
        while converting:
            canonical = _kept(converting.popleft().result(), slices, found, keys, defaulted)
    stream = Stream(table.source, pd.concat(found, ignore_index=True), canonical.fold_units, dict(defaulted),
                    canonical.frame.iloc[:0], slices.read, Keys.joined(keys))
    return stream, readers.line_problems(lines)


def _kept(canonical: Canonical, slices: Slices, found: list[pd.DataFrame], keys: list[Keys],
          defaulted: Counter) -> Canonical:
    """A piece's canonical rows kept in ``slices``, its problem rows, keys and defaults noted."""
    slices.add(canonical.frame)
    found.append(canonical.problems)
    keys.append(Keys.of(canonical.frame, canonical.problems, canonical.fold_units))
    defaulted.update(canonical.defaulted)
    release_memory()
    return canonical


def merge(parts: list[FilePart], skipped: dict[str, str], mapping: Mapping | None) -> Dataset:
    """Every file's part merged in memory: incidents de-duplicated across files, every row accounted, the quality
    summary."""
    streams = [s for p in parts for s in p.incidents]
    kept: list[pd.DataFrame] = []
    result, tally = _fold(streams, kept.append)
    result.incidents = pd.concat(kept or [result.incidents], ignore_index=True)
    return _assemble(parts, skipped, mapping, result, [result.accounting],
                     [_folded(result), *(_dated(p.problems) for p in parts)], [tally])


def _fold(streams: list[Stream], emit: Callable[[pd.DataFrame], None],
          only: list[int] | None = None) -> tuple[CleanResult, Tally]:
    """The streams (``only`` those named) folded (see ``fold_streams``), with the kept incidents' types and kinds
    counted."""
    tally = Tally()

    def take(frame: pd.DataFrame) -> None:
        tally.add(frame)
        emit(frame)

    return (fold_streams(streams, take, only) if streams else empty_result()), tally


def _dated(problems: pd.DataFrame) -> pd.DataFrame:
    """Problem rows dated (NaT where a line had no readable date)."""
    return problems.assign(date=pd.to_datetime(problems["date"]))


def _folded(result: CleanResult) -> pd.DataFrame:
    """The problem rows of folding incidents, as a dataset lists them (in place: a province's are many)."""
    problems = result.problems
    problems["family"] = "incidents"
    problems["date"] = pd.to_datetime(problems["date"])
    return problems


def _assemble(parts: list[FilePart], skipped: dict[str, str], mapping: Mapping | None, result: CleanResult,
              accounting: list[pd.DataFrame], problems: list[pd.DataFrame],
              tallies: list[Tally]) -> Dataset:
    """The dataset of every file's part and the folded incidents: the ``accounting`` and ``tallies`` of each generation
    folded, every problem row (each generation's, then the files'), ``result`` the fold of the incidents (its
    table, what defaults gave)."""
    table = pd.concat([*accounting, pd.DataFrame([row for p in parts for row in p.accounting],
                                                 columns=result.accounting.columns)], ignore_index=True)
    every_problem = in_file_order(pd.concat(problems, ignore_index=True))
    notes = [note for p in parts for note in p.notes]
    notes += [{"source_file": name, "family": None, "skipped": why} for name, why in skipped.items()]
    quality = quality_summary(table, every_problem, notes)
    quality["incident_types"] = type_counts(tallies)
    quality["incident_kinds"] = kind_counts(tallies)
    quality["defaulted"] = result.defaulted
    quality["standard"] = mapping.standard if mapping else None  # None: the settings' default profile
    # What the export is, for every station it holds: the language its reports are written in, and the incident
    # types it can hold (None: every type; a type it cannot hold has no records, never 0).
    quality["language"] = mapping.language if mapping else None  # None: the catalogue's first language
    quality["export_types"] = list(mapping.types) if mapping and mapping.types else None
    return Dataset(
        result.incidents, every_problem, quality,
        _stack([p.records["assessments"] for p in parts if "assessments" in p.records], assessments.RECORD_COLUMNS),
        _stack([p.records["activities"] for p in parts if "activities" in p.records], activities.RECORD_COLUMNS),
    )


def _account(name: str, kept: pd.DataFrame, problems: pd.DataFrame, family: str) -> dict:
    """Records in = kept + quarantined for a score sheet or ledger (a wide sheet: one per person and item)."""
    keys = ["source_file", "source_row", "column"] if family == "assessments" else ["source_file", "source_row"]
    quarantined = len(problems[problems["action"] == QUARANTINE].drop_duplicates(keys))
    return {"source_file": name, "rows_in": len(kept) + quarantined, "kept": len(kept), "merged": 0,
            "quarantined": quarantined}


def _stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def prepare(paths: Iterable[Path | str] | Path | str, out_dir: Path | str,
            mapping: Mapping | Path | str | None = None, rebuild: bool = False, progress: bool = True,
            waiting: Callable[[str], None] = notice) -> Dataset:
    """Read, clean and write exports into ``out_dir`` (a partitioned store and quality.json); returns the quality
    summary and problem rows (the incidents, a slice at a time, went to the store: ``load(out_dir)`` reads them).

    An ``out_dir`` prepared before is updated: only new or changed files are read (by content), only the
    incidents of those and of the files they fold with are folded again (see ``generations``), the rows of
    removed files are dropped, and the result is the one a prepare from scratch gives; ``rebuild`` reads and
    folds every file again. With ``progress`` a bar on a terminal shows the bytes read. One prepare writes into a
    folder at a time: another calls ``waiting`` with a message, then waits for it (default: the message on stderr).
    """
    paths, mapping = _given(paths, mapping)
    with SourceCache(Path(out_dir), rebuild, waiting) as cache:
        parts, skipped = read_parts(paths, mapping, cache, progress)
        # The folder is held from the first part kept (or from here, when every part was kept before) to the end.
        return _prepared(parts, skipped, mapping, cache.folder.given, rebuild)


def _prepared(parts: list[FilePart], skipped: dict[str, str], mapping: Mapping | None, out_dir: Path,
              rebuild: bool) -> Dataset:
    """Every file's part folded and saved into ``out_dir`` (see ``prepare``)."""
    streams = [s for p in parts for s in p.incidents]
    ids = [table_id(p.key, n, s.source) for p in parts for n, s in enumerate(p.incidents)]
    read = [_dated(p.problems) for p in parts]
    previous = Previous.read(out_dir)
    for plan in _plans(streams, ids, {} if rebuild else previous.generations()):
        with Spill(DATE_COLUMN["incidents"]) as table:
            result, tally = _fold(streams, table.add_soon, plan.fold)
            kept = list(plan.kept.values())
            if kept and generations.conflicting([g.arrivals_midnight for g in kept] + [result.arrivals_midnight]):
                continue  # folded apart, flagged arrivals would be written otherwise than in the whole table
            folded = _folded(result)
            dataset = _assemble(parts, skipped, mapping, result,
                                [*(pd.DataFrame(g.accounting) for g in kept), result.accounting],
                                [*previous.problems(list(plan.kept)), folded, *read],
                                [*(g.tally for g in kept), tally])
            table.add(result.incidents)  # no rows: the table's columns, should no row be kept
            made = _generation(plan, [ids[i] for i in plan.fold], result, tally, table, folded)
            save(dataset, out_dir, table,
                 Folds({**plan.kept, **made}, next(iter(made), ""), folded, pd.concat(read or [folded.iloc[:0]]),
                       previous))
            return dataset
    raise AssertionError("a plan keeping no generation never conflicts")


def _plans(streams: list[Stream], ids: list[str], before: dict[str, Generation]) -> tuple[Plan, Plan]:
    """The plans of ``generations.plans`` for the streams: made here, so the copy of every row's key hash they are
    made from is not held through the fold."""
    return generations.plans(ids, [s.keys.hashes[s.keys.valid] for s in streams], dates_only(streams), before)


def _generation(plan: Plan, tables: list[str], result: CleanResult, tally: Tally,
                incidents: Spill, problems: pd.DataFrame) -> dict[str, Generation]:
    """The generation a prepare folded ``tables`` into, by its label (none when it folded none)."""
    if not tables:
        return {}
    stations = {*incidents.stations, *problems["station"].dropna()}
    return {plan.label: Generation(tables, plan.context, result.accounting.to_dict("records"), tally.types,
                                   months_of(incidents.months, stations), result.arrivals_midnight, tally.kinds)}

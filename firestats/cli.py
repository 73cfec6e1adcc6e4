"""The ``firestats`` command line: prepare data, print figures, render one report or all."""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from firestats import __version__
from firestats.errors import FirestatsError
from firestats.privacy import inert_json, printable
from firestats.vocabulary.messages import _, speak_through_click

if TYPE_CHECKING:
    from firestats.request import Options

DATA_DIR = Path("data/processed")
REPORTS_DIR = Path("reports")
# A report's time limit at most: a day (a sample report takes seconds).
TIMEOUT_MAX_S = 24 * 3600
# A dask scheduler's address: [protocol://]host:port (tcp://10.0.0.5:8786, tls://[fd00::5]:8786, host:8786).
_SCHEDULER = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*):(\d{1,5})")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"firestats: {printable(message)}", err=True)
    sys.exit(code)


def _say(lines: Iterable[str], err: bool = False) -> None:
    """Print lines that hold names from the data, escape sequences and control characters taken out."""
    click.echo("\n".join(printable(line) for line in lines), err=err)


class _Group(click.Group):
    """Every command's help and words in the console's language, and every refusal (a FirestatsError, or an option
    click refuses) printed as its one line, with its exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _speak(self)  # decided per run: FIRESTATS_LANG, else the locale
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            where = _("; see `{command} --help`").format(command=exc.ctx.command_path) if exc.ctx else ""
            _fail(f"{exc.format_message()}{where}", exc.exit_code)
        except FirestatsError as exc:
            kept = getattr(exc, "kept", None)
            _fail(_("{error} (the executed notebook, error included, is kept as {kept})").format(error=exc, kept=kept)
                  if kept else str(exc),
                  exc.exit_code)


def _speak(group: click.Group) -> None:
    """Every command's and option's help in the console's language; the catalogue's keys are the English, kept on
    first use so a later run in another language starts from them."""
    speak_through_click()
    for command in (group, *group.commands.values()):
        english = vars(command).setdefault("english_help", command.help and inspect.cleandoc(command.help))
        command.help = english and _(english)
        command._help_option = None  # click keeps its --help option, worded once, per command
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                param.help = _(vars(param).setdefault("english_help", param.help))


def _scheduler_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The --scheduler address, refused unless it reads [protocol://]host:port."""
    match = _SCHEDULER.fullmatch(value) if value is not None else None
    if value is not None and not (match and 0 < int(match[1]) < 65536):
        raise click.BadParameter(_("{value!r} is no scheduler address such as tcp://host:8786").format(value=value))
    return value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="firestats")
def main() -> None:
    """Turn a fire rescue station's raw exports into checked figures and offline Chinese reports.

    \b
    Typical run:
      firestats prepare data/raw --out data/processed
      firestats figures --data data/processed --station 城东站 --year 2025
      firestats batch --data data/processed --out reports
    """
    # A console that cannot show a character (a GBK console and an emoji in the data) gets "?", never a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


SETTINGS_OPTION = click.option(
    "--settings", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Your unit's settings file (YAML, see `firestats init-settings`), kept beside its data, over the shipped "
         "defaults key by key. Default: the file $FIRESTATS_SETTINGS names, else ./firestats.yaml if there is one.")


MAPPING_OPTION = click.option(
    "--mapping", "mapping_name", default=None,
    help="A shipped mapping by name (pudong, lfb, sf, dublin) or a mapping file's path. "
         "Default: recognise Chinese headers through the alias table.")


def _read(action, mapping_name: str | None, settings: str | None):
    """Run a read with the named mapping (None: the alias table) and the unit's settings (see --settings)."""
    from firestats.ingest.mapping import load_mapping
    from firestats.settings import unit_settings, use_settings

    use_settings(unit_settings(settings))
    return action(load_mapping(mapping_name) if mapping_name else None)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DATA_DIR, show_default=True,
              help="Folder for the cleaned Parquet tables and quality.json.")
@MAPPING_OPTION
@SETTINGS_OPTION
@click.option("--rebuild", is_flag=True, help="Read every file again, not only those new or changed since the last "
                                              "prepare into --out.")
def prepare(inputs: tuple[Path, ...], out_dir: Path, mapping_name: str | None, settings: str | None,
            rebuild: bool) -> None:
    """Read exports (files or folders), clean them, and write Parquet plus a quality summary.

    Every input row is kept, merged as a duplicate, or quarantined with a reason; the summary
    printed at the end shows that the counts add up. Raw files are only read. An --out prepared
    before is updated: only new or changed files are read, rows of removed files are dropped.
    """
    from firestats.store import describe
    from firestats.store import prepare as run

    dataset, mapping = _read(lambda mapping: (run(inputs, out_dir, mapping, rebuild), mapping), mapping_name, settings)
    _say([*describe(dataset, mapping=mapping), _("wrote {path}").format(path=out_dir)])


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@MAPPING_OPTION
@SETTINGS_OPTION
@click.option("--examples", default=3, show_default=True, help="Example rows shown per reason.")
def validate(inputs: tuple[Path, ...], mapping_name: str | None, settings: str | None, examples: int) -> None:
    """Show what prepare would keep, merge and quarantine, and why, without writing anything.

    \b
    Exit codes: 0 clean, 1 some rows have problems (listed by reason, with file, row and
    column), 2 a file or mapping cannot be read at all.
    """
    from firestats.store import build, describe, problem_rows

    dataset, mapping = _read(lambda mapping: (build(inputs, mapping), mapping), mapping_name, settings)
    _say(describe(dataset, examples, mapping))
    problems = problem_rows(dataset.problems)
    click.echo(_("{n} row(s) with problems").format(n=len(problems.drop_duplicates(["source_file", "source_row"])))
               if len(problems) else _("clean: every row kept"))
    sys.exit(1 if len(problems) else 0)


def _station_options(func, station_required: bool = True):
    func = click.option("--year", type=int, default=None,
                        help="Calendar year, by time received (or give the period whole: --period 2024-Q3).")(func)
    func = click.option("--station", required=station_required,
                        help="Station, spelled any way (城东 / 城东站 / 城东消防救援站).")(func)
    func = click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DATA_DIR,
                        show_default=True, help="A folder written by `firestats prepare`.")(func)
    return func


def _options(*, template: bool) -> Callable:
    """The options every station report takes (``template``: and the Word draft's wording), handed to the command
    as one value, ``options``: a new option is one click option here and one field of Options."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def gathered(**given: Any) -> Any:
            from firestats.request import Options

            fields = {name: given.pop(name) for name in ("show_names", "score_table", "docx_template", "settings")
                      if name in given}
            return command(options=Options(**fields), **given)

        gathered = SETTINGS_OPTION(gathered)
        if template:
            gathered = click.option(
                "--docx-template", type=click.Path(exists=True, dir_okay=False), default=None,
                help="Your own wording for the Word draft of the annual report (a YAML of sentences like "
                     "firestats/data/annual_report.yaml). Default: the shipped one.")(gathered)
        gathered = click.option("--score-table", default=None,
                                help="Score table to grade results with: a shipped version or a file's path "
                                     "(default: settings.yaml's, the labelled example table).")(gathered)
        return click.option("--names", "show_names", is_flag=True,
                            help="Show people's names in full (default: masked as 张*三).")(gathered)

    return decorate


PERIOD_OPTION = click.option(
    "--period", default=None, metavar="PERIOD",
    help="A year, half, quarter or month, whole (2024, 2024-H1, 2024-Q3, 2024-03) or a part of --year (H1, Q3, 03).")


@main.command()
@_station_options
@_options(template=False)
@PERIOD_OPTION
def figures(data_dir: Path, station: str, year: int, period: str | None, options: Options) -> None:
    """Print one station's figures for a year (or a half, quarter, month) as JSON (seconds, 万元, rates 0..1)."""
    from firestats.compute.station import station_figures
    from firestats.periods import period_of

    result = station_figures(data_dir, station, period_of(year, period), **asdict(options))
    click.echo(inert_json(json.dumps(result, ensure_ascii=False, indent=2)))


@main.command()
@functools.partial(_station_options, station_required=False)
@click.option("--level", type=click.Choice(["支队", "大队"]), default=None,
              help="A level's report instead of a station's: the detachment's (支队) or a brigade's (大队, named in "
                   "the settings' unit.brigades), from all its stations' records.")
@click.option("--name", default=None, help="Which brigade (or detachment) --level means, by its name in the settings "
                                           "(default: the one there is).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=REPORTS_DIR, show_default=True,
              help="Reports go to OUT/YEAR/STATION.html (OUT/2024-Q3/… for a period), beside them .docx, .xlsx, "
                   ".json, .csv and .txt.")
@_options(template=True)
@PERIOD_OPTION
def report(data_dir: Path, station: str | None, level: str | None, name: str | None, year: int, out_dir: Path,
           period: str | None, options: Options) -> None:
    """Run the station notebook with papermill on a real kernel and render it to HTML, with the Word draft
    of the annual report (.docx), the checking workbook (.xlsx) and the figures (.json, .csv, .txt) beside it;
    with --level, the same for the detachment or a brigade."""
    from firestats.periods import period_of
    from firestats.request import Request
    from firestats.run.render import render_station

    if (station is None) == (level is None) or (name is not None and level is None):
        raise click.UsageError(_("give --station, or --level (with --name for one of several brigades)"))
    request = Request(name if level else station, period_of(year, period), str(data_dir.resolve()), options.whole(),
                      level)
    _say([str(render_station(request, out_dir))])


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DATA_DIR, show_default=True,
              help="A folder written by `firestats prepare`.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=REPORTS_DIR, show_default=True,
              help="Reports go to OUT/YEAR/STATION.html; OUT/index.html lists them.")
@click.option("--year", "years", type=int, multiple=True, help="Only this year (repeatable). Default: every year.")
@click.option("--station", "stations", multiple=True,
              help="Only this station, spelled any way (repeatable). Default: every station.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Reports rendered at once on this machine.  [default: the number of cores]")
@click.option("--scheduler", default=None, metavar="ADDRESS", callback=_scheduler_address,
              help="Render on a dask.distributed cluster (e.g. tcp://host:8786) instead; its workers must see "
                   "the data and output folders at the same paths.")
@click.option("--period", "period_kind", type=click.Choice(["year", "half", "quarter", "month"]), default="year",
              show_default=True, help="Render every station's years, or its halves, quarters or months with records, "
                                      "and each such period's detachment overview (OUT/2024-Q3/…).")
@click.option("--force", is_flag=True, help="Render every report, even those whose inputs are unchanged.")
@click.option("--timeout", "timeout_s", type=click.IntRange(min=1, max=TIMEOUT_MAX_S), default=600,
              show_default=True, help="Time limit per report, in seconds (at most a day).")
@click.option("--notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A station notebook of your own to run instead of notebooks/station_report.ipynb.")
@_options(template=True)
def batch(data_dir: Path, out_dir: Path, years: tuple[int, ...], stations: tuple[str, ...], workers: int | None,
          scheduler: str | None, period_kind: str, force: bool, timeout_s: int, notebook: Path | None,
          options: Options) -> None:
    """Render every station and year (and each year's detachment overview), in parallel; with --period, every
    station's halves, quarters or months and each one's overview.

    Reports whose inputs have not changed since the last run are skipped (see OUT/manifest.json);
    one report's failure does not stop the others: its executed notebook is kept as
    YEAR/STATION.failed.ipynb and the summary names it with the failing cell's error. Exits 1
    when any report failed.
    """
    from firestats.publish.index_page import INDEX
    from firestats.run.batch import render_all
    from firestats.run.render import STATION_NOTEBOOK

    outcome = render_all(data_dir, out_dir, years=years, stations=stations, kind=period_kind, options=options,
                         workers=workers, scheduler=scheduler, force=force, notebook=notebook or STATION_NOTEBOOK,
                         timeout_s=timeout_s)
    _say([_done(outcome) + _(" · index: {path}").format(path=out_dir / INDEX)])
    if outcome.failed:
        _say([_("FAILED {name}: {error}").format(name=name, error=error) for name, error in outcome.failed.items()],
             err=True)
        sys.exit(1)


def _done(outcome: Any) -> str:
    """What a batch did, in one line."""
    return _("rendered {rendered}, unchanged {unchanged}, failed {failed}").format(
        rendered=len(outcome.rendered), unchanged=len(outcome.skipped), failed=len(outcome.failed))


def _write_sample(out_dir: Path, seed: int | None, force: bool) -> list[Path]:
    """Generate the sample into ``out_dir``, refusing a folder that holds files unless ``force``."""
    from firestats import sample as generator
    from firestats.errors import OutputError

    held = next((p for p in out_dir.rglob("*") if p.is_file()), None) if out_dir.is_dir() else None
    if held is not None and not force:
        raise OutputError(_("{path}: already holds files ({file} …); the sample is written only into an empty folder "
                            "(--force replaces files of the same name)").format(path=out_dir, file=held.name))
    return generator.write_sample(out_dir, generator.SEED if seed is None else seed)


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("data/raw"), show_default=True,
              help="Folder for the generated exports (an empty one).")
@click.option("--seed", type=int, default=None, help="Random seed (default: the bundled sample's).")
@click.option("--force", is_flag=True, help="Write into a folder that holds files, replacing those of the same name.")
def sample(out_dir: Path, seed: int | None, force: bool) -> None:
    """Generate realistic, messy sample incident exports for 5 stations x 3 years."""
    for path in _write_sample(out_dir, seed, force):
        click.echo(path)


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("firestats-demo"), show_default=True,
              help="Folder for everything: OUT/raw (the sample), OUT/processed, OUT/reports.")
@click.option("--year", "years", type=int, multiple=True, help="Only this year (repeatable). Default: every year.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Reports rendered at once.  [default: the number of cores]")
def demo(out_dir: Path, years: tuple[int, ...], workers: int | None) -> None:
    """The main job without make: the sample's exports, prepared, and every report rendered.

    
    Runs the same steps as `make demo`, on any machine with Python (Windows, conda):
      firestats install-kernel
      firestats sample --out OUT/raw
      firestats prepare OUT/raw --out OUT/processed
      firestats batch --data OUT/processed --out OUT/reports
    """
    from firestats.publish.index_page import INDEX
    from firestats.run.batch import render_all
    from firestats.run.kernels import install_kernel as install
    from firestats.store import prepare as run

    install()  # the notebooks' kernel, for JupyterLab afterwards
    raw, processed, reports = out_dir / "raw", out_dir / "processed", out_dir / "reports"
    if not (raw.is_dir() and any(raw.iterdir())):
        _write_sample(raw, None, False)
    run([raw], processed)
    outcome = render_all(processed, reports, years=years, workers=workers)
    _say([_done(outcome), _("reports: {path}").format(path=(reports / INDEX).resolve()),
          _("next, on this data: firestats report --data {data} --station 城东 --year 2025 --out {out}").format(
              data=processed, out=reports)])
    if outcome.failed:
        sys.exit(1)


@main.command("init-settings")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=Path("firestats.yaml"))
@click.option("--force", is_flag=True, help="Replace a file already there.")
def init_settings(path: Path, force: bool) -> None:
    """Write a starter settings file for your unit (default ./firestats.yaml): every shipped setting with its
    source, commented out; remove the # of what your unit sets otherwise."""
    from firestats.errors import OutputError
    from firestats.files import OutputFolder
    from firestats.settings import starter

    if path.exists() and not force:
        raise OutputError(_("{path}: already exists; --force replaces it").format(path=path))
    OutputFolder(path.parent).write(path.name, starter().encode("utf-8"))
    _say([_("wrote {path}: uncomment what your unit sets; firestats finds ./firestats.yaml, or give --settings")
          .format(path=path)])


@main.command("install-kernel")
@click.option("--user", is_flag=True, help="For this user, not this environment.")
def install_kernel(user: bool) -> None:
    """Register this Python as the `firestats` Jupyter kernel the shipped notebooks ask for (JupyterLab, plain
    papermill): into this environment (venv, conda) when it can be written, else for this user."""
    from firestats.run.kernels import install_kernel as install

    _say([_("kernel 'firestats' installed: {path}").format(path=install(user))])


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("notebooks"))
@click.option("--force", is_flag=True, help="Replace notebooks already there.")
def notebooks(out_dir: Path, force: bool) -> None:
    """Copy the shipped notebooks (station report, detachment overview, explore) into a folder of your own
    (default ./notebooks), to open in JupyterLab or run with papermill."""
    from firestats.run.notebooks import copy_notebooks

    _say([_("wrote {path}").format(path=path) for path in copy_notebooks(out_dir, force)])


@main.command()
@click.argument("name", type=click.Choice(["mappings"]))
def docs(name: str) -> None:
    """Print a shipped document: `mappings`, how to write a mapping for an export firestats does not read."""
    from firestats.run.notebooks import document

    click.echo(document(name).read_text("utf-8"))


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DATA_DIR, show_default=True,
              help="The prepared data folder.")
def stations(data_dir: Path) -> None:
    """List the stations of a prepared folder: each one's full name, the years it has records in, and its first
    and last month with records."""
    from firestats.ingest.stations import full_name
    from firestats.store import find_prepared, read_index

    index = read_index(find_prepared(data_dir))
    rows = []
    for name, entry in sorted(index.stations.items()):
        months = sorted(entry["months"])
        years = sorted({int(m[:4]) for m in months})
        span = f"{months[0]} .. {months[-1]}" if months else _("no records")
        rows.append(f"{name}\t{full_name(name)}\t{', '.join(map(str, years)) or '-'}\t{span}")
    _say([_("station\tfull name\tyears\tmonths with records"), *rows])


if __name__ == "__main__":
    main()

"""Every refusal is one line naming the path or option, exit code 2, never a traceback; a batch's books (the
manifest, the index, the 'unchanged' decision) hold whatever the folder holds. Each case made here, in tmp_path."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_exports

from firestats.cli import main
from firestats.errors import NoRecords
from firestats.periods import parse_period
from firestats.publish.paths import BESIDE
from firestats.publish.template_schema import check_template
from firestats.run.batch import plan, render_all, unchanged
from firestats.store.layout import read_index
from firestats.store.preparation import prepare

ESC = "\x1b]52;c;ZXZpbA==\x07"  # writes the terminal's clipboard when printed raw


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Two stations' 2024, prepared."""
    folder = tmp_path_factory.mktemp("refusals")
    prepare([write_exports(folder / "raw", ["城东站", "城西站"])], folder / "data")
    return folder / "data"


def refused(args: list[str], *names: str) -> str:
    """Run the command line; assert one line, exit 2, no traceback, naming each of ``names``; returns the line."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("firestats: "), result.output
    for name in names:
        assert name in result.output, result.output
    return result.output


def station_args(data, out) -> dict[str, list[str]]:
    return {"batch": ["batch", "--data", str(data), "--out", str(out)],
            "report": ["report", "--data", str(data), "--station", "城东", "--year", "2024", "--out", str(out)]}


@pytest.mark.parametrize("command", ["prepare", "batch", "report"])
def test_a_read_only_out_is_one_line(command, data, tmp_path, refusing_disk):
    out = tmp_path / "ro" / "out"
    args = {"prepare": ["prepare", str(write_exports(tmp_path / "raw", ["城东站"])), "--out", str(out)],
            **station_args(data, out)}[command]
    refusing_disk(tmp_path / "ro", errno.EROFS)
    refused(args, str(out), "the disk is read-only")


@pytest.mark.parametrize("command", ["prepare", "batch", "report"])
def test_an_out_that_names_a_file_is_one_line(command, data, tmp_path):
    out = tmp_path / "a-file"
    out.write_text("x", encoding="utf-8")
    args = {"prepare": ["prepare", str(write_exports(tmp_path / "raw", ["城东站"])), "--out", str(out)],
            **station_args(data, out)}[command]
    refused(args, f"{out}: cannot write (a file is in the way, not a folder)")


def test_sample_refuses_a_file_in_the_way_before_generating(tmp_path):
    (tmp_path / "raw").write_text("x", encoding="utf-8")
    refused(["sample", "--out", str(tmp_path / "raw")], f"{tmp_path / 'raw'}: cannot write (a file is in the way")


@pytest.mark.slow  # generates the whole sample (10 s) before it writes
def test_sample_writes_through_no_link(tmp_path):
    victim, out = tmp_path / "victim.csv", tmp_path / "raw"
    victim.write_text("keep", encoding="utf-8")
    out.mkdir()
    (out / "工作台账_2024.csv").symlink_to(victim)
    refused(["sample", "--out", str(out), "--force"], f"{out / '工作台账_2024.csv'}: a symbolic link")
    assert victim.read_text(encoding="utf-8") == "keep"


def test_a_full_disk_when_the_manifest_is_written_is_one_line(data, tmp_path, refusing_disk):
    out = tmp_path / "out"
    refusing_disk(out, errno.ENOSPC, "manifest")
    refused(["batch", "--data", str(data), "--out", str(out), "--year", "1999"],
            f"{out / 'manifest.json'}: cannot write (no space left on the disk)")


@pytest.mark.parametrize("command", ["figures", "batch", "report"])
def test_a_truncated_prepared_table_is_named_in_one_line(command, data, tmp_path):
    broken = tmp_path / "data"
    shutil.copytree(data, broken)
    table = broken / read_index(broken).files("incidents", "城东站", [2024])[0][0]
    table.write_bytes(table.read_bytes()[:100])
    args = {"figures": ["figures", "--data", str(broken), "--station", "城东", "--year", "2024"],
            **station_args(broken, tmp_path / "out")}[command]
    refused(args, f"{table}: cannot be read", "firestats prepare")


def test_a_truncated_quality_summary_is_named_in_one_line(data, tmp_path):
    broken = tmp_path / "data"
    shutil.copytree(data, broken)
    (broken / "quality.json").write_text('{"files": [', encoding="utf-8")
    refused(["figures", "--data", str(broken), "--station", "城东", "--year", "2024"],
            f"{broken / 'quality.json'}: cannot be read")


@pytest.mark.parametrize("option, value", [("--timeout", "99999999999"), ("--timeout", "0"), ("--scheduler", "bogus"),
                                           ("--scheduler", "tcp://host"), ("--scheduler", "tcp://host:99999"),
                                           ("--scheduler", "http://host:8786"), ("--workers", "0")])
def test_an_option_out_of_range_or_form_is_one_line(option, value, data, tmp_path):
    refused(["batch", "--data", str(data), "--out", str(tmp_path / "out"), option, value], option)


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://[fd00::5]:8786", "scheduler.local:8786"])
def test_scheduler_addresses_of_every_form_are_taken(address, data, tmp_path):
    # No report to render in 1999, so the scheduler is never called: only the address's form is checked.
    result = CliRunner().invoke(main, ["batch", "--data", str(data), "--out", str(tmp_path), "--year", "1999",
                                       "--scheduler", address])
    assert result.exit_code == 2 and "nothing to render" in result.output, result.output


@pytest.mark.slow  # imports distributed and waits for its connection timeout
def test_an_unreachable_scheduler_is_one_line(data, tmp_path):
    dask = pytest.importorskip("dask")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        refused(["batch", "--data", str(data), "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:1"],
                "--scheduler tcp://127.0.0.1:1: cannot reach the scheduler")


def test_escape_sequences_in_station_names_never_reach_the_terminal(tmp_path):
    prepare([write_exports(tmp_path / "raw", [f"城{ESC}东站", "城西站"])], tmp_path / "data")
    line = refused(["figures", "--data", str(tmp_path / "data"), "--station", f"\x1b]0;pwned\x07南{ESC}",
                    "--year", "2024"], "no station", "城西站")
    assert not set(line) & {"\x1b", "\x07", "\x9b", "\x9d"}


@pytest.mark.parametrize("damage", ['{"2024/城东站": {"key": "ab', "[]", '"manifest"', '{"2024/城东站": 5}',
                                    '{"2024/城东站": {"status": "ok", "headline": "x"}}', "\xff\xfe"])
def test_a_damaged_manifest_is_rebuilt_with_a_warning(damage, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_bytes(damage.encode("latin-1", errors="ignore") if damage == "\xff\xfe"
                                        else damage.encode("utf-8"))
    result = CliRunner().invoke(main, ["batch", "--data", str(data), "--out", str(out), "--year", "1999"])
    assert result.exit_code == 2 and "nothing to render" in result.output, result.output
    assert f"firestats: {out / 'manifest.json'}: " in result.output and "rendered again" in result.output
    assert json.loads((out / "manifest.json").read_text("utf-8")) == {}


def test_the_index_lists_only_the_reports_of_the_current_data(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    entry = {"key": "k", "status": "ok", "headline": {"incidents": 2}}
    (out / "manifest.json").write_text(json.dumps({"2024/城东站": entry, "2024/城南站": entry}), encoding="utf-8")
    with pytest.raises(NoRecords):  # nothing to render: the books alone
        render_all(data, out, years=[1999], progress=False)
    index = (out / "index.html").read_text("utf-8")
    assert "城东站" in index and "城南站" not in index  # 城南站 is not in this data
    assert set(json.loads((out / "manifest.json").read_text("utf-8"))) == {"2024/城东站", "2024/城南站"}


def test_the_index_marks_a_report_whose_records_cover_part_of_its_period(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    part = {"from": "2024-01-01", "to": "2024-04-23", "whole": False}
    entries = {"2024/城东站": {"key": "k", "status": "ok", "headline": {}, "coverage": part},
               "2024/城西站": {"key": "k", "status": "ok", "headline": {}, "coverage": part | {"whole": True}}}
    (out / "manifest.json").write_text(json.dumps(entries), encoding="utf-8")
    with pytest.raises(NoRecords):
        render_all(data, out, years=[1999], progress=False)
    index = (out / "index.html").read_text("utf-8")
    assert index.count("数据仅覆盖") == 1 and "数据仅覆盖2024年1月1日至4月23日" in index


def test_a_report_is_unchanged_only_while_every_file_it_writes_is_there(data, tmp_path):
    jobs = {job.name: job for job in plan(data, tmp_path)}
    station, overview = jobs["2024/城东站"], jobs["2024/支队总览"]
    for job in (station, overview):
        for path in job.outputs():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(b"x")
    assert sorted(p.rsplit(".", 1)[1] for p in station.outputs()) == sorted(["html", *(s[1:] for s in BESIDE)])
    before = {"key": station.key, "status": "ok"}
    assert unchanged(station, before, tmp_path) and unchanged(overview, {"key": overview.key, "status": "ok"}, tmp_path)
    assert not unchanged(station, {"key": station.key, "status": "failed"}, tmp_path)
    assert not unchanged(station, {"key": "other", "status": "ok"}, tmp_path) and not unchanged(station, None, tmp_path)
    for suffix in BESIDE:
        (tmp_path / f"2024/城东站{suffix}").unlink()
        assert not unchanged(station, before, tmp_path), suffix
        (tmp_path / f"2024/城东站{suffix}").write_bytes(b"x")


def test_a_link_in_a_reports_place_refuses_the_batch_before_it_renders(data, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "2024").symlink_to(elsewhere)
    refused(["batch", "--data", str(data), "--out", str(out)], f"{out / '2024'}: a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_batch_that_would_render_nothing_is_refused_saying_why(data, tmp_path):
    with pytest.raises(NoRecords, match="nothing to render: no records of any station in 2030; years with records: "):
        render_all(data, tmp_path / "out", years=[2030], progress=False)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8")) == {}  # the books, no report
    run = CliRunner().invoke(main, ["batch", "--data", str(data), "--out", str(tmp_path / "out"), "--year", "2030"])
    assert run.exit_code == 2 and "nothing to render" in run.output


@pytest.mark.parametrize("year, period, named", [("2024", "9999-12", "9999 is no year"),
                                                 ("2024", "0999-01", "999 is no year"),
                                                 ("99999", "03", "'99999-03' is no period"), ("0", None, "0 is no")])
def test_a_period_past_the_years_a_date_can_hold_is_one_line(year, period, named, data):
    args = ["figures", "--data", str(data), "--station", "城东", "--year", year]
    refused(args + (["--period", period] if period else []), named)


def _first(mapping: dict) -> dict:
    return next(iter(mapping.values()))


HUGE = "__1e999__"  # written as the JSON number 1e999, which Python reads as infinity
# Each index file of a prepared folder made valid JSON of the wrong shape: ([], a key missing, 1e999 for a number).
WRONG_SHAPES = {
    "stations.json": [lambda d: [], lambda d: _first(d).pop("months") and d, lambda d: _first(d).update(months=HUGE)],
    "partitions.json": [lambda d: [], lambda d: _first(_first(d["incidents"])).pop("sha256") and d,
                        lambda d: _first(_first(d["incidents"])).update(rows=HUGE)],
    "quality.json": [lambda d: [], lambda d: d.pop("totals") and d, lambda d: d.update(unattributed=HUGE)],
    "layout.json": [lambda d: [], lambda d: d.pop("version") and d, lambda d: d.update(version=HUGE)],
}


@pytest.mark.parametrize("name, damage", [(name, i) for name, damages in WRONG_SHAPES.items()
                                          for i in range(len(damages))])
def test_an_index_file_of_the_wrong_shape_is_one_line_saying_prepare_again(name, damage, data, tmp_path):
    broken = tmp_path / "data"
    shutil.copytree(data, broken)
    index = json.loads((broken / name).read_text("utf-8"))
    shaped = WRONG_SHAPES[name][damage](index)
    (broken / name).write_text(json.dumps(index if shaped is None else shaped).replace(f'"{HUGE}"', "1e999"),
                               encoding="utf-8")
    refused(["figures", "--data", str(broken), "--station", "城东", "--year", "2024"], name, "firestats prepare")


def test_a_partition_the_index_names_outside_the_store_is_never_read(data, tmp_path):
    broken, outside = tmp_path / "data", tmp_path / "outside"
    shutil.copytree(data, broken)
    outside.mkdir()
    relative, entry = read_index(broken).files("incidents", "城东站", [2024])[0]
    shutil.copy(broken / relative, outside / "evil.parquet")
    index = json.loads((broken / "partitions.json").read_text("utf-8"))
    partition = next(files for files in index["incidents"].values() if entry in files.values())
    partition["../../../../outside/evil"] = entry  # the right hash: only its name gives it away
    (broken / "partitions.json").write_text(json.dumps(index), encoding="utf-8")
    refused(["figures", "--data", str(broken), "--station", "城东", "--year", "2024"], "partitions.json",
            "firestats prepare")


def test_a_partition_folder_linked_out_of_the_store_is_never_read(data, tmp_path):
    broken, outside = tmp_path / "data", tmp_path / "outside"
    shutil.copytree(data, broken)
    shutil.move(broken / "incidents", outside)
    (broken / "incidents").symlink_to(outside, target_is_directory=True)
    refused(["figures", "--data", str(broken), "--station", "城东", "--year", "2024"],
            "leads out of the prepared folder", "firestats prepare")


@pytest.mark.slow
@pytest.mark.parametrize("damaged", ["generations.json", ".sources"])
@pytest.mark.parametrize("shape", ["[]", "1e999", '{"g0123456789abcde": {}}'])
def test_a_prepare_over_its_own_caches_of_the_wrong_shape_reads_their_files_again(damaged, shape, data, tmp_path):
    again = tmp_path / "data"
    shutil.copytree(data, again)
    for path in [again / damaged] if damaged.endswith(".json") else (again / damaged).glob("*.json"):
        path.write_text(shape, encoding="utf-8")
    result = CliRunner().invoke(main, ["prepare", str(data.parent / "raw"), "--out", str(again)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert read_index(again).stations == read_index(data).stations


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """Soho and SOHO, two stations whose names differ only in case, prepared."""
    folder = tmp_path_factory.mktemp("twins")
    prepare([write_exports(folder / "raw", ["Soho", "SOHO", "城东站"])], folder / "data")
    return folder / "data"


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["0", "1", "2"])
def test_a_station_spelled_in_neither_of_two_cases_is_refused_whatever_the_hash_seed(seed, twins):
    run = subprocess.run([sys.executable, "-m", "firestats.cli", "figures", "--data", str(twins), "--station", "soho",
                          "--year", "2024"], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert "'soho' names 2 stations: SOHO、Soho" in run.stderr


@pytest.mark.parametrize("spelling", ["Soho", "SOHO"])
def test_a_station_spelled_as_the_data_spells_it_is_that_station(spelling, twins):
    result = CliRunner().invoke(main, ["figures", "--data", str(twins), "--station", spelling, "--year", "2024"])
    assert result.exit_code == 0 and json.loads(result.output)["station"] == spelling


def test_a_batch_never_writes_two_reports_whose_names_differ_only_in_case(twins, tmp_path):
    refused(["batch", "--data", str(twins), "--out", str(tmp_path / "out")], "stations SOHO、Soho differ only in case")
    assert not (tmp_path / "out" / "2024").exists()


SHIPPED_TEMPLATE = (Path(__file__).parent.parent / "firestats" / "data" / "annual_report.yaml").read_text("utf-8")
# A unit's template spoiled as offices and insiders spoil one: (the change, what the refusal says, and the text whose
# line it names: the field's own, or where the block that lacks it starts).
SPOILED_TEMPLATES = {
    "a full-width brace from the input method": (
        ("，{station_name}党支部", "，｛station_name}党支部"), "blocks[2].paragraph[1]: Single '}' encountered",
        "｛station_name}"),
    "a heading that is a number": (
        ('- heading1: "一、主要做法及取得成效"', "- heading1: 2024"),
        "blocks[3].heading1: Input should be a valid string (given 2024)", "heading1: 2024"),
    "findings as one text": (
        ('- findings:\n      none: "按现行规则，数据未显示明显问题。【请填写：本站自查发现的问题】"\n'
         '      more: "【请填写：数据以外的其他不足】"', '- findings: "无"'),
        "blocks[19].findings: Input should be a valid dictionary", 'findings: "无"'),
    "sentence: for sentences:": (
        ('      sentences:\n        - ["{span}队站', '      sentence:\n        - ["{span}队站'),
        "blocks[6].paragraph.sentences: Field required", "data: true\n      sentence:"),
    "a paragraph as one text": (
        ('- paragraph:\n      - "【请填写：专业训练、技能培训等方面的做法和成效】"', '- paragraph: "本站全年训练有素"'),
        "blocks[10].paragraph: a list of sentences", "本站全年训练有素"),
    "a placeholder with a width": (
        ("共接处警{total}", "共接处警{total:>999999999}"),
        "blocks[8].paragraph.sentences[2][1]: {total:>999999999}: a placeholder is written", "{total:>999999999}"),
    "an unknown placeholder": (
        ("{drills}", "{drill}"), "blocks[8].paragraph.sentences[1][1]: unknown placeholder {drill}", "{drill}"),
    "a block of no kind": (
        ('- heading2: "（一）', '- heading3: "（一）'), "blocks[4]: one block of one kind", "heading3"),
    "a billion laughs": (("title:", 'a: &a ["lol", "lol"]\nb: [*a, *a, *a]\ntitle:'), "an alias (*a)", "*a"),
    "ten megabytes": (
        ("title:", f"padding: {'x' * 10 * 2**20}\ntitle:"), "larger than a report template can be", None),
}


@pytest.mark.parametrize("case", list(SPOILED_TEMPLATES))
@pytest.mark.parametrize("command", ["report", "batch"])
def test_a_spoiled_template_is_one_line_naming_its_line_and_field_before_a_kernel_starts(command, case, data,
                                                                                         tmp_path):
    (old, new), named, marker = SPOILED_TEMPLATES[case]
    assert old in SHIPPED_TEMPLATE
    spoiled = SHIPPED_TEMPLATE.replace(old, new, 1)
    template = tmp_path / "ours.yaml"
    template.write_text(spoiled, encoding="utf-8")
    line = f"line {spoiled[:spoiled.index(marker)].count(chr(10)) + 1}: " if marker else ""
    started = time.monotonic()
    refused([*station_args(data, tmp_path / "out")[command], "--docx-template", str(template)], str(template),
            line + named)
    assert time.monotonic() - started < 10 and not list(tmp_path.glob("out/**/*.*"))  # nothing ran, nothing written


def test_the_shipped_templates_pass_the_check_a_units_own_must_pass():
    for name in ("annual_report.yaml", "bulletin_report.yaml", "level_report.yaml", "level_bulletin.yaml"):
        for period in ("2024", "2024-H2"):
            check_template(Path(__file__).parent.parent / "firestats" / "data" / name, parse_period(period))

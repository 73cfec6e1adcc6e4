"""The analyst's desk on any machine: firestats from any folder, from a wheel, with plain papermill and
nbconvert, without make, on a console that cannot show every character, never over a user's file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from firestats import files
from firestats.cli import main
from firestats.errors import NotPrepared
from firestats.files import OutputFolder
from firestats.run.notebooks import notebook
from firestats.store.layout import find_prepared

REPO = Path(__file__).resolve().parent.parent
FIRESTATS = [sys.executable, "-m", "firestats"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A command's run, its output read in the encoding it was told to write (UTF-8 unless PYTHONIOENCODING)."""
    encoding = env.get("PYTHONIOENCODING", "utf-8")
    return subprocess.run(args, cwd=cwd, capture_output=True, encoding=encoding, errors="replace", timeout=600,
                          env={**os.environ, **env})


def test_the_prepared_folder_is_found_from_the_notebooks_folder_or_the_checkout(prepared, tmp_path, monkeypatch):
    checkout = tmp_path / "我的 检查"  # a space and Chinese in the path
    shutil.copytree(prepared, checkout / "data" / "processed")
    (checkout / "notebooks").mkdir()
    for here in (checkout, checkout / "notebooks"):
        monkeypatch.chdir(here)
        assert find_prepared(None) == checkout / "data" / "processed"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotPrepared, match="run `firestats prepare`"):
        find_prepared(None)


def test_sample_leaves_a_users_file_untouched(tmp_path):
    mine = tmp_path / "raw" / "接处警台账_2024.csv"
    mine.parent.mkdir()
    mine.write_text("我的数据", encoding="utf-8")
    result = CliRunner().invoke(main, ["sample", "--out", str(mine.parent)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "already holds files" in result.output
    assert mine.read_text(encoding="utf-8") == "我的数据"


@pytest.mark.slow
def test_a_console_that_cannot_show_a_character_gets_no_traceback(tmp_path):
    export = tmp_path / "警情.csv"
    export.write_text("警情编号,出动站,接警时间,警情类型\nA1,城东站🔥,2024-03-05 10:00,火灾\n", encoding="utf-8")
    result = run([*FIRESTATS, "figures", "--data", str(tmp_path), "--station", "城东🔥", "--year", "2024"], tmp_path,
                 PYTHONIOENCODING="gbk")
    assert "Traceback" not in result.stderr and result.returncode == 2
    assert run([*FIRESTATS, "validate", str(export)], tmp_path, PYTHONIOENCODING="gbk").returncode == 0


def test_a_clone_named_firestats_beside_the_working_folder_does_not_shadow_the_package(tmp_path):
    (tmp_path / "firestats" / "notebooks").mkdir(parents=True)  # a checkout's top level: no __init__.py
    code = "import firestats.settings as s; print(s.__file__, len(s.settings()))"
    shown = run([sys.executable, "-c", code], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert Path(shown.stdout.split()[0]).parent.joinpath("__init__.py").is_file()


def test_a_file_another_program_holds_open_is_replaced_once_it_is_let_go(tmp_path, monkeypatch):
    """Windows refuses to rename over a file Excel holds open: the writer waits a moment and tries again."""
    monkeypatch.setattr(files.sys, "platform", "win32")
    monkeypatch.setattr(files, "REPLACE_PAUSE_S", 0.01)
    held, replace = {"times": 2}, os.replace

    def excel_holds_it(src, dst):
        if held["times"]:
            held["times"] -= 1
            raise PermissionError(13, "The process cannot access the file because it is being used")
        replace(src, dst)

    monkeypatch.setattr(files.os, "replace", excel_holds_it)
    target = OutputFolder(tmp_path).write("城东站.xlsx", b"new")
    assert target.read_bytes() == b"new" and held["times"] == 0


def test_the_notebooks_ship_with_the_package():
    assert {p.name for p in (REPO / "notebooks").glob("*.ipynb")} == {
        "station_report.ipynb", "detachment_overview.ipynb", "explore.ipynb"}
    assert notebook("explore.ipynb").is_file()


@pytest.mark.slow
def test_plain_papermill_and_nbconvert_from_the_checkout(prepared, tmp_path):
    """The README's plain commands: papermill from a checkout's root without data_dir, then nbconvert with
    the installed template gives the offline page, no code, no http(s) reference."""
    checkout = tmp_path / "checkout"
    shutil.copytree(prepared, checkout / "data" / "processed")
    executed = checkout / "城西站.ipynb"
    ran = run([sys.executable, "-m", "papermill", str(notebook("station_report.ipynb")), str(executed),
               "-p", "station", "城西站", "-p", "year", "2024", "-k", "firestats"], checkout)
    assert ran.returncode == 0, ran.stderr[-2000:]
    converted = run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--template", "firestats",
                     str(executed)], checkout)
    assert converted.returncode == 0, converted.stderr[-2000:]
    page = executed.with_suffix(".html").read_text("utf-8")
    assert "城西消防救援站" in page
    assert code_on(page) == []  # no input area, prompt or parameters cell in the page as a browser reads it
    assert not re.search(r"(?:src|href)=[\"']https?://", page)


class _Code(HTMLParser):
    """What of a notebook's code a page's elements show: code editors and prompts, and parameters cells."""

    SHOWN = ("jp-CodeMirrorEditor", "jp-InputPrompt", "jp-OutputPrompt", "celltag_parameters",
             "celltag_injected-parameters")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self.found += [c for c in classes if c in self.SHOWN]


def code_on(page: str) -> list[str]:
    """The classes of the elements of ``page`` that show code (none on a report)."""
    parser = _Code()
    parser.feed(page)
    return parser.found


@pytest.mark.slow
def test_the_explore_notebook_runs_top_to_bottom(prepared, tmp_path):
    executed = tmp_path / "explore.ipynb"
    ran = run([sys.executable, "-m", "papermill", str(notebook("explore.ipynb")), str(executed),
               "-p", "data_dir", str(prepared), "-p", "station", "城东", "-p", "year", "2024", "-k", "firestats"],
              tmp_path)
    assert ran.returncode == 0, ran.stderr[-2000:]
    text = executed.read_text("utf-8")
    assert "首车到场单位的出动时间" in text and "本站占支队" in text


@pytest.mark.slow
def test_a_wheel_renders_a_report_from_an_unrelated_folder(prepared, tmp_path):
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
                tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("firestats-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "firestats/notebooks/station_report.ipynb" in names
    assert any(n.endswith("share/jupyter/nbconvert/templates/firestats/index.html.j2") for n in names)
    assert "firestats/publish/templates/index/index.html.j2" in names  # the report index's page
    site = tmp_path / "site"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    report = run([sys.executable, "-m", "firestats", "report", "--data", str(prepared), "--station", "城南",
                  "--year", "2025", "--out", "out"], elsewhere, PYTHONPATH=str(site))
    assert report.returncode == 0, report.stderr[-2000:]
    assert (elsewhere / "out" / "2025" / "城南站.html").is_file()
    where = run([sys.executable, "-c", "import firestats; print(firestats.__file__)"], elsewhere, PYTHONPATH=str(site))
    assert where.stdout.startswith(str(site))
    code = ("from firestats.publish.index_page import render; from firestats.store import read_quality; "
            f"print(render({{}}, {{}}, read_quality({str(prepared)!r})))")
    index = run([sys.executable, "-c", code], elsewhere, PYTHONPATH=str(site))  # its template comes with the wheel
    assert index.returncode == 0 and "<h1>分析报告目录</h1>" in index.stdout, index.stderr[-2000:]


@pytest.mark.slow
def test_demo_without_make_leaves_reports_in_out(tmp_path):
    out = tmp_path / "演示"
    result = run([*FIRESTATS, "demo", "--out", str(out), "--year", "2025"], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "reports" / "index.html").is_file() and len(list((out / "reports" / "2025").glob("*.html"))) == 6
    assert str((out / "reports" / "index.html").resolve()) in result.stdout


def test_no_unix_only_signal_times_a_report():
    """Windows has no SIGALRM: the time limit interrupts the kernel instead (run/kernels)."""
    users = [p.name for p in (REPO / "firestats").rglob("*.py") if "SIGALRM" in p.read_text("utf-8")]
    assert not users


@pytest.mark.slow  # a wheelhouse of every dependency (pip's cache), a fresh venv installed from it offline
def test_a_colleagues_machine_installs_offline_from_a_wheelhouse_and_runs_a_notebook(prepared, tmp_path):
    """The README's "on a colleague's machine": `pip wheel` makes a wheelhouse, a fresh venv installs from it with
    no index, registers the kernel, copies the notebooks out and runs one with plain papermill."""
    house = tmp_path / "wheelhouse"
    made = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-build-isolation", "-w", str(house), str(REPO)],
               tmp_path)
    if made.returncode != 0:
        pytest.skip(f"no wheelhouse could be made (pip needs its cache or an index): {made.stderr[-300:]}")
    venv = tmp_path / "colleague"
    assert run([sys.executable, "-m", "venv", str(venv)], tmp_path).returncode == 0
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    installed = run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(house),
                     "firestats"], tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    desk = tmp_path / "desk"
    desk.mkdir()
    for step in (["install-kernel"], ["notebooks", "nb"], ["docs", "mappings"]):
        done = run([str(python), "-m", "firestats", *step], desk)
        assert done.returncode == 0, (step, done.stderr[-2000:])
    assert "firestats" in run([str(python), "-m", "jupyter", "kernelspec", "list"], desk).stdout
    ran = run([str(python), "-m", "papermill", "nb/station_report.ipynb", "out.ipynb", "-p", "station", "城南",
               "-p", "period", "2025", "-p", "data_dir", str(prepared)], desk)  # the notebook's own kernel
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "城南消防救援站" in (desk / "out.ipynb").read_text("utf-8")

"""The batch: one failing station leaves the rest, re-runs render only what changed, dask runs it too."""

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from firestats.run.batch import read_manifest, render_all
from firestats.run.render import STATION_NOTEBOOK
from firestats.sample import write_sample
from firestats.store.preparation import prepare

pytestmark = pytest.mark.slow  # real kernels, browsers or real data: `pytest -m "not slow"` skips them

FIRESTATS = [sys.executable, "-m", "firestats.cli"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch-raw")
    write_sample(folder)
    return folder


@pytest.fixture
def data(raw, tmp_path):
    out = tmp_path / "processed"
    prepare([raw], out)
    return out


def failing_notebook(tmp_path, station: str):
    """The station notebook with one more cell that fails for one station, as bad data would."""
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    nb = nbformat.read(STATION_NOTEBOOK, as_version=4)
    failing = f'if station == "{station}":\n    raise ValueError("该站数据无法处理")'
    nb.cells.insert(3, nbformat.v4.new_code_cell(failing))
    path = tmp_path / "notebooks" / "station_report.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def test_one_failing_station_does_not_stop_the_others(data, tmp_path):
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    notebook = failing_notebook(tmp_path, "城北站")
    out = tmp_path / "reports"
    run = subprocess.run([*FIRESTATS, "batch", "--data", str(data), "--out", str(out), "--year", "2024",
                          "--workers", "2", "--notebook", str(notebook)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert "FAILED 2024/城北站: ValueError: 该站数据无法处理" in run.stderr
    rendered = sorted(p.name for p in (out / "2024").glob("*.html"))
    assert rendered == ["城东站.html", "城南站.html", "城西站.html", "支队总览.html", "高新区站.html"]
    kept = nbformat.read(out / "2024" / "城北站.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    manifest = read_manifest(out)
    assert manifest["2024/城北站"]["status"] == "failed"
    assert "失败" in (out / "index.html").read_text("utf-8")


def test_rerun_renders_only_what_changed(raw, tmp_path):
    changed_raw = tmp_path / "raw"
    shutil.copytree(raw, changed_raw)
    data, out = tmp_path / "processed", tmp_path / "reports"
    prepare([changed_raw], data)
    first = render_all(data, out, years=[2024], workers=2, progress=False)
    assert len(first.rendered) == 7 and not first.failed  # 5 stations, the detachment's report and the overview

    again = render_all(data, out, years=[2024], workers=2, progress=False)
    assert again.rendered == [] and len(again.skipped) == 7
    one = render_all(data, out, years=[2024], stations=["城东"], workers=2, progress=False)
    assert one.rendered == [] and sorted(one.skipped) == ["2024/城东站", "2024/支队总览"]  # its overview is unchanged

    ledger = changed_raw / "工作台账_2024.csv"
    text = ledger.read_bytes().decode("gb18030")
    lines = text.split("\r\n")
    row = next(i for i, line in enumerate(lines) if ",城北站,实地演练," in line or ",城北站,演练," in line)
    lines.insert(row + 1, lines[row])  # one more drill logged for 城北站
    ledger.write_bytes("\r\n".join(lines).encode("gb18030"))
    prepare([changed_raw], data)
    third = render_all(data, out, years=[2024], workers=2, progress=False)
    assert sorted(third.rendered) == ["2024/城北站", "2024/支队/支队", "2024/支队总览"]  # and those of all stations
    assert len(third.skipped) == 4
    forced = render_all(data, out, years=[2024], stations=["城东"], workers=1, force=True, progress=False)
    assert sorted(forced.rendered) == ["2024/城东站", "2024/支队总览"]


def rendered_alike(left: Path, right: Path) -> None:
    """Two report folders hold the same files: figures and exports byte for byte (a workbook's or a Word
    draft's parts but their creation time), pages but the day they say they were made and the random ids
    papermill gives the cells it adds."""
    names = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert names == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file() and p.name != "manifest.json")
    for name in names:
        a, b = (left / name).read_bytes(), (right / name).read_bytes()
        if name.suffix in (".xlsx", ".docx"):
            assert zip_parts(a) == zip_parts(b), name
        elif name.suffix == ".html":
            assert re.sub(GENERATED, "", a.decode("utf-8")) == re.sub(GENERATED, "", b.decode("utf-8")), name
        else:
            assert a == b, name


GENERATED = r"生成于 \d{4}年\d{2}月\d{2}日|cell-id=[0-9a-f-]+"


def zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}  # core: when made


def test_batch_on_a_dask_cluster_renders_what_the_process_pool_renders(data, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "reports"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcome = render_all(data, out, years=[2025], stations=["城西站"], scheduler=cluster.scheduler_address,
                             progress=False)
    assert sorted(outcome.rendered) == ["2025/城西站", "2025/支队总览"] and not outcome.failed
    assert (out / "2025" / "城西站.html").is_file() and (out / "2025" / "城西站.json").is_file()
    assert json.loads((out / "manifest.json").read_text("utf-8"))["2025/城西站"]["status"] == "ok"
    pooled = render_all(data, tmp_path / "pooled", years=[2025], stations=["城西站"], workers=1, progress=False)
    assert sorted(pooled.rendered) == sorted(outcome.rendered)
    rendered_alike(out, tmp_path / "pooled")


UNGUARDED = """\
import firestats as fs
print("script ran")
outcome = fs.render_all({data!r}, {out!r}, years=[2024], stations=["城东"], workers=2, progress=False)
print("rendered", len(outcome.rendered), "failed", len(outcome.failed))
"""


@pytest.mark.slow  # two batches on real kernels
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_plain_script_without_a_main_guard_renders_its_batch(prepared, tmp_path, how):
    """The README's call in a script without `if __name__ == "__main__":` (or piped to python): the spawned workers
    do not run the script again, so the batch neither waits on its own lock nor breaks its pool."""
    script = UNGUARDED.format(data=str(prepared), out=str(tmp_path / "out"))
    (tmp_path / "script.py").write_text(script, encoding="utf-8")
    args, given = ([sys.executable, "script.py"], None) if how == "file" else ([sys.executable, "-"], script)
    ran = subprocess.run(args, cwd=tmp_path, input=given, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.splitlines() == ["script ran", "rendered 2 failed 0"]  # the station and the overview


SETTLES = """
import gc, sys
from firestats.request import Request
from firestats.run.batch import Job, run_job
job = Job(Request.of("城东", 2024, sys.argv[1]), sys.argv[2], "station_report.ipynb", "key")
before = gc.get_freeze_count()
first = run_job(job)
frozen = gc.get_freeze_count()
held = [[] for _ in range(1000)]  # what a later report holds stays the collector's
run_job(job)
print(before, frozen > 0, gc.get_freeze_count() == frozen, first["status"])
"""


def test_a_worker_freezes_what_its_first_report_left_out_of_the_collectors_way_once(tmp_path):
    """After its first report (failed or not) a worker's lasting objects are frozen, once: the reports after it
    leave theirs to the collector."""
    run = subprocess.run([sys.executable, "-c", SETTLES, str(tmp_path / "missing"), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["0", "True", "True", "failed"], run.stderr

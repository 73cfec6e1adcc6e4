"""Warm kernels: a batch worker's reports run one after another on one kernel, each as if on a fresh one;
a report past its time limit is stopped without signals, and a kernel that fails to start is started once more."""

from __future__ import annotations

import io
import json
import re
import socket
import zipfile
from pathlib import Path

import pytest

from firestats.errors import KernelStartFailed, ReportFailed
from firestats.request import Request
from firestats.run.batch import PRELOAD, render_all
from firestats.run.kernels import KERNEL, Kernel, _KernelManager, _ReadyClient
from firestats.run.render import render_station

pytestmark = pytest.mark.slow  # real kernels and batches: `pytest -m "not slow"` skips them

STATIONS = ("城东站", "城西站")
# What differs between two renderings of one report: the id papermill gives its parameters cell, and
# any time of day or date the page is stamped with.
VARYING = re.compile(rb'cell-id=[0-9a-f]+|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?')
# Office files carry their creation time in docProps/core.xml.
STAMPED = "docProps/core.xml"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != STAMPED}


def test_reports_from_a_warm_batch_equal_cold_single_reports(prepared, tmp_path):
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    # One worker: both stations and the overview run on the same kernel, the later ones on a reset kernel.
    outcome = render_all(prepared, warm, years=[2024], stations=STATIONS, workers=1, progress=False)
    assert not outcome.failed and len(outcome.rendered) == 3
    for station in STATIONS:
        render_station(Request.of(station, 2024, prepared), cold)
        for suffix in (".json", ".csv", ".txt", ".xlsx", ".docx", ".html"):
            made, fresh = ((out / "2024" / station).with_suffix(suffix).read_bytes() for out in (warm, cold))
            if suffix in (".xlsx", ".docx"):
                assert _members(made) == _members(fresh), (station, suffix)
            elif suffix == ".html":
                assert VARYING.sub(b"", made) == VARYING.sub(b"", fresh), station
            else:
                assert made == fresh, (station, suffix)


def _notebook(folder: Path, name: str, *cells: str) -> Path:
    """A notebook of a parameters cell (``station``) and ``cells``, written into ``folder``."""
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    parameters = nbformat.v4.new_code_cell('station = "城东站"')
    parameters.metadata["tags"] = ["parameters"]
    spec = {"name": KERNEL, "language": "python", "display_name": "Python 3"}
    nb = nbformat.v4.new_notebook(cells=[parameters, *(nbformat.v4.new_code_cell(c) for c in cells)],
                                  metadata={"kernelspec": spec})
    path = folder / name
    nbformat.write(nb, path)
    return path


PLANT = """
import os, sys
import matplotlib, matplotlib.pyplot as plt
from firestats.compute.scoring import load_table
planted = "a global"
matplotlib.rcParams["lines.linewidth"] = 9
plt.ioff()  # the figure stays open past the cell
plt.figure()
os.chdir("/")
os.environ["FIRESTATS_PLANTED"] = "1"
sys.path.append("/planted")
load_table("example-2024")  # a data cache filled
"""
PATCH = "import pandas\npandas.read_parquet = lambda *args, **kwargs: None"
METHOD = "import pandas.core.generic\npandas.core.generic.NDFrame.head = lambda self, n=5: self"
LOOK = """
import json, os, sys
import matplotlib, matplotlib.pyplot as plt, pandas
from firestats.compute.scoring import load_table
print(json.dumps({"global": "planted" in globals(), "linewidth": matplotlib.rcParams["lines.linewidth"],
                  "interactive": matplotlib.is_interactive(), "figures": len(plt.get_fignums()), "cwd": os.getcwd(),
                  "environ": "FIRESTATS_PLANTED" in os.environ, "path": "/planted" in sys.path,
                  "cached": load_table.cache_info().currsize, "read_parquet": pandas.read_parquet.__module__,
                  "cell": get_ipython().execution_count}))
"""


def _looked(kernel: Kernel, notebook: Path, output: Path) -> dict:
    executed = kernel.run(notebook, {"station": "城西站"}, output, 60)
    return json.loads(executed.cells[-1].outputs[0]["text"])


@pytest.mark.parametrize("patch", [None, PATCH, METHOD], ids=["reset", "replaced", "method-replaced"])
def test_state_one_report_plants_does_not_reach_the_next(tmp_path, patch):
    plant = _notebook(tmp_path, "plant.ipynb", PLANT, *([patch] if patch else []))
    look = _notebook(tmp_path, "look.ipynb", LOOK)
    kernel = Kernel(tmp_path, PRELOAD, reports=10)
    try:
        fresh = _looked(kernel, look, tmp_path / "out.ipynb")
        kernel.run(plant, {}, tmp_path / "out.ipynb", 60)
        after = _looked(kernel, look, tmp_path / "out.ipynb")
        # A library function replaced cannot be put back: the kernel is replaced instead; the rest is reset.
        assert kernel.starts == (2 if patch else 1)
    finally:
        kernel.close(wait=True)
    assert after == fresh
    assert fresh["cwd"] == str(tmp_path) and fresh["read_parquet"] == "pandas" and fresh["cell"] == 4
    assert not fresh["global"] and fresh["figures"] == 0 and fresh["cached"] == 0


@pytest.mark.parametrize("cell, stopped", [
    ("time.sleep(120)", "PapermillExecutionError"),  # interrupted: KeyboardInterrupt in the cell
    ("signal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(120)", "DeadKernelError"),  # deaf to it: killed
], ids=["interrupted", "killed"])
def test_a_report_past_its_time_limit_is_stopped_and_the_next_runs_on_a_fresh_kernel(tmp_path, cell, stopped):
    stuck = _notebook(tmp_path, "stuck.ipynb", f"import signal, time\n{cell}")
    quick = _notebook(tmp_path, "quick.ipynb", "print(station)")
    kernel = Kernel(tmp_path, (), reports=10)
    try:
        with pytest.raises(ReportFailed, match="^report ran past its time limit of 2 s$") as failed:
            kernel.run(stuck, {}, tmp_path / "out.ipynb", 2)
        assert type(failed.value.__cause__).__name__ == stopped
        executed = kernel.run(quick, {"station": "城西站"}, tmp_path / "out.ipynb", 60)
        assert executed.cells[-1].outputs[0]["text"] == "城西站\n" and kernel.starts == 2
    finally:
        kernel.close(wait=True)


def test_a_kernels_reports_share_its_client_and_only_a_failed_notebook_is_written(tmp_path):
    """A kernel's reports run through the one client it made; each output is shown to the caller as it comes (the
    exports begin from the figures' own), the very node the executed notebook keeps; the executed notebook is written
    only when a cell fails, its error in it."""
    from papermill.exceptions import PapermillExecutionError

    quick = _notebook(tmp_path, "quick.ipynb", "print(station)")
    failing = _notebook(tmp_path, "failing.ipynb", "raise ValueError('坏数据')")
    kernel = Kernel(tmp_path, (), reports=10)
    try:
        seen: list = []
        executed = kernel.run(quick, {"station": "城西站"}, tmp_path / "quick.out.ipynb", 60, seen.append)
        client = kernel.client
        assert executed.cells[-1].outputs[0]["text"] == "城西站\n" and not (tmp_path / "quick.out.ipynb").exists()
        assert seen == [executed.cells[-1].outputs[0]] and seen[0] is executed.cells[-1].outputs[0]
        again = kernel.run(quick, {"station": "城南站"}, tmp_path / "quick.out.ipynb", 60)
        assert again.cells[-1].outputs[0]["text"] == "城南站\n" and kernel.client is client
        with pytest.raises(PapermillExecutionError, match="坏数据"):
            kernel.run(failing, {}, tmp_path / "failing.out.ipynb", 60)
    finally:
        kernel.close(wait=True)
    import nbformat

    kept = nbformat.read(tmp_path / "failing.out.ipynb", as_version=4)
    assert [o.ename for c in kept.cells for o in c.get("outputs", ()) if o.output_type == "error"] == ["ValueError"]


QUEUED = ("import time\ntime.sleep(0.3)\nended = time.time()",
          # When this cell's request was sent: before the cell above ended, when cells are queued at once.
          "print(get_ipython().kernel.get_parent('shell')['header']['date'].timestamp() < ended)",
          "raise ValueError('坏数据')",
          "open('after-error', 'w').close()")


def test_a_notebooks_cells_are_queued_at_once_and_those_after_an_error_never_run(tmp_path):
    """The cells are sent to the kernel all at once, as JupyterLab's Run All sends them (no cell waits for this
    process to hear that the one before it ended); a cell's error stops the rest: the kernel aborts them, papermill
    notes the failing cell, and the kernel then runs the next report."""
    from papermill.exceptions import PapermillExecutionError

    kernel = Kernel(tmp_path, (), reports=10)
    try:
        with pytest.raises(PapermillExecutionError, match="坏数据"):
            kernel.run(_notebook(tmp_path, "queued.ipynb", *QUEUED), {}, tmp_path / "queued.out.ipynb", 60)
        quick = kernel.run(_notebook(tmp_path, "quick.ipynb", "print(station)"), {}, tmp_path / "q.ipynb", 60)
    finally:
        kernel.close(wait=True)
    import nbformat

    kept = nbformat.read(tmp_path / "queued.out.ipynb", as_version=4)
    code = [cell for cell in kept.cells if cell.cell_type == "code"]
    assert code[-3].outputs[0]["text"] == "True\n"
    assert [o.output_type for o in code[-2].outputs] == ["error"] and code[-2].metadata.papermill.exception
    assert code[-1].outputs == [] and code[-1].execution_count is None
    assert not (tmp_path / "after-error").exists() and quick.cells[-1].outputs[0]["text"] == "城东站\n"


@pytest.mark.parametrize("kind, content", [
    ("display_data", {"data": {"text/html": "<b>1</b>", "application/vnd.firestats.figures+json": {"a": {"b": 1}}},
                      "metadata": {"isolated": True}}),
    ("execute_result", {"data": {"text/plain": "1"}, "metadata": {}, "execution_count": 3}),
    ("stream", {"name": "stderr", "text": "警告\n"}),
    ("error", {"ename": "ValueError", "evalue": "坏", "traceback": ["Traceback", "ValueError: 坏"]}),
])
def test_an_output_is_kept_as_nbformat_makes_it(kind, content):
    """The engine keeps each output of the kernel's unchecked: the same node, its keys in the same order, nested
    dictionaries as notebook nodes, as nbformat's output_from_msg makes."""
    from nbformat.v4 import new_notebook, output_from_msg
    from papermill.engines import NotebookExecutionManager

    from firestats.run.engine import _Client

    message = {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": "1"}, "content": content}
    client, outputs = _Client(NotebookExecutionManager(new_notebook(), progress_bar=False), None), []
    client.clear_before_next_output = False  # as nbclient sets it as each cell starts
    kept = client.output(outputs, message, None, 0)
    made = output_from_msg(message)
    assert outputs == [kept] and kept == made and list(kept) == list(made)
    assert all(type(kept[key]) is type(made[key]) for key in made)


def _busy_port() -> socket.socket:
    """A port some other program holds, as one can take a kernel's port between its choice and its bind."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    return held


def test_a_kernel_that_fails_to_start_is_started_once_more(tmp_path):
    with _busy_port() as held:
        made = []

        def managers() -> _KernelManager:  # the first start's shell port is taken: that kernel dies binding it
            made.append(_KernelManager(kernel_name=KERNEL, cache_ports=False,
                                       shell_port=0 if made else held.getsockname()[1]))
            return made[-1]

        kernel = Kernel(tmp_path, (), managers=managers)
        try:
            kernel.ready()
            assert kernel.starts == 2
        finally:
            kernel.close(wait=True)


def test_a_kernel_that_fails_to_start_twice_fails_the_report_naming_the_cause(tmp_path):
    with _busy_port() as held:
        port = held.getsockname()[1]
        kernel = Kernel(tmp_path, (), managers=lambda: _KernelManager(kernel_name=KERNEL, cache_ports=False,
                                                                      shell_port=port))
        died = r"^the kernel did not start, twice \(RuntimeError: the kernel died\)$"
        with pytest.raises(KernelStartFailed, match=died):
            kernel.run(_notebook(tmp_path, "quick.ipynb", "1"), {}, tmp_path / "out.ipynb", 60)
        assert kernel.starts == 2
        kernel.close(wait=True)


def test_a_client_speaks_the_protocol_version_the_kernel_answered_with():
    """What jupyter_client's own readiness check does with the kernel_info reply: messages to a kernel of an
    older major version are adapted to it, to one of the client's own version they are not."""
    client = _ReadyClient()
    client._adapt_to({"content": {"protocol_version": "5.3"}})
    assert client.session.adapt_version == 0
    client._adapt_to({"content": {"protocol_version": "4.1"}})
    assert client.session.adapt_version == 4

"""The analyst's path: JupyterLab on loopback with the firestats kernel, the station notebook run
with its default parameters in a real Chromium, the charts appearing without an error."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import REPO
from jupyter_client.kernelspec import KernelSpecManager

pytestmark = pytest.mark.slow  # real kernels, browsers or real data: `pytest -m "not slow"` skips them


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(prepared, tmp_path):
    if "firestats" not in KernelSpecManager().find_kernel_specs():
        pytest.skip("the firestats kernel is not registered (make setup registers it)")
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(prepared, tmp_path / "data" / "processed")
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path / 'notebooks'}",
         # CI runs as root; JupyterLab refuses that unless told, and there is no other user here
         *(["--allow-root"] if os.geteuid() == 0 else []),
         # no PyPI look-ups from the extension manager on a closed network
         "--LabApp.extension_manager=readonly"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start")
    yield base, token, tmp_path / "notebooks" / "station_report.ipynb"
    server.terminate()
    server.wait(timeout=30)


def test_station_notebook_runs_in_jupyterlab(browser, lab):
    import nbformat  # here, not at the top: its import (jsonschema's format checkers) costs the fast loop 1-3 s
    base, token, saved = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # JupyterLab stays on loopback: anything else it might fetch is refused
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("http://127.0.0.1", "data:"))
               else route.abort())
    page.goto(f"{base}/lab/tree/station_report.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    # the kernel is connected once the status bar names it idle (the toolbar says idle sooner)
    page.get_by_text("Python (firestats) | Idle").wait_for(timeout=90_000)

    def run_all() -> None:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    run_all()
    # JupyterLab keeps off-screen cells out of the page, so the outputs are read from the notebook
    # as the analyst saves it (Ctrl+S), once every cell has run.
    deadline, started = time.monotonic() + 180, time.monotonic()
    while True:
        page.keyboard.press("Control+s")
        time.sleep(2)
        notebook = nbformat.read(saved, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        if all(c.execution_count for c in code) or time.monotonic() > deadline:
            break
        if not any(c.execution_count for c in code) and time.monotonic() - started > 20:
            run_all()  # the first request went out before the kernel took it
            started = time.monotonic()
    (REPO / "test-artefacts").mkdir(exist_ok=True)
    page.screenshot(path=REPO / "test-artefacts" / "jupyterlab.png")
    assert all(c.execution_count for c in code), "not every cell ran"
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert html.count("data:image/svg+xml,") == 11 and "年度工作数据分析" in html
    page.locator(".jp-OutputArea-output img").first.wait_for(timeout=30_000)
    assert page.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
                         ".every(i => i.complete && i.naturalWidth > 0)")
    page.close()

"""The kernels reports run on: one this process owns, started once and kept warm from report to report.

Starting a kernel and importing pandas, matplotlib and firestats into it took most of a report's time
(a station report 4.2 s cold, 1.4 s on a warm kernel), so a batch worker keeps one kernel and runs
report after report on it. Between reports the kernel is put back as a fresh one would be (``reset.py``, run
in the kernel); what a reset cannot undo (a library function replaced) is found by comparing
fingerprints, and the kernel is then replaced, as it is after a failure, a timeout and every
``batch.reports_per_kernel`` reports. ``firestats report`` uses the same class for one report.
"""

from __future__ import annotations

import ast
import asyncio
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client import protocol_version_info
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from jupyter_core.utils import run_sync
from traitlets import Type

from firestats.errors import KernelStartFailed, ReportFailed

if TYPE_CHECKING:
    from collections.abc import Callable

    from nbformat import NotebookNode

# The kernel of the interpreter running firestats: jupyter_client starts "python3" with
# sys.executable, so the notebook sees this very library whether or not a kernel is registered.
KERNEL = "python3"
# ipykernel warns on every start that loopback TCP is unencrypted; in a batch that is noise. The history is
# kept in memory, as nbclient does for the kernels it starts: a report's cells need no file, and every cell
# committed to one SQLite file shared by all of a batch's kernels. ipykernel sleeps half a millisecond before each
# reply, for clients that stop listening at the reply; the engine reads a cell's outputs up to IOPub's idle, which
# follows them all, so the sleep only delayed each of a report's cells.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.hist_file=:memory:", "--Kernel._execute_sleep=0")
# The kernel the shipped notebooks name, for JupyterLab and plain papermill (`firestats install-kernel`).
NOTEBOOK_KERNEL, NOTEBOOK_KERNEL_NAME = "firestats", "Python (firestats)"
# A kernel that has not answered within this many seconds of its start has failed to start (a cold
# start with its imports takes 2-4 s on 2 busy cores; 300 reports on 4 workers stayed under 15 s).
START_S = 60
# After an interrupt, seconds a report gets to stop before its kernel is killed (a kernel stuck in C
# code does not see SIGINT).
GRACE_S = 5
# Seconds a new client waits for IOPub to report the kernel idle after its first request, before asking again.
IOPUB_S = 0.5
# Seconds a reset may take (it runs %reset and walks the loaded modules: 0.1 s).
RESET_S = 60
RESET = "__import__('firestats.run.reset').run.reset.reset({cwd!r})"


class _ReadyClient(AsyncKernelClient):
    """The client papermill runs a report with, ready as soon as its IOPub delivers the kernel's answer.

    jupyter_client's own readiness check ends by listening to IOPub until it has been quiet for 0.2 s,
    a fifth of a second of every report in which the worker and its kernel both stand idle.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        limit = START_S if timeout is None else timeout
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            # A new subscriber may miss what is published before its subscription takes: ask again until
            # IOPub delivers the end (status idle) of a request, and with it everything published for it.
            msg_id = self.kernel_info()
            reply = await _reply_to(self.get_shell_msg, msg_id, 1)
            if reply is not None and await _idle_after(self.get_iopub_msg, msg_id, IOPUB_S):
                self._adapt_to(reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {limit:g} seconds")

    def _adapt_to(self, reply: dict[str, Any]) -> None:
        """Speak the kernel's protocol, as jupyter_client's own readiness check does with its kernel_info reply
        (a kernel of an older major version gets its messages adapted), through public names only."""
        major = int(reply["content"]["protocol_version"].split(".")[0])
        if major != protocol_version_info[0]:
            self.session.adapt_version = major


async def _reply_to(get: Callable[..., Any], msg_id: str, timeout_s: float) -> dict[str, Any] | None:
    """The message answering ``msg_id`` from a channel's ``get``, or None if none comes within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await get(timeout=left)
        except queue.Empty:
            return None
        if message["parent_header"].get("msg_id") == msg_id:
            return message
    return None


async def _idle_after(get: Callable[..., Any], msg_id: str, timeout_s: float) -> bool:
    """Whether IOPub reports the kernel idle after ``msg_id`` within ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        message = await _reply_to(get, msg_id, left)
        if message is None:
            return False
        if message["msg_type"] == "status" and message["content"].get("execution_state") == "idle":
            return True
    return False


class _KernelManager(AsyncKernelManager):
    """A kernel manager whose clients are ready as soon as the kernel has answered (:class:`_ReadyClient`)."""

    client_factory = Type(_ReadyClient, klass=AsyncKernelClient)

    def control(self) -> Any:
        """A client for the kernel's life on the shell channel only, for its resets. Its own session: the kernel
        routes replies by session, and the reports' client has the manager's."""
        session = Session(key=self.session.key, signature_scheme=self.session.signature_scheme)
        client = super().client(session=session)
        client.start_channels(iopub=False, stdin=False, hb=False, control=False)
        return client


class Kernel:
    """A kernel this process owns, on which reports run one after another.

    ``preload`` modules are imported as the kernel starts; ``reports`` is how many reports one kernel
    runs before it is replaced (1: a fresh kernel for each report, never reset). ``managers`` makes
    the kernel manager of each start (a test passes one whose first start really fails).
    """

    def __init__(self, cwd: Path, preload: tuple[str, ...], reports: int = 1,
                 managers: Callable[[], _KernelManager] = lambda: _KernelManager(kernel_name=KERNEL)) -> None:
        self.cwd, self.preload, self.reports, self.managers = Path(cwd), preload, reports, managers
        self.manager: _KernelManager | None = None
        self.control: Any = None  # the manager's control() client, once the kernel has answered
        # The client every report on this kernel runs through, made once the kernel has answered: one per report
        # connected its channels, awaited the kernel's readiness and closed them again (10 ms a report).
        self.client: Any = None
        self.ran = 0  # reports run on the current kernel
        self.dirty = False  # the last report failed or ran out of time: the kernel is replaced
        # The reset sent as the last report ended (request id, folder), run by the kernel while this process
        # writes the report's page: the next report only waits for its answer.
        self.pending: tuple[str, Path] | None = None
        self.starts = 0  # kernels started, retries included

    def __enter__(self) -> Kernel:
        self.launch()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def launch(self) -> None:
        """Start the kernel's process if none runs, without waiting for it: it imports ``preload`` meanwhile."""
        if self.manager is None:
            self.starts += 1
            self.manager = self.managers()
            extra = [*KERNEL_ARGUMENTS, *([f"--IPKernelApp.exec_lines=import {', '.join(self.preload)}"]
                                          if self.preload else [])]
            run_sync(self.manager.start_kernel)(cwd=str(self.cwd), extra_arguments=extra)

    def ready(self) -> None:
        """Wait until the kernel answers; a kernel that does not start is started again once, then
        KernelStartFailed names the cause."""
        for attempt in (1, 2):
            if self.control is not None:
                return
            try:
                self.launch()
                self._answer()
                return
            except Exception as exc:  # a dead, hung or unlaunchable kernel: its error says which
                self.close()
                if attempt == 2:
                    cause = (str(exc).splitlines() or [""])[0]
                    raise KernelStartFailed(f"the kernel did not start, twice ({type(exc).__name__}: {cause})") from exc

    def _answer(self) -> None:
        assert self.manager is not None
        self.control = self.manager.control()
        self._ask(self.control.kernel_info(), START_S)
        self.client = self.manager.client()
        self.client.start_channels()
        run_sync(self.client.wait_for_ready)(START_S)
        self.client.allow_stdin = False  # as nbclient sets its own: a report asks for no input

    def _ask(self, msg_id: str, timeout_s: float) -> dict[str, Any]:
        """The kernel's reply to the request ``msg_id``, within ``timeout_s`` seconds; a kernel that dies
        meanwhile or does not answer in time is an error."""
        return run_sync(_reply)(self.manager, self.control, msg_id, timeout_s)

    def run(self, notebook: Path, parameters: dict[str, Any], output: Path, timeout_s: int,
            seen: Callable[[NotebookNode], None] | None = None) -> NotebookNode:
        """Execute a notebook with parameters on this kernel (a fresh or reset one) and return it, each output shown
        to ``seen`` as it comes; when a cell fails, the executed copy (error included) is written to ``output`` first.

        ``timeout_s`` bounds the whole notebook, in seconds: past it the kernel is interrupted (then
        killed if it does not stop) and ReportFailed names the limit. A failing cell raises papermill's
        PapermillExecutionError.
        """
        # papermill, loaded here (1.5 s) while a kernel starting meanwhile imports the library
        from firestats.run import engine

        self.ran += 1
        watch = None
        try:
            self.ready()
            if self.reports > 1:
                self._reset(notebook.parent)
            watch = _Watch(self, timeout_s)
            # The watch stops the report at its limit; nbclient's limit per cell is only a backstop.
            return engine.execute(notebook, parameters, KERNEL, self.manager, self.client, timeout_s + 2 * GRACE_S,
                                  output, seen)
        except BaseException as exc:
            self.dirty = True
            if watch and watch.fired:
                raise ReportFailed(f"report ran past its time limit of {timeout_s} s", None) from exc
            raise
        finally:
            if watch:
                watch.cancel()
            if self.reports > 1 and (self.dirty or self.ran >= self.reports):
                self._renew()
            elif self.reports > 1:
                self.pending = (self._send_reset(notebook.parent), notebook.parent)

    def _renew(self) -> None:
        """Replace the kernel now, so the next one starts while this report's page is written."""
        self.close()
        try:
            self.launch()
        except Exception:  # noqa: BLE001 - ready() starts it again before the next report, and names the cause
            self.close()

    def _reset(self, cwd: Path) -> None:
        """Put the kernel back as a fresh one would be, in ``cwd``; replace it if something could not be."""
        pending, self.pending = self.pending, None
        sent = pending[0] if pending and pending[1] == cwd else self._send_reset(cwd)
        try:
            changed = self._changed(sent)
        except (RuntimeError, TimeoutError) as exc:  # the kernel died or hung since the last report
            changed = str(exc)
        if changed:
            self.close()
            self.ready()
            self._changed(self._send_reset(cwd))  # a fresh kernel's first reset takes its fingerprint

    def _send_reset(self, cwd: Path) -> str:
        """Ask the kernel to reset itself for a report in ``cwd``; returns the request's id."""
        expression = {"changed": RESET.format(cwd=str(cwd))}
        return self.control.execute("", silent=True, store_history=False, user_expressions=expression)

    def _changed(self, sent: str) -> str:
        """What the reset ``sent`` found changed since the kernel started ("" when nothing)."""
        result = self._ask(sent, RESET_S)["content"]["user_expressions"]["changed"]
        if result["status"] != "ok":
            return f"{result['ename']}: {result['evalue']}"
        return ast.literal_eval(result["data"]["text/plain"])  # the repr of the str the reset returned

    def interrupt(self) -> None:
        """Interrupt the running cell (SIGINT, or a message where the kernel asks for one)."""
        if self.manager is not None:
            run_sync(self.manager.interrupt_kernel)()

    def kill(self) -> None:
        """End the kernel's process at once, for a kernel that ignored its interrupt."""
        if self.manager is not None and self.manager.provisioner is not None:
            run_sync(self.manager.provisioner.kill)()

    def close(self, wait: bool = False) -> None:
        """Stop the kernel, if one runs (``wait`` for its end: a process about to exit); the next report
        starts a fresh one."""
        manager, self.manager, self.ran, self.dirty, self.pending = self.manager, None, 0, False, None
        for client in (self.control, self.client):
            if client is not None:
                client.stop_channels()
        self.control = self.client = None
        if manager is None:
            return
        # Stopping polls for the process's end for a tenth of a second: the caller writes the
        # HTML meanwhile. asyncio.run closes the thread's event loop, so nothing stays open.
        stopping = threading.Thread(target=asyncio.run, args=(_stop(manager),))
        stopping.start()
        if wait:
            stopping.join()


async def _reply(manager: _KernelManager, client: Any, msg_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while (reply := await _reply_to(client.get_shell_msg, msg_id, 1)) is None:
        if not await manager.is_alive():
            raise RuntimeError("the kernel died")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer from the kernel in {timeout_s:g} s")
    return reply


async def _stop(manager: _KernelManager) -> None:
    try:
        await manager.shutdown_kernel(now=True)
    except RuntimeError:  # it never started, or died already: nothing to stop
        await manager.cleanup_resources()


class _Watch:
    """A report's time limit without signals (which Windows and threads lack): interrupt the kernel at
    ``timeout_s`` seconds, kill it ``GRACE_S`` later if the report still runs."""

    def __init__(self, kernel: Kernel, timeout_s: float) -> None:
        self.fired = False
        self._timers = [threading.Timer(timeout_s, self._interrupt, (kernel,)),
                        threading.Timer(timeout_s + GRACE_S, kernel.kill)]
        for timer in self._timers:
            timer.daemon = True
            timer.start()

    def _interrupt(self, kernel: Kernel) -> None:
        self.fired = True
        kernel.interrupt()

    def cancel(self) -> None:
        """The report ended: no interrupt, no kill."""
        for timer in self._timers:
            timer.cancel()



def install_kernel(user: bool = False) -> Path:
    """Register this Python as the ``firestats`` Jupyter kernel the shipped notebooks ask for: in this environment
    (a venv's or conda's) when it can be written, else for this user (or for this user with ``user``); the folder
    of its kernel spec."""
    from ipykernel.kernelspec import install

    mine = user or not os.access(sys.prefix, os.W_OK)
    return Path(install(kernel_name=NOTEBOOK_KERNEL, display_name=NOTEBOOK_KERNEL_NAME, user=mine,
                        prefix=None if mine else sys.prefix))

"""A report's notebook run by papermill on a warm kernel, less the work a report throws away.

``papermill.execute_notebook`` ends by serialising and validating the executed notebook for its output path
even when it has none (7 ms of a warm report), and its engine starts a client for each notebook: channels
connected, readiness awaited, channels closed (10 ms); nbclient checks each output against the notebook schema as
it arrives (jsonschema, 0.3 ms an output: 8 ms a report), and sends a cell only once it has heard the one before
end, so the kernel stood idle some 6 ms between cells (a fifth of a warm report). Here papermill's own steps run
in its order, its engine queues every cell on the kernel's one client at once, as JupyterLab's Run All does, the
kernel's outputs are kept as they come, and the notebook is written only when a cell failed.
"""

from __future__ import annotations

from queue import Empty
from time import monotonic
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import run_sync
from nbformat import from_dict
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine
from papermill.execute import prepare_notebook_metadata, raise_for_execution_errors, remove_error_markers
from papermill.inspection import _infer_parameters
from papermill.iorw import load_notebook_node
from papermill.log import logger
from papermill.parameterize import parameterize_notebook
from papermill.utils import chdir

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nbformat import NotebookNode


# The fields an output of each kind takes from its message, in the order nbformat's output_from_msg gives them.
_FIELDS = {"display_data": ("metadata", "data"), "execute_result": ("metadata", "data", "execution_count"),
           "stream": ("name", "text"), "error": ("ename", "evalue", "traceback")}


class _Client(PapermillNotebookClient):
    """papermill's notebook client on a client of the kernel made before (nbclient starts one only when it has none,
    and closes none it did not start), keeping outputs unchecked and showing each to ``seen`` as it comes."""

    def __init__(self, nb_man: Any, kc: Any, seen: Callable[[NotebookNode], None] | None = None, **kw: Any) -> None:
        super().__init__(nb_man, **kw)
        self.kc, self.seen = kc, seen
        # Messages that came before their cell was listened for, by channel and request.
        self.early: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def papermill_execute_cells(self) -> None:
        """Run the code cells queued on the kernel all at once, each cell's start, end and error noted in order as
        papermill notes them; after a cell's error the kernel aborts the cells queued behind it (stop_on_error)."""
        run_sync(self._run_queued)()

    async def _run_queued(self) -> None:
        # nbclient's names are imported where used, after papermill has imported nbclient itself: imported first, at
        # the top of this module (where isort puts them), they made a cold `firestats report` 3-4 s slower, the
        # worker spending half of jsonschema's grammar build in the OS (measured, not understood).
        from nbclient.exceptions import CellExecutionError

        cells = self.nb.cells
        sent = {index: self.kc.execute(cell.source, store_history=True, stop_on_error=True)
                for index, cell in enumerate(cells) if cell.cell_type == "code" and cell.source.strip()}
        for index, cell in enumerate(cells):
            self.nb_man.cell_start(cell, index)
            try:
                if index in sent:
                    await self._collect(cell, index, sent[index])
            except CellExecutionError as exc:
                self.nb_man.cell_exception(cell, cell_index=index, exception=exc)
                break
            finally:
                self.nb_man.cell_complete(cell, cell_index=index)

    async def _collect(self, cell: NotebookNode, index: int, msg_id: str) -> None:
        """Take the outputs the kernel publishes for the request ``msg_id`` into ``cell`` up to its end, as nbclient
        does for one cell it sent, then its reply; raise its error (nbclient's CellExecutionError)."""
        from nbclient.client import timestamp
        from nbclient.exceptions import CellExecutionComplete

        if self.record_timing:
            cell.metadata["execution"] = {}
        cell.outputs, self.clear_before_next_output = [], False
        deadline = monotonic() + self.timeout if self.timeout else None  # a backstop: the report's watch stops it
        while True:
            try:
                self.process_message(await self._message("iopub", msg_id, cell, deadline), cell, index)
            except CellExecutionComplete:
                break
        reply = await self._message("shell", msg_id, cell, deadline)
        if self.record_timing:
            cell.metadata["execution"]["shell.execute_reply"] = timestamp(reply)
        await self._check_raise_for_error(cell, index, reply)

    async def _message(self, channel: str, msg_id: str, cell: NotebookNode, deadline: float | None) -> dict[str, Any]:
        """The next message on ``channel`` answering ``msg_id``, others kept for their own cells; the kernel is
        looked at each second (DeadKernelError when it died) and ``cell`` timed out past ``deadline``."""
        from nbclient.exceptions import CellTimeoutError

        if kept := self.early.get((channel, msg_id)):
            return kept.pop(0)
        while True:
            try:
                message = await getattr(self.kc, f"{channel}_channel").get_msg(timeout=1)
            except Empty:
                await self._async_check_alive()
                if deadline is not None and monotonic() > deadline:
                    raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", self.timeout,
                                                                       cell) from None
                continue
            parent = message["parent_header"].get("msg_id")
            if parent == msg_id:
                return message
            self.early.setdefault((channel, parent), []).append(message)

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None, cell_index: int) -> NotebookNode | None:
        """An output as nbformat's output_from_msg makes it, less its check against the schema: the kernel's
        messages are its own (ipykernel's), and a page or failed notebook is validated whole when written. What
        is not a plain output of the kernel's (one updated by id, cleared, caught by a widget) goes to nbclient."""
        fields = _FIELDS.get(msg["msg_type"])
        if (fields is None or display_id or self.clear_before_next_output
                or self.output_hook_stack[msg["parent_header"].get("msg_id")]):
            out = super().output(outs, msg, display_id, cell_index)
        else:
            out = from_dict({"output_type": msg["msg_type"], **{field: msg["content"][field] for field in fields}})
            outs.append(out)
        if out is not None and self.seen is not None:
            self.seen(out)
        return out


class Engine(NBClientEngine):
    """papermill's nbclient engine, on the kernel client the caller passes as ``kc``."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, *, km: Any = None, kc: Any = None,
                                 seen: Callable[[NotebookNode], None] | None = None,
                                 execution_timeout: float | None = None, **kwargs: Any) -> NotebookNode:
        """Run the managed notebook's cells on ``kc``, each within ``execution_timeout`` seconds, each output shown
        to ``seen`` as it comes."""
        return _Client(nb_man, kc, seen, km=km, kernel_name=kernel_name, timeout=execution_timeout,
                       log=logger).execute()


def execute(notebook: Path, parameters: dict[str, Any], kernel_name: str, manager: Any, client: Any,
            timeout_s: float, output: Path, seen: Callable[[NotebookNode], None] | None = None) -> NotebookNode:
    """Run ``notebook`` with ``parameters`` injected on ``client``'s kernel, as papermill.execute_notebook does
    (each cell within ``timeout_s`` seconds, in the notebook's folder), each output shown to ``seen`` as it comes;
    the executed notebook is written to ``output`` only when a cell fails, with papermill's note of the error,
    before its PapermillExecutionError."""
    nb = load_notebook_node(str(notebook))
    known = {p.name for p in _infer_parameters(nb, name=kernel_name)}
    for name in parameters:
        if name not in known:
            logger.warning(f"Passed unknown parameter: {name}")
    nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name)
    nb = remove_error_markers(prepare_notebook_metadata(nb, str(notebook), str(output)))
    with chdir(notebook.parent):
        nb = Engine.execute_notebook(nb, kernel_name, progress_bar=False, km=manager, kc=client, seen=seen,
                                     execution_timeout=timeout_s)
    raise_for_execution_errors(nb, str(output))
    return nb

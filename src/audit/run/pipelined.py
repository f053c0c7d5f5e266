"""Run a notebook's cells with the next cell's request already waiting in the kernel.

nbclient sends one cell, waits for its reply and its last output, and only then
sends the next, so the kernel sits idle for a round trip between every two
cells: 28 to 33 kernel-seconds of a 153-area batch, measured from the executed
notebooks' own timestamps. :class:`PipelinedClient` sends each cell's request
as the cell before it starts, so the kernel goes straight from one cell to the
next. Nothing else changes: every message names the request it answers, so each
cell's outputs, execution count and timings are taken from its own messages by
nbclient's ``process_message``, and papermill marks each cell as it does.

After a failing cell ipykernel aborts the requests waiting behind it. A request
can reach the kernel just after the failure, too late to be aborted; the
kernel's guard (:func:`audit.run.kernel_state.reset` with ``stop_after_failure``)
then runs nothing of it. So, as with papermill, no cell after a failure runs.

The batch uses this for the toolkit's own notebooks. A notebook that lets a cell
fail and go on (``raises-exception``, ``allow_errors``), or a client set up in
a way this does not follow, runs as papermill runs it.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

import zmq
from nbclient.client import timestamp
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, DeadKernelError
from nbclient.util import ensure_async, run_hook, run_sync
from papermill.clientwrap import PapermillNotebookClient

#: How often a wait for the kernel looks whether it is still alive, as nbclient does (seconds).
POLL = 1.0


class KernelDiedAhead(DeadKernelError):
    """The kernel died while a cell was running and the next was already sent: either could have killed it.

    The notebook is then run again one cell at a time (:meth:`audit.run.kernel_pool.KernelPool._run`),
    so the cell blamed is the one papermill would blame.
    """


class PipelinedClient(PapermillNotebookClient):
    """Papermill's notebook client, with one cell's request sent ahead (see the module's docstring)."""

    def pipelines(self) -> bool:
        """Whether this notebook and these settings run the same sent ahead as one cell at a time."""
        if self.allow_errors or self.allow_error_names or self.coalesce_streams or self.interrupt_on_timeout:
            return False
        return not any("raises-exception" in c.metadata.get("tags", []) for c in self.nb.cells)

    def execute(self, **kwargs: Any) -> Any:
        """As papermill's ``execute``: run every cell, then note the kernel's language."""
        if not self.pipelines():
            return super().execute(**kwargs)
        self.reset_execution_trackers()
        self._current = -1  # the cell whose outputs are being read
        self._sent: dict[int, str] = {}  # each cell sent so far: its request's ID
        self._replies: dict[str, dict[str, Any]] = {}  # shell replies read before they were wanted
        self._sockets: dict[Any, zmq.Socket] = {}  # a blocking view of each channel's socket
        runs = [i for i, c in enumerate(self.nb.cells) if self._runs(c)]
        self._after = dict(zip(runs, runs[1:], strict=False))  # each cell sent: the next to send behind it
        with self.setup_kernel(**kwargs):
            self.log.info(f"Executing notebook with kernel: {self.kernel_name}")
            try:
                info = run_sync(self._run_cells)()
            except DeadKernelError:
                if any(i > self._current for i in self._sent):
                    raise KernelDiedAhead("Kernel died") from None
                raise
            self.nb.metadata["language_info"] = info["content"]["language_info"]
            self.set_widgets_metadata()
        return self.nb

    def _runs(self, cell: Any) -> bool:
        """Whether nbclient would send this cell to the kernel."""
        if cell.cell_type != "code" or not cell.source.strip():
            return False
        return self.skip_cells_with_tag not in cell.metadata.get("tags", [])

    async def _run_cells(self) -> dict[str, Any]:
        """Papermill's loop over the cells (start, run, mark a failure, complete), cells sent one ahead."""
        info_id = await ensure_async(self.kc.kernel_info())  # answered before the first cell; read at the end
        for index, cell in enumerate(self.nb.cells):
            try:
                self.nb_man.cell_start(cell, index)
                await self._run_cell(cell, index)
            except CellExecutionError as ex:
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=ex)
                break
            finally:
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
        timeout = self._get_timeout(None)
        return await self._reply(info_id, None, None if timeout is None else monotonic() + timeout, timeout)

    async def _send(self, index: int) -> str:
        if index not in self._sent:
            source = self.nb.cells[index].source
            self._sent[index] = await ensure_async(self.kc.execute(source, store_history=True, stop_on_error=True))
        return self._sent[index]

    async def _run_cell(self, cell: Any, index: int) -> None:
        """nbclient's ``async_execute_cell`` for one cell whose request may already be in the kernel."""
        await run_hook(self.on_cell_start, cell=cell, cell_index=index)
        if not self._runs(cell):
            return
        if self.record_timing:
            cell["metadata"]["execution"] = {}
        await run_hook(self.on_cell_execute, cell=cell, cell_index=index)
        self._current = index
        msg_id = await self._send(index)
        if index in self._after:
            await self._send(self._after[index])  # queued in the kernel behind this cell
        await run_hook(self.on_cell_complete, cell=cell, cell_index=index)
        self.code_cells_executed += 1
        timeout = self._get_timeout(cell)
        deadline = None if timeout is None else monotonic() + timeout
        cell.outputs = []
        self.clear_before_next_output = False
        await self._outputs(msg_id, cell, index, timeout, deadline)
        reply = await self._reply(msg_id, cell, deadline, timeout)
        if self.record_timing:
            cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(reply)
        # The cell's count is the kernel's, from its execute_input message (process_message), as papermill's
        # client leaves it: not this client's own count of cells, which a cell can make differ.
        await run_hook(self.on_cell_executed, cell=cell, cell_index=index, execute_reply=reply)
        await self._check_raise_for_error(cell, index, reply)
        self.nb["cells"][index] = cell

    async def _outputs(self, msg_id: str, cell: Any, index: int, timeout: int | None, deadline: float | None) -> None:
        """Every output message of one request into its cell, until the kernel says it is idle again."""
        while True:
            msg = await self._next(self.kc.iopub_channel, cell, timeout, deadline)
            if msg is None or msg["parent_header"].get("msg_id") != msg_id:
                continue
            try:
                self.process_message(msg, cell, index)
            except CellExecutionComplete:
                return

    async def _reply(
        self, msg_id: str, cell: Any, deadline: float | None, timeout: int | None = None
    ) -> dict[str, Any]:
        """The shell reply to ``msg_id``; replies to other requests read on the way are kept for later."""
        while msg_id not in self._replies:
            msg = await self._next(self.kc.shell_channel, cell, timeout, deadline)
            if msg is not None:
                self._replies[msg["parent_header"].get("msg_id", "")] = msg
        return self._replies.pop(msg_id)

    async def _next(self, channel: Any, cell: Any, timeout: int | None, deadline: float | None) -> Any:
        """The next message on ``channel``, or None after a quiet second in which the kernel stayed alive.

        Read straight from the channel's socket, without the event loop: this thread serves only this
        kernel, and a wait here needs no future, callback or loop turn per message (the batch's process
        reads some 15,000 messages a run). Past the deadline the cell is timed out as nbclient times it
        out (``CellTimeoutError``); a kernel that died raises nbclient's ``DeadKernelError``.
        """
        wait = POLL if deadline is None else max(0.0, min(POLL, deadline - monotonic()))
        socket = self._sockets.get(channel)
        if socket is None:
            socket = self._sockets[channel] = zmq.Socket.shadow(channel.socket.underlying)
        if socket.poll(int(wait * 1000), zmq.POLLIN):
            _, frames = self.kc.session.feed_identities(socket.recv_multipart())
            return self.kc.session.deserialize(frames)
        await self._async_check_alive()
        if deadline is not None and monotonic() >= deadline:
            if cell is None:  # the kernel's info, as nbclient's wait_for_reply times it out
                raise TimeoutError("Timeout waiting for reply from kernel")
            await self._async_handle_timeout(timeout or 0, cell)
        return None

"""One warm kernel: its private kernel manager, its own thread, and quick imports of the Jupyter stack.

A :class:`Kernel` is a kernel process with a client, used only from one
thread (its "home") and that thread's event loop, so several kernels can run
notebooks at once from a batch's threads. Starting one imports the heavy
modules in it and records its clean state (:mod:`audit.run.kernel_state`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# --- imports -------------------------------------------------------------------------------------

_IMPORT_LOCK = threading.RLock()


def import_jupyter_quietly() -> None:
    """Import nbformat, nbclient, jupyter_client and papermill without the 2 s URI grammar.

    jsonschema builds an RFC 3987 grammar with lark when ``rfc3987_syntax`` is
    installed (jupyterlab pulls it in) the first time it is imported, which
    nbformat does; that is about 2 s of a 2.5 s import. The grammar only checks
    the ``iri`` string format, which the notebook schema never uses, so the
    package is hidden while jsonschema loads and made importable again after.
    """
    from audit.quiet_imports import import_jsonschema

    with _IMPORT_LOCK:
        import_jsonschema()
        import jupyter_client  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        import papermill.engines  # noqa: F401
        import papermill.parameterize  # noqa: F401


# --- where kernels listen ------------------------------------------------------------------------


@functools.cache
def private_kernel_manager() -> type:
    """A kernel manager whose kernels listen on Unix sockets in a folder only this user can open.

    Jupyter's default is TCP on localhost, where any local user can reach the
    kernel's ports (its messages are signed, not encrypted) and ipykernel warns
    about it at every start. A report's kernel holds case data, so on systems
    with Unix sockets it gets a private folder (mode 700) for them and for its
    connection file (which holds the key that signs its messages), removed when
    the kernel is cleaned up. The kernel runs with umask 077, so its sockets and
    anything else it makes are the user's alone. Windows keeps TCP. Works for
    papermill too, as its ``kernel_manager_class``.
    """
    import shutil

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class PrivateKernelManager(AsyncKernelManager):
        _socket_dir: str | None = None

        @default("transport")
        def _private_transport(self) -> str:
            return "tcp" if os.name == "nt" else "ipc"

        def _private_dir(self) -> str:
            if self._socket_dir is None:
                self._socket_dir = tempfile.mkdtemp(prefix="audit-kernel-")  # short: socket paths are limited to ~100
            return self._socket_dir

        @default("ip")
        def _private_ip(self) -> str:
            if self.transport != "ipc":
                return super()._ip_default()
            return os.path.join(self._private_dir(), "k")

        @default("connection_file")
        def _private_connection_file(self) -> str:
            return "" if self.transport != "ipc" else os.path.join(self._private_dir(), "kernel.json")

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if os.name == "posix":
                kw.setdefault("umask", 0o077)  # passed on to Popen: the kernel's sockets are made mode 0700
            await super()._async_launch_kernel(kernel_cmd, **kw)

        _launch_kernel = _async_launch_kernel

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._socket_dir:
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                self._socket_dir = None

        cleanup_resources = _async_cleanup_resources

    return PrivateKernelManager


# --- one kernel and its home thread ---------------------------------------------------------------


class StartCancelled(Exception):
    """A kernel's start was called off part way: the batch it was started for needs no kernel after all."""


KERNEL_ARGUMENTS = (
    # As nbclient starts kernels for papermill: an in-memory IPython history.
    "--HistoryManager.hist_file=:memory:",
    # ipykernel sleeps 0.5 ms after each cell before replying, in case a client reads the reply before the
    # cell's last output; papermill's client and ours read outputs until the kernel says it is idle, which
    # comes after them. Without the sleep a one-line cell took 3.5 to 4.8 ms instead of 6.6 to 7.1 ms.
    "--IPythonKernel._execute_sleep=0",
)


@dataclass
class Kernel:
    """A kernel manager and client, used only from their own thread and its event loop."""

    number: int
    kernel_name: str
    startup_timeout: float
    preload: Sequence[str]
    cwd: str
    home: ThreadPoolExecutor = field(init=False)
    km: Any = None
    kc: Any = None
    broken: bool = False
    runs: int = 0
    starts: int = 0

    def __post_init__(self) -> None:
        self.home = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"audit-kernel-{self.number}")

    def call(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func`` on this kernel's own thread and wait for it."""
        return self.home.submit(func, *args).result()

    # The methods below run on the home thread.

    def start(self, cancel: threading.Event | None = None) -> None:
        """Start the kernel process, connect to it, and wait until it has imported the preloaded modules.

        The kernel imports them as it starts (IPython's ``exec_lines``), while the client connects. Setting
        ``cancel`` stops a start part way (:class:`StartCancelled`): the process is ended within about 50 ms.
        """
        from jupyter_core.utils import run_sync

        if cancel is not None and cancel.is_set():
            raise StartCancelled
        prepare = f"__import__('audit.run.kernel_state').run.kernel_state.prepare({list(self.preload)!r})"
        self.km = private_kernel_manager()(kernel_name=self.kernel_name)
        try:
            arguments = [*KERNEL_ARGUMENTS, f"--IPKernelApp.exec_lines={prepare}"]
            run_sync(self.km.start_kernel)(extra_arguments=arguments, cwd=self.cwd)
            self.kc = self.km.client()
            self.kc.start_channels(hb=False)  # liveness is the process (km.is_alive): no heartbeat thread
            self._first_reply(cancel)
            self.kc.allow_stdin = False
            self.reset(self.cwd)  # fails if the preparation did not run
        except BaseException:
            self.stop()
            raise
        self.broken = False
        self.starts += 1

    def _first_reply(self, cancel: threading.Event | None) -> None:
        """Wait until the kernel answers (once its imports are done) and its output channel is heard, as
        jupyter_client's ``wait_for_ready`` does, looking every 50 ms whether the start was called off or the
        kernel died; asked again each second, and whenever a reply came before the output channel was connected.
        """
        from jupyter_core.utils import run_sync

        get_reply, get_output = run_sync(self.kc.get_shell_msg), run_sync(self.kc.get_iopub_msg)
        alive = run_sync(self.km.is_alive)
        asked = {self.kc.kernel_info()}
        started = last_asked = time.monotonic()
        while True:
            if cancel is not None and cancel.is_set():
                raise StartCancelled
            try:
                reply = get_reply(timeout=0.05)
            except queue.Empty:
                now = time.monotonic()
                if not alive():
                    raise RuntimeError("Kernel died before replying to kernel_info") from None
                if now - started > self.startup_timeout:
                    raise RuntimeError(f"Kernel didn't respond in {self.startup_timeout:g} seconds") from None
                if now - last_asked >= 1:
                    asked.add(self.kc.kernel_info())
                    last_asked = now
                continue
            if reply.get("parent_header", {}).get("msg_id") not in asked:
                continue
            try:
                get_output(timeout=0.2)  # the reply's own status messages: the output channel is connected
            except queue.Empty:  # not yet connected (its messages were missed): asked again
                asked.add(self.kc.kernel_info())
                last_asked = time.monotonic()
                continue
            self.kc._handle_kernel_info_reply(reply)  # as wait_for_ready: the kernel's protocol version
            with contextlib.suppress(queue.Empty):
                while True:  # what else it has said so far (read again and ignored by later requests anyway)
                    get_output(timeout=0)
            return

    def run_silently(self, code: str, timeout: float | None = None) -> dict[str, Any]:
        """Run code in the kernel without a cell, output or history; raise if it fails."""
        from jupyter_core.utils import run_sync

        reply: dict[str, Any] = run_sync(self.kc.execute_interactive)(
            code,
            silent=True,
            store_history=False,
            user_expressions={"count": "get_ipython().execution_count"},
            timeout=timeout or self.startup_timeout,
            output_hook=lambda msg: None,
        )
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"kernel housekeeping failed: {content.get('ename')}: {content.get('evalue')}")
        return content

    def reset(self, cwd: str, stop_after_failure: bool = False) -> None:
        """Put the kernel back in a fresh kernel's state, working in ``cwd``.

        ``stop_after_failure`` arms the kernel's guard for cells sent ahead (:mod:`audit.run.pipelined`).
        """
        code = f"reset({cwd!r}, stop_after_failure={stop_after_failure!r})"
        content = self.run_silently(f"__import__('audit.run.kernel_state').run.kernel_state.{code}")
        count = content["user_expressions"]["count"]
        if count.get("status") != "ok" or count["data"]["text/plain"] != "1":
            raise RuntimeError(f"kernel reset left the execution count at {count}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def stop(self) -> None:
        """Close the client and end the kernel process, whatever state it is in."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None

    def restart(self) -> None:
        self.stop()
        self.start()

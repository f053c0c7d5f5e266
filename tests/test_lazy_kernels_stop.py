"""A batch stopped part way through an import still ends: its kernels' threads are not left waiting for ever.

A stop (Ctrl-C, SIGTERM) is raised in the main thread wherever it is, even where an import holds
Python's import lock; kernels start in threads of their own while the workers analyse, and import.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a process of its own: were the lock left held, every later import in this one would hang.
STOPPED_INSIDE_AN_IMPORT = textwrap.dedent(
    """
    import _imp
    import contextlib
    import sys

    from audit.run.lazy_kernels import LazyKernels

    def start(workers, n):
        import fractions  # a kernel starting imports modules: it needs the import lock
        return contextlib.nullcontext(object())

    sys.modules.pop("fractions", None)
    try:
        with LazyKernels(2, None, start) as kernels:
            _imp.acquire_lock()  # where a stop raised inside an import leaves the main thread
            kernels.warm(1)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("stopped")
    """
)


def test_a_batch_stopped_inside_an_import_does_not_wait_for_ever_on_its_kernels():
    done = subprocess.run([sys.executable, "-c", STOPPED_INSIDE_AN_IMPORT], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "stopped", done.stderr


def test_a_stop_refuses_every_report_still_waiting_for_a_kernel_and_lets_the_running_one_finish():
    import contextlib
    import threading

    import pytest

    from audit.run.lazy_kernels import LazyKernels, ReportsStopped

    running, release, ran = threading.Event(), threading.Event(), []

    class Pool:
        def execute(self, name):
            ran.append(name)
            running.set()
            assert release.wait(10)
            return name

    kernels = LazyKernels(1, None, lambda w, n: contextlib.nullcontext(Pool()))
    results = {}

    def report(name):
        try:
            results[name] = kernels.execute(name)
        except ReportsStopped:
            results[name] = "refused"

    with kernels:
        first = threading.Thread(target=report, args=("first",))
        first.start()
        assert running.wait(10)
        waiting = [threading.Thread(target=report, args=(f"waiting {i}",)) for i in range(3)]
        for thread in waiting:
            thread.start()
        kernels.stop()
        release.set()
        for thread in [first, *waiting]:
            thread.join(10)
            assert not thread.is_alive()
        with pytest.raises(ReportsStopped):
            kernels.execute("after")
    assert ran == ["first"]
    assert results == {"first": "first", **{f"waiting {i}": "refused" for i in range(3)}}

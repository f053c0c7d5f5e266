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

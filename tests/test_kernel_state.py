"""What a report kernel forgets between areas, and what it may keep."""

from __future__ import annotations

from audit.render import chart_layout
from audit.run import kernel_state


def test_area_caches_are_emptied_but_label_widths_are_kept() -> None:
    from audit.framework import registry

    registry.shipped()
    chart_layout._width(["A label measured once"], chart_layout.TICK_PT)
    assert registry.shipped.cache_info().currsize == 1
    assert chart_layout._text_extent.cache_info().currsize > 0

    kernel_state._clear_audit_caches()

    assert registry.shipped.cache_info().currsize == 0  # may depend on what an area's notebook did: emptied
    assert chart_layout._text_extent.cache_info().currsize > 0  # a pure function of the text: kept
    assert getattr(chart_layout._text_extent, kernel_state.KEEP_BETWEEN_AREAS) is True


def test_a_reset_frees_the_last_notebook_s_data_and_leaves_little_for_the_collector(tmp_path) -> None:
    """Its cyclic garbage and the frames of its last error are freed; what is kept is frozen, so the next
    reset's full collection looks only at what the next notebook makes."""
    import pytest

    from audit.run.engine import KernelPool, NotebookCellError
    from audit.run.report import AREA_NOTEBOOK
    from tests.test_engine import area_params, outputs_text, write_nb

    failing = write_nb(
        tmp_path / "failing.ipynb",
        "import builtins, weakref\nclass Big:\n    pass\nb = Big(); b.me = b; b.data = bytearray(10**6)\n"
        "builtins._audit_kept = weakref.ref(b)",
        "def f():\n    c = Big(); c.me = c\n    builtins._audit_in_error = weakref.ref(c)\n"
        "    raise ValueError('x')\nf()",
    )
    check = write_nb(
        tmp_path / "check.ipynb",
        "import builtins, gc\nprint(builtins._audit_kept() is None, builtins._audit_in_error() is None)",
        "print(len(gc.get_objects()))",
    )
    with KernelPool(1, preload=("pandas", "audit.render.charts")) as pool:
        pool.execute(AREA_NOTEBOOK, area_params("Amberlow Vale"))  # imports what a report uses beyond the preload
        with pytest.raises(NotebookCellError):
            pool.execute(failing, {})
        freed, tracked = outputs_text(pool.execute(check, {}))
    assert int(tracked) < 20_000, tracked
    assert freed == "True True\n"


def test_modules_installed_outside_the_prefix_are_imported_once(tmp_path, monkeypatch) -> None:
    """A package reached through PYTHONPATH, the user site or a .pth file is installed: kept, never imported
    again (numpy's compiled parts refuse a second import: "cannot load module more than once per process")."""
    from audit.run.engine import KernelPool
    from tests.test_engine import outputs_text, write_nb

    installed = tmp_path / "installed"
    installed.mkdir()
    imports = tmp_path / "imports.txt"
    (installed / "counted_package.py").write_text(f"open({str(imports)!r}, 'a').write('imported\\n')\n")
    monkeypatch.setenv("PYTHONPATH", str(installed))
    notebook = write_nb(tmp_path / "notebooks" / "uses.ipynb", "import counted_package")
    with KernelPool(1, preload=()) as pool:
        for _ in range(2):
            assert outputs_text(pool.execute(notebook, {})) == [""]
    assert imports.read_text() == "imported\n"

"""Restricted means restricted: case-level outputs and temporary copies of case data are the owner's alone.

Each command runs under umask 022, the usual default, which would leave folders
0755 and files 0644: readable by every local user.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.run import kernel_pool
from audit.run import report as report_module
from audit.run.area_input import PREPARED_SUFFIX
from tests.conftest import case_row

grp = pytest.importorskip("grp", reason="Unix permissions and groups")


@pytest.fixture(autouse=True)
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own temporary folder, so every temporary file a run makes can be found."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.fixture
def workbook(make_workbook, framework) -> Path:
    rows = [case_row(framework, f"C{i}", V1="No" if i % 3 else "Yes") for i in range(1, 9)]
    rows += [case_row(framework, f"D{i}", area="Other Place") for i in range(1, 7)]
    return make_workbook(rows)


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def entries(root: Path) -> dict[str, os.stat_result]:
    """Every folder, file and socket at and under ``root``, by path relative to it."""
    found = {".": root.lstat()}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = path.lstat()
    return found


def open_to_others(root: Path, *, itself: bool = True) -> dict[str, str]:
    """What at (unless not ``itself``) and under ``root`` gives any permission to its group or to other users."""
    found = entries(root)
    if not itself:
        del found["."]  # a temporary folder such as /tmp, open to all by design
    return {p: oct(stat.S_IMODE(s.st_mode)) for p, s in found.items() if s.st_mode & 0o077}


def assert_owner_only(root: Path) -> dict[str, os.stat_result]:
    found = entries(root)
    assert len(found) > 1, f"nothing written under {root}"
    assert open_to_others(root) == {}
    for path, st in found.items():
        if stat.S_ISDIR(st.st_mode):
            assert stat.S_IMODE(st.st_mode) == 0o700, path
        elif stat.S_ISREG(st.st_mode):
            assert stat.S_IMODE(st.st_mode) == 0o600, path
    return found


def assert_ordinary(path: Path, mode: int) -> None:
    """Outside restricted/, the umask decides as for any other file."""
    assert stat.S_IMODE(path.stat().st_mode) == mode, path


# --- owner-only, whatever the umask ----------------------------------------------------------------


def test_score_restricted_outputs_are_owner_only(workbook, tmp_path):
    out = tmp_path / "out"
    result = run("score", str(workbook), "--out", str(out), "--publish")
    assert result.exit_code == 0, result.output
    found = assert_owner_only(out / "restricted")
    assert {"testshire/scored.xlsx", "testshire/summary.json", "other-place/scored.xlsx"} <= set(found)
    assert_ordinary(out, 0o755)
    assert_ordinary(out / "testshire", 0o755)
    assert_ordinary(out / "testshire" / "summary.json", 0o644)


def test_report_restricted_outputs_and_its_temporary_copy_are_owner_only(workbook, tmp_path, private_tmp, monkeypatch):
    seen: list[dict[str, str]] = []
    listed: list[set[str]] = []
    real = report_module.execute_notebook

    def looking(*args: Any, **kwargs: Any) -> Any:
        seen.append(open_to_others(private_tmp, itself=False))  # the prepared data is there while the report runs
        listed.append({Path(p).name for p in entries(private_tmp)})
        return real(*args, **kwargs)

    monkeypatch.setattr(report_module, "execute_notebook", looking)
    out = tmp_path / "out"
    result = run("report", str(workbook), "--area", "Testshire", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert seen == [{}]
    assert f"report{PREPARED_SUFFIX}" in listed[0]
    found = assert_owner_only(out / "restricted")
    assert {"testshire/report.ipynb", "testshire/scored.xlsx"} <= set(found)
    assert_ordinary(out / "testshire" / "report.html", 0o644)


def test_batch_outputs_and_temporary_files_are_owner_only_while_it_runs(workbook, tmp_path, private_tmp, monkeypatch):
    """The batch's prepared data (in OUT/restricted/prepared/, at a fixed place the executed notebooks name), the
    kernels' connection files and sockets: all private while the batch runs, and the prepared data gone after."""
    seen: list[dict[str, str]] = []
    kinds: list[set[str]] = []
    real = kernel_pool.KernelPool.execute
    out = tmp_path / "out"

    def looking(*args: Any, **kwargs: Any) -> Any:
        # Looked at as a started kernel is given a notebook: its connection file and sockets exist by then.
        found = entries(private_tmp)
        seen.append(open_to_others(private_tmp, itself=False))
        prepared = list((out / "restricted" / "prepared").glob(f"*{PREPARED_SUFFIX}"))
        assert_owner_only(out / "restricted")
        kinds.append(
            {"prepared data" for _ in prepared}
            | {"connection file" for p in found if p.endswith(".json")}
            | {"socket" for s in found.values() if stat.S_ISSOCK(s.st_mode)}
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(kernel_pool.KernelPool, "execute", looking)
    result = run("batch", str(workbook), "--out", str(out), "--quiet", "--publish")
    assert result.exit_code == 0, result.output
    assert len(seen) == 3 and seen == [{}, {}, {}]  # two area reports and the national summary
    assert all({"prepared data", "connection file", "socket"} <= k for k in kinds)
    assert not (out / "restricted" / "prepared").exists()
    found = assert_owner_only(out / "restricted")
    for slug in ("testshire", "other-place"):
        assert {f"{slug}/report.ipynb", f"{slug}/scored.xlsx", f"{slug}/summary.json"} <= set(found)
    assert "national/report.ipynb" in found
    assert_ordinary(out / "index.html", 0o644)
    assert_ordinary(out / "manifest.json", 0o644)
    assert_ordinary(out / "national" / "report.html", 0o644)


def test_failure_traceback_is_owner_only(tmp_path):
    os.umask(0)  # the widest umask: 0777 folders and 0666 files unless the toolkit says otherwise
    executed = tmp_path / "out" / "restricted" / "testshire" / "report.ipynb"
    executed.parent.mkdir(parents=True)  # as execute_notebook left it before the cell failed
    report_module._keep_error(executed, ["Traceback: a cell failed"])
    assert_owner_only(tmp_path / "out" / "restricted")
    assert_ordinary(tmp_path / "out", 0o777)


def test_an_existing_open_restricted_folder_is_closed(workbook, tmp_path):
    out = tmp_path / "out"
    (out / "restricted" / "testshire").mkdir(parents=True)  # as an earlier version left it: 0755
    assert run("score", str(workbook), "--out", str(out)).exit_code == 0
    assert_owner_only(out / "restricted")


# --- --share-group ---------------------------------------------------------------------------------


def own_group() -> tuple[str, int]:
    gid = os.getgid()
    return grp.getgrgid(gid).gr_name, gid


def assert_shared(root: Path, gid: int) -> dict[str, os.stat_result]:
    found = entries(root)
    assert len(found) > 1
    for path, st in found.items():
        assert st.st_gid == gid, path
        assert not st.st_mode & 0o027, path  # the group may read, never write; others nothing
        if stat.S_ISDIR(st.st_mode):
            assert stat.S_IMODE(st.st_mode) == 0o750, path
        elif stat.S_ISREG(st.st_mode):
            assert stat.S_IMODE(st.st_mode) == 0o640, path
    return found


def test_share_group_with_own_group_on_score_and_batch(workbook, tmp_path):
    name, gid = own_group()
    scored = tmp_path / "scored"
    result = run("score", str(workbook), "--out", str(scored), "--share-group", name)
    assert result.exit_code == 0, result.output
    assert "testshire/scored.xlsx" in assert_shared(scored / "restricted", gid)
    assert_ordinary(scored / "testshire" / "summary.json", 0o644)

    out = tmp_path / "batch"
    result = run("batch", str(workbook), "--out", str(out), "--quiet", "--share-group", name)
    assert result.exit_code == 0, result.output
    found = assert_shared(out / "restricted", gid)
    assert {"testshire/report.ipynb", "testshire/scored.xlsx", "national/report.ipynb"} <= set(found)
    assert_ordinary(out / "testshire" / "report.html", 0o644)


def test_share_group_on_report(workbook, tmp_path):
    name, gid = own_group()
    out = tmp_path / "out"
    result = run("report", str(workbook), "--area", "Other Place", "--out", str(out), "--share-group", name)
    assert result.exit_code == 0, result.output
    assert "other-place/report.ipynb" in assert_shared(out / "restricted", gid)


def another_group() -> int | None:
    """A group other than the primary one that this user may give files to, if there is one."""
    others = [g for g in os.getgroups() if g != os.getgid()]
    if others:
        return others[0]
    if os.geteuid() == 0:  # root may give a file to any group; membership is then pretended below
        return next((g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getgid()), None)
    return None


def test_share_group_gives_the_files_to_that_group(workbook, tmp_path, monkeypatch):
    gid = another_group()
    if gid is None:
        pytest.skip("this user is in no group but their own")
    if gid not in os.getgroups():
        monkeypatch.setattr(os, "getgroups", lambda: [os.getgid(), gid])
    out = tmp_path / "out"
    assert run("score", str(workbook), "--out", str(out)).exit_code == 0  # first owner-only
    result = run("score", str(workbook), "--out", str(out), "--share-group", grp.getgrgid(gid).gr_name)
    assert result.exit_code == 0, result.output
    assert_shared(out / "restricted", gid)
    assert out.stat().st_gid != gid or os.getgid() == gid  # OUT itself is left alone


def test_share_group_refuses_a_group_the_user_is_not_in(workbook, tmp_path):
    outsider = next(
        (g.gr_name for g in grp.getgrall() if g.gr_gid != os.getgid() and g.gr_gid not in os.getgroups()), None
    )
    if outsider is None:
        pytest.skip("this user is in every group")
    out = tmp_path / "out"
    for command in (["score"], ["batch", "--quiet"], ["report", "--area", "Testshire"]):
        result = run(*command, str(workbook), "--out", str(out), "--share-group", outsider)
        assert result.exit_code == 2, result.output
        assert result.output == (
            f"error: --share-group: you are not a member of the group '{outsider}', "
            "so its members cannot be given the outputs\n"
        )
    assert not out.exists()


def test_share_group_refuses_a_group_that_does_not_exist(workbook, tmp_path):
    result = run("score", str(workbook), "--out", str(tmp_path / "out"), "--share-group", "no-such-audit-group")
    assert result.exit_code == 2
    assert result.output == "error: --share-group: there is no group called 'no-such-audit-group'\n"


def test_an_executed_notebook_written_elsewhere_is_owner_only_and_its_folder_left_alone(tmp_path):
    import nbformat

    from audit.run.engine import write_notebook

    folder = tmp_path / "elsewhere"
    folder.mkdir(mode=0o755)
    written = write_notebook(nbformat.v4.new_notebook(), folder / "executed.ipynb")
    assert_ordinary(written, 0o600)  # it holds case data wherever it goes
    assert_ordinary(folder, 0o755)  # but the folder is the user's, not the toolkit's


@pytest.mark.parametrize("group", ["", "  "])
def test_share_group_refuses_an_empty_group_name(workbook, tmp_path, group):
    result = run("score", str(workbook), "--out", str(tmp_path / "out"), "--share-group", group)
    assert result.exit_code == 2
    assert result.output == "error: --share-group: give the name or number of a group\n"
    assert not (tmp_path / "out").exists()

"""A built wheel, installed (not editable) into a new virtual environment, runs from a folder outside the checkout.

The new environment reuses the packages already installed in this one (a
``.pth`` line pointing at them and a link to their data files, so no download), but not the checkout: the
editable install's own ``.pth`` is not processed from there, and the wheel's
``audit`` comes first on the path. The run prints ``audit.__file__`` to prove it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the new environment's bin folder, a folder outside the checkout) with the wheel installed."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # build from a copy, so the checkout gets no build/ folder
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name if source.exists() else _mkdir(source) / name)
    shutil.copytree(
        ROOT / "src", source / "src", symlinks=True, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    shutil.copytree(ROOT / "notebooks", source / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    build = _run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", tmp / "dist", source],
        tmp,
    )
    assert build.returncode == 0, build.stderr
    assert "deprecat" not in (build.stdout + build.stderr).lower(), "the build printed a deprecation warning"
    (wheel,) = (tmp / "dist").glob("audit-*.whl")

    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / "bin"
    site = Path(
        _run(
            [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp
        ).stdout.strip()
    )
    (site / "reuse-installed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # Their data files too: nbconvert's templates and the kernel specs live in <prefix>/share/jupyter.
    _mkdir(env_dir / "share").joinpath("jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    install = _run(
        [sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--no-deps", "--no-index", wheel], tmp
    )
    assert install.returncode == 0, install.stderr
    elsewhere = _mkdir(tmp / "elsewhere")
    return bin_dir, elsewhere


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_the_installed_package_is_the_one_that_runs(installed):
    bin_dir, elsewhere = installed
    where = _run(
        [
            bin_dir / "python",
            "-c",
            "import audit, audit.resources as r; print(audit.__file__); print(r.DEFAULT_CRITERIA)",
        ],
        elsewhere,
    )
    module, criteria = where.stdout.split()
    assert Path(module).is_relative_to(bin_dir.parent) and not Path(module).is_relative_to(ROOT)
    assert Path(criteria).is_file() and Path(criteria).is_relative_to(bin_dir.parent)


def test_python_m_audit_is_the_audit_command(installed):
    bin_dir, elsewhere = installed
    module_help = _run([bin_dir / "python", "-m", "audit", "--help"], elsewhere)
    script_help = _run([bin_dir / "audit", "--help"], elsewhere)
    assert module_help.returncode == 0 and "Usage: audit [OPTIONS] COMMAND" in module_help.stdout
    assert module_help.stdout == script_help.stdout


def test_batch_runs_from_the_wheel_outside_the_checkout(installed):
    bin_dir, elsewhere = installed
    out = elsewhere / "out"
    # One sample area is enough to use every packaged file (notebooks, criteria, templates, CSS); the whole
    # sample's reports are checked in-process elsewhere.
    data = _mkdir(elsewhere / "data")
    shutil.copy2(ROOT / "sample_data" / "amberlow-vale.xlsx", data)
    run = _run([bin_dir / "audit", "batch", data, "--out", out, "--quiet"], elsewhere)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "index.html").is_file() and (out / "amberlow-vale" / "report.html").is_file()
    assert (out / "national" / "report.html").is_file()  # the national notebook is packaged too
    notebooks = _run([bin_dir / "audit", "notebooks", elsewhere / "nb"], elsewhere)
    assert notebooks.returncode == 0 and (elsewhere / "nb" / "area_report.ipynb").is_file()

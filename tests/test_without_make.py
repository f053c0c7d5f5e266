"""The guide's "Without make" steps, run as written in a temporary folder: venv, the lock, the project, `audit`.

The commands are read from docs/pages/without-make.md (the Linux and macOS tab, and the `python -m audit`
block), so the page and the test cannot drift apart. Two substitutions keep the test quick (about 15 to 30 s) and off
the network, and are the only ones: the lock is installed by `uv pip install --require-hashes` (the same lock,
hash-checked, from the cache `make setup` filled; pip would fetch every package again) instead of
`pip install --require-hashes`, and the project is built with `--no-build-isolation` (pip would fetch setuptools
for an isolated build; the lock holds it). `python3.11` is this interpreter's Python.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "pages" / "without-make.md").read_text(encoding="utf-8")
UV = Path(sys.executable).parent / "uv"


def _steps() -> list[str]:
    linux = re.search(r'=== "Linux and macOS"\n\n\s+```sh\n(.*?)```', PAGE, re.S).group(1)
    module = re.search(r"```sh\n(\.venv/bin/python -m audit .*?)```", PAGE, re.S).group(1)
    return [line.strip() for line in (linux + module).splitlines() if line.strip()]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _command(step: str, folder: Path) -> list[str]:
    args = shlex.split(step)
    if args[0] == "python3.11":
        return [sys.executable, *args[1:]]
    if args[1:5] == ["-m", "pip", "install", "--require-hashes"]:
        return [str(UV), "pip", "install", "--python", args[0], "--quiet", *args[4:]]
    if args[1:5] == ["-m", "pip", "install", "--no-deps"]:
        return [*args, "--no-build-isolation", "--quiet"]
    return args


def test_the_steps_are_the_ones_the_page_gives():
    assert _steps() == [
        "python3.11 -m venv .venv",
        ".venv/bin/python -m pip install --require-hashes -r requirements.lock",
        ".venv/bin/python -m pip install --no-deps -e .",
        ".venv/bin/audit validate sample_data/amberlow-vale.xlsx",
        ".venv/bin/python -m audit frameworks",
        ".venv/bin/python -m audit score sample_data/amberlow-vale.xlsx --out results",
    ]


def test_the_steps_run_in_a_new_folder(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "requirements.lock"):
        shutil.copy2(ROOT / name, folder / name)
    skip = shutil.ignore_patterns("*.egg-info", "__pycache__", ".ipynb_checkpoints")
    for name in ("src", "notebooks", "sample_data"):
        shutil.copytree(ROOT / name, folder / name, symlinks=True, ignore=skip)
    outputs = []
    for step in _steps():
        command = _command(step, folder)
        run = _run(command, folder)
        assert run.returncode == 0, f"`{step}` failed ({run.returncode}):\n{run.stdout[-1500:]}\n{run.stderr[-3000:]}"
        outputs.append(run.stdout)
    where = _run([".venv/bin/python", "-c", "import audit; print(audit.__file__)"], folder).stdout.strip()
    assert Path(where).resolve() == (folder / "src" / "audit" / "__init__.py").resolve()  # the editable install
    assert "jtai-domestic-abuse" in outputs[4]
    assert (folder / "results" / "amberlow-vale" / "summary.json").is_file()

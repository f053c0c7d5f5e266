"""Packaging habits: the lock matches pyproject.toml, make installs from it, the package ships its files."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from audit.cli import main
from audit.resources import NOTEBOOKS, NOTEBOOKS_DIR

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")
PINS = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;]+)(?: ;[^\\\n]*)?((?: \\\n\s+--hash=sha256:[0-9a-f]{64})+)", LOCK, re.M)


def _locked() -> dict[str, list[str]]:
    versions: dict[str, list[str]] = {}
    for name, version, _hashes in PINS:
        versions.setdefault(canonicalize_name(name), []).append(version)
    return versions


def test_every_locked_package_has_hashes():
    names = re.findall(r"^([A-Za-z0-9._-]+)==", LOCK, re.M)
    assert len(PINS) == len(names) > 50


@pytest.mark.parametrize(
    "spec", PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"]
)
def test_the_lock_pins_every_dependency_within_its_range(spec):
    requirement = Requirement(spec)
    versions = _locked().get(canonicalize_name(requirement.name))
    assert versions, f"{requirement.name} is not in requirements.lock: run `make lock`"
    assert all(requirement.specifier.contains(v, prereleases=True) for v in versions)


def test_the_lock_is_for_python_311_and_the_same_command_as_make_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    command = re.search(r"^LOCK_COMMAND = (.*)$", makefile, re.M).group(1).replace(" --quiet", "")
    assert f"#    uv {command} -o requirements.lock" in LOCK
    assert "--python-version 3.11" in command


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(STAMP\): .*requirements\.lock", makefile, re.M)
    assert "uv pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "uv pip install --quiet --no-deps --no-build-isolation -e ." in makefile


def test_uv_which_installs_the_lock_is_itself_installed_hash_checked_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --no-deps --require-hashes -r $(VENV)/uv-requirement.txt" in makefile
    program = re.search(r"awk '([^']*)' requirements\.lock > \$\(VENV\)/uv-requirement\.txt", makefile).group(1)
    picked = subprocess.run(["awk", program, "requirements.lock"], cwd=ROOT, capture_output=True, text=True, check=True)
    (uv,) = [(n, v, h) for n, v, h in PINS if n == "uv"]
    lines = [line for line in picked.stdout.splitlines() if not line.lstrip().startswith("#")]
    assert "\n".join(lines) == f"{uv[0]}=={uv[1]}{uv[2]}"  # uv's pin and every hash, nothing else


def test_environment_yml_agrees_with_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == ["--require-hashes", "-r requirements.lock"]


def test_licence_is_an_spdx_string_with_its_file():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_citation_file_has_what_cff_1_2_0_requires():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"] and cff["authors"]
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])
    assert cff["license"] == "MIT" and cff["version"] == PYPROJECT["project"]["version"]


def test_the_package_ships_the_notebooks_the_checkout_shows():
    for name in NOTEBOOKS:
        assert (NOTEBOOKS_DIR / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()
    assert sorted(NOTEBOOKS) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_command_copies_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "nb"
    first = CliRunner().invoke(main, ["notebooks", str(out)])
    assert first.exit_code == 0 and sorted(p.name for p in out.iterdir()) == sorted(NOTEBOOKS)
    (out / "area_report.ipynb").write_text("my edits", encoding="utf-8")
    again = CliRunner().invoke(main, ["notebooks", str(out)])
    assert again.exit_code == 2 and "already holds area_report.ipynb" in again.output
    assert (out / "area_report.ipynb").read_text(encoding="utf-8") == "my edits"
    forced = CliRunner().invoke(main, ["notebooks", str(out), "--force"])
    assert (
        forced.exit_code == 0
        and (out / "area_report.ipynb").read_bytes() == (NOTEBOOKS_DIR / "area_report.ipynb").read_bytes()
    )

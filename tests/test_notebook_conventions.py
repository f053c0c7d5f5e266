"""Notebooks fit papermill's and nbconvert's conventions: typed, documented parameters; notebook-only cells dropped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = ROOT / "jupyter_nbconvert_config.json"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_carry_types_and_help(notebook: Path):
    params = papermill.inspect_notebook(str(notebook))
    assert params
    for name, param in params.items():
        assert param["inferred_type_name"] not in ("None", ""), name  # papermill shows "Unknown type" for these
        assert param["help"], name


def test_explorer_parameters_are_the_dropdowns():
    params = papermill.inspect_notebook(str(ROOT / "notebooks" / "explore_cases.ipynb"))
    assert {"framework", "area", "agency", "age_band", "criterion", "answer"} <= set(params)
    assert params["area"]["inferred_type_name"] == "Optional[str]"


def _notebook_only_text(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]).splitlines()[0] for c in cells if "notebook-only" in c["metadata"].get("tags", [])]


def test_shipped_nbconvert_config_drops_notebook_only_cells(tmp_path: Path):
    notebook = ROOT / "notebooks" / "national_summary.ipynb"
    dropped = _notebook_only_text(notebook)
    assert dropped
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--config", str(CONFIG), "--stdout", notebook],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "JUPYTER_NO_CONFIG": "1", "HOME": str(tmp_path)},
    ).stdout
    assert "load_national" in out or "import" in out  # the other cells are kept
    for first_line in dropped:
        assert first_line.lstrip("# ") not in out


def test_setup_installs_the_config_into_the_environment():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installed = "$(VENV)/etc/jupyter/jupyter_nbconvert_config.json"
    assert f"install -D -m 644 jupyter_nbconvert_config.json {installed}" in makefile
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["TagRemovePreprocessor"] == {"enabled": True, "remove_cell_tags": ["notebook-only"]}


def test_readme_documents_the_nbconvert_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "jupyter nbconvert --to html --no-input" in readme
    assert "--config jupyter_nbconvert_config.json" in readme


def test_area_none_picks_the_only_area():
    from audit import open_report
    from tests.conftest import SAMPLE_DATA

    assert open_report(SAMPLE_DATA / "amberlow-vale.xlsx", None).area == "Amberlow Vale"  # area_report.ipynb
    params = papermill.inspect_notebook(str(ROOT / "notebooks" / "area_report.ipynb"))
    assert "None picks the only area" in params["area"]["help"]

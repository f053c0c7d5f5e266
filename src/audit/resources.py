"""Where the files shipped inside the package are: criteria frameworks, report templates, notebooks, the schema.

Found with ``importlib.resources``, so an installed wheel works from any folder,
not only a checkout. The toolkit needs them as real files (papermill, Jinja and
nbconvert read paths), which is what an ordinary, unzipped install gives.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_dir() -> Path:
    root = files("audit")
    if not isinstance(root, Path):  # a zipped install: nothing here reads files out of a zip
        raise RuntimeError("the audit package must be installed as files on disk, not inside a zip archive")
    return root


PACKAGE_DIR = _package_dir()
DATA_DIR = PACKAGE_DIR / "data"
CRITERIA_DIR = DATA_DIR / "criteria"
REPORT_TEMPLATES_DIR = DATA_DIR / "report"
NOTEBOOKS_DIR = PACKAGE_DIR / "notebooks"
DEFAULT_CRITERIA = CRITERIA_DIR / "jtai_domestic_abuse.yml"
#: How one framework version's criteria carry over to the next (read by audit/framework/mapping.py).
MAPPINGS_DIR = DATA_DIR / "mappings"
FRAMEWORK_SCHEMA = DATA_DIR / "framework.schema.json"
#: The notebooks `audit notebooks DIR` copies out for JupyterLab.
NOTEBOOKS = ("area_report.ipynb", "national_summary.ipynb", "explore_cases.ipynb")

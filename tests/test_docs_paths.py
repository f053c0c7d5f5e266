"""The README and CONTRIBUTING name only files and modules that exist, and the layout names every module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "audit"


@pytest.mark.parametrize("doc", ["README.md", "CONTRIBUTING.md"])
def test_every_path_named_exists(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:src|tests|notebooks|benchmarks)/[\w./-]+)`", text))
    assert paths, f"{doc} names no path"
    missing = sorted(p for p in paths if not (ROOT / p.rstrip("/")).exists())
    assert not missing, f"{doc} names paths that do not exist: {missing}"


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Layout\n", 1)[1].split("\n## ", 1)[0]


def test_the_layout_names_every_module_in_its_stage():
    section = _layout_section()
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `src/audit/(\w+)/` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    stages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert sorted(rows) == stages
    for stage, row in rows.items():
        modules = sorted(p.stem for p in (PACKAGE / stage).glob("*.py") if p.stem != "__init__")
        unnamed = [m for m in modules if f"`{m}`" not in row]
        assert not unnamed, f"the layout's {stage}/ row does not name {unnamed}"
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    unnamed = [m for m in top if f"`{m}`" not in section and f"`src/audit/{m}`" not in section]
    assert not unnamed, f"the layout does not name {unnamed}"

"""The whole pipeline on every shipped framework: template, synthetic data, validate, score, report, batch, publish.

Parametrised over the registry, so a framework file added to ``audit/data/criteria`` is covered
with no code change. Kept quick: the workbooks of every framework go into ONE published batch
(one kernel for all of them, one area per framework), which is also the mixed-framework batch.
"""

from __future__ import annotations

import json
import os
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.framework.registry import Shipped, shipped
from audit.run.batch import framework_folder
from audit.workbooks.synthetic import AREAS, slug

SHIPPED = shipped()


def _ids(s: Shipped) -> str:
    return s.name


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every step once per framework, except the batch: one published batch over a folder mixing them all."""
    root = tmp_path_factory.mktemp("pipeline")
    steps: dict[str, Any] = {"root": root, "template": {}, "sample": {}, "validate": {}, "score": {}}
    mixed = root / "mixed"
    mixed.mkdir()
    for i, s in enumerate(SHIPPED):
        steps["template"][s.name] = _run("template", str(root / f"{s.id}-{s.version}.xlsx"), "--criteria", s.name)
        own = root / "samples" / s.name
        steps["sample"][s.name] = _run("sample", str(own), "--framework", s.name)
        steps["validate"][s.name] = _run("validate", str(own))
        steps["score"][s.name] = _run("score", str(own), "--out", str(root / "scored" / s.name))
        # One area per framework in the batch, a different one for each version of a framework,
        # so that each version is its own group rather than an earlier round of another.
        area = list(AREAS)[i % 3]
        chosen = own / f"{s.id}-{s.version}-{slug(area)}.xlsx"
        (mixed / chosen.name).write_bytes(chosen.read_bytes())
        steps.setdefault("area", {})[s.name] = area
    workers = "1" if os.environ.get("PYTEST_XDIST_WORKER") else "2"
    steps["batch"] = _run("batch", str(mixed), "--out", str(root / "out"), "--publish", "--quiet", "--workers", workers)
    return steps


@pytest.mark.parametrize("fw", SHIPPED, ids=_ids)
def test_template_names_the_framework(pipeline: dict[str, Any], fw: Shipped) -> None:
    assert pipeline["template"][fw.name].exit_code == 0, pipeline["template"][fw.name].output
    ws = openpyxl.load_workbook(pipeline["root"] / f"{fw.id}-{fw.version}.xlsx")["Audit details"]
    rows = {r[0]: r[1] for r in ws.iter_rows(values_only=True)}
    assert (rows["Framework"], rows["Framework version"]) == (fw.id, fw.version)


@pytest.mark.parametrize("fw", SHIPPED, ids=_ids)
def test_synthetic_workbooks_validate_and_score(pipeline: dict[str, Any], fw: Shipped) -> None:
    sample, validate, score = (pipeline[k][fw.name] for k in ("sample", "validate", "score"))
    assert sample.exit_code == 0, sample.output
    assert sample.output.count("wrote ") == 3
    assert validate.exit_code == 0, validate.output
    assert "3 workbook(s) read, 0 unreadable" in validate.output
    assert score.exit_code == 0, score.output
    for area in list(AREAS)[:3]:
        summary = json.loads((pipeline["root"] / "scored" / fw.name / slug(area) / "summary.json").read_text())
        assert summary["framework"]["id"] == fw.id
        assert summary["framework"]["version"] == fw.version
        assert summary["mode"] == "full"
        assert set(summary["criteria"]) == set(_criterion_ids(fw))


def _criterion_ids(fw: Shipped) -> list[str]:
    from audit.framework.model import load_framework

    return list(load_framework(fw.path).criterion_ids)


@pytest.mark.parametrize("fw", SHIPPED, ids=_ids)
def test_batch_reports_and_publishes_each_framework(pipeline: dict[str, Any], fw: Shipped) -> None:
    batch = pipeline["batch"]
    assert batch.exit_code == 0, batch.output
    out = pipeline["root"] / "out"
    folder = out / framework_folder_of(fw) if len(SHIPPED) > 1 else out
    area = slug(pipeline["area"][fw.name])
    html = (folder / area / "report.html").read_text(encoding="utf-8")
    assert f"Framework {fw.id} version {fw.version}." in html
    assert "Published version" in html
    summary = json.loads((folder / area / "summary.json").read_text(encoding="utf-8"))
    assert (summary["framework"]["id"], summary["framework"]["version"]) == (fw.id, fw.version)
    assert summary["mode"] == "published"
    assert (folder / "national" / "report.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"{fw.id} version {fw.version}" in index


def framework_folder_of(fw: Shipped) -> str:
    from audit.framework.model import load_framework

    return framework_folder(load_framework(fw.path))


def test_the_batch_index_groups_every_framework(pipeline: dict[str, Any]) -> None:
    if len(SHIPPED) < 2:
        pytest.skip("one framework shipped: the batch is not grouped")
    index = (pipeline["root"] / "out" / "index.html").read_text(encoding="utf-8")
    assert index.count('<h2 id="framework-') == len(SHIPPED)
    for s in SHIPPED:
        assert f'href="{framework_folder_of(s)}/national/report.html"' in index

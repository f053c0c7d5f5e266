"""The user guide (docs/): built by MkDocs, strict and without network; the parts made from the code match it.

One build per module (about 5 s): `mkdocs build --strict` into a temporary folder with every proxy pointing at a
closed port, so a build that needed the network would fail. Its pages must load nothing from another host
(no web fonts, no CDN scripts, no analytics), the problem codes page must list every code in `audit.codes`, and
each stage's API page must document every name that stage offers. The screenshots script runs on the test run's
sample batches where Chromium and Node are installed.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from audit import codes

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "src" / "audit"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, so any request fails at once


def _hooks() -> Any:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guide")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy",)}
    env |= {"NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "ALL_PROXY": CLOSED,
            "http_proxy": CLOSED, "https_proxy": CLOSED, "all_proxy": CLOSED}
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(DOCS / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return out


def test_the_guide_builds_every_page(site):
    pages = ["index", "install", "without-make", "inspectors", "partnerships", "analysts", "workbook",
             "frameworks", "statistics", "codes", "reference/index"]
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages not built: {missing}"
    assert "Partnerships assessing themselves" in (site / "partnerships.html").read_text(encoding="utf-8")


class _Loads(HTMLParser):
    """Every URL a page loads by itself (scripts, styles, images, frames), not the links a reader may follow."""

    ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
             "embed": "src", "object": "data", "link": "href"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.ATTRS.get(tag)
        self.urls.extend(v for k, v in attrs if v and (k == wanted or k == "srcset"))


def _outside(url: str) -> bool:
    return bool(re.match(r"\s*(?:https?:)?//", url, re.I))


def test_no_page_loads_anything_from_another_host(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 15
    found = []
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [f"{page.relative_to(site)}: {u}" for u in parser.urls if _outside(u)]
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        found += [f"{css.relative_to(site)}: {u}" for u in re.findall(r"(?:url\(|@import)\s*[\"']?([^\"')\s]+)", text)
                  if _outside(u)]
    assert not found, "pages load from other hosts:\n" + "\n".join(found[:20])
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    for host in ("fonts.googleapis", "fonts.gstatic", "googletagmanager", "google-analytics", "unpkg.com", "cdn"):
        assert host not in text, f"a page names {host}"


def test_the_problem_codes_page_lists_every_code(site):
    page = (site / "codes.html").read_text(encoding="utf-8")
    assert "<!-- problem codes -->" not in page
    missing = [name for name in codes.CODES if f"<code>{name}</code>" not in page]
    assert not missing, f"codes missing from the guide: {missing}"


def test_a_new_code_reaches_the_guide_without_editing_it(monkeypatch):
    new = codes.Code("made-up-for-this-test", "warning", "a code added to audit.codes after the page was written")
    monkeypatch.setitem(codes.CODES, new.name, new)
    page = _hooks().on_page_markdown("before\n\n<!-- problem codes -->\n\nafter", None, None, None)
    assert "| `made-up-for-this-test` | warning | a code added to audit.codes" in page
    assert page.count("| `") == len(codes.CODES)


def _stage_exports(stage: str) -> dict[str, str]:
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_EXPORTS"]
    return ast.literal_eval(node.value)


def test_each_stage_has_an_api_page_documenting_every_name_it_offers(site):
    stages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert sorted(_hooks().STAGES) == stages, "a stage has no API page: add it to docs/hooks.py and the nav"
    nav = (DOCS / "mkdocs.yml").read_text(encoding="utf-8")
    for stage in stages:
        assert f"reference/{stage}.md" in nav
        page = (site / "reference" / f"{stage}.html").read_text(encoding="utf-8")
        undocumented = [n for n, m in _stage_exports(stage).items() if f'id="{m}.{n}"' not in page]
        assert not undocumented, f"audit.{stage}'s API page does not document {undocumented}"


def test_the_python_example_in_the_api_overview_runs(monkeypatch, capsys):
    text = (DOCS / "pages" / "reference" / "index.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", text, re.S)
    monkeypatch.chdir(ROOT)
    exec(compile(example, "reference/index.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "pct_yes" in printed and "V1" in printed


def test_a_missing_screenshot_becomes_a_note_and_a_present_one_an_image(tmp_path, monkeypatch):
    hooks = _hooks()
    monkeypatch.setattr(hooks, "SCREENSHOTS", tmp_path)
    marker = "<!-- screenshot: index | The index of a batch -->"
    assert "Screenshot not made here: The index of a batch" in hooks.on_page_markdown(marker, None, None, None)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "index.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert hooks.on_page_markdown(marker, None, None, None) == "![The index of a batch](images/index.png)"


def test_every_screenshot_the_guide_shows_is_one_the_script_takes():
    script = (DOCS / "screenshots.mjs").read_text(encoding="utf-8")
    taken = set(re.findall(r'^\s*\["([\w-]+)", "(?:reports|published)"', script, re.M))
    shown = {m.group(1) for p in (DOCS / "pages").rglob("*.md")
             for m in _hooks().SCREENSHOT.finditer(p.read_text(encoding="utf-8"))}
    assert shown and shown <= taken, f"the guide shows screenshots no script takes: {sorted(shown - taken)}"


def test_the_screenshots_are_taken_of_the_real_sample_reports(sample_batch, published_batch, tmp_path):
    """docs/screenshots.mjs in headless Chromium on the test run's batches (tests/conftest.py), offline."""
    if not Path(CHROMIUM).exists() or shutil.which("node") is None:
        pytest.skip("no chromium or node: `make system-deps` installs them")
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: `make browser-deps`")
    (reports, made), (published, made_published) = sample_batch, published_batch
    assert made.exit_code == 0 and made_published.exit_code == 0
    out = tmp_path / "images"
    run = subprocess.run(["node", str(DOCS / "screenshots.mjs"), str(reports), str(published), str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 8
    for png in pngs:
        head = png.read_bytes()[:24]
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and width in (375, 1280) and height >= 700, png.name


def test_make_docs_sets_up_and_builds_the_guide_strictly():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^docs: (.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert target and "setup" in target.group(1).split()
    assert "mkdocs build --strict" in target.group(2) and "-f docs/mkdocs.yml" in target.group(2)
    assert "site_dir: ../build/docs" in (DOCS / "mkdocs.yml").read_text(encoding="utf-8")
    assert "/build/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_the_readme_points_to_the_guide():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## User guide\n", 1)[1].split("\n## ", 1)[0]
    assert "make docs" in section and "build/docs/index.html" in section


def test_the_workbook_page_names_every_sheet_column_and_value_the_readme_does():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The audit workbook\n", 1)[1].split("\n## ", 1)[0]
    page = (DOCS / "pages" / "workbook.md").read_text(encoding="utf-8")
    named = {" ".join(n.split()) for n in re.findall(r"`([^`]+)`", section)}
    missing = sorted(n for n in named if f"`{n}`" not in " ".join(page.split()))
    assert not missing, f"the guide's workbook page does not name {missing}"

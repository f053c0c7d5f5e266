"""MkDocs hooks: the parts of the guide made from the code, so they cannot drift from it.

- ``reference/<stage>.md``: one API page per pipeline stage, listing the names its ``__init__`` offers
  (its ``_EXPORTS``), each rendered by mkdocstrings from its docstring.
- ``<!-- problem codes -->`` in a page: the table from ``audit.codes.markdown_table()``.
- ``<!-- screenshot: NAME | ALT -->`` in a page: the screenshot ``build/docs-screenshots/images/NAME.png``
  that ``docs/screenshots.mjs`` took of the sample reports, or a note saying how to make it where it is missing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "audit"
SCREENSHOTS = ROOT / "build" / "docs-screenshots"
STAGES = ("framework", "read", "check", "analyse", "publish", "render", "workbooks", "run")
SCREENSHOT = re.compile(r"<!-- screenshot: ([\w-]+) \| (.+?) -->")


def stage_exports(stage: str) -> tuple[str, dict[str, str]]:
    """A stage's docstring and its public names (name -> module), read from its ``__init__`` without importing it."""
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
    exports: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS" for t in node.targets):
            exports = ast.literal_eval(node.value)
    return ast.get_docstring(tree) or "", exports


def reference_page(stage: str) -> str:
    """The markdown of one stage's API page: its description, then each name it offers by its full path."""
    doc, exports = stage_exports(stage)
    doc = re.sub(r":(?:func|class|mod|meth|attr):`([^`]+)`", r"`\1`", doc)
    lines = [f"# `audit.{stage}`", "", doc, ""]
    lines.append(f"Import these from `audit.{stage}` (for example `from audit.{stage} import {min(exports)}`).")
    for name, module in sorted(exports.items(), key=lambda item: (item[1], item[0])):
        lines += ["", f"::: {module}.{name}"]
    return "\n".join(lines) + "\n"


def on_files(files: Files, config) -> Files:
    for stage in STAGES:
        files.append(File.generated(config, f"reference/{stage}.md", content=reference_page(stage)))
    images = SCREENSHOTS / "images"
    for png in sorted(images.glob("*.png")) if images.is_dir() else []:
        files.append(
            File(f"images/{png.name}", str(SCREENSHOTS), config["site_dir"], config["use_directory_urls"])
        )
    return files


def _screenshot(match: re.Match[str]) -> str:
    name, alt = match.group(1), match.group(2)
    if (SCREENSHOTS / "images" / f"{name}.png").is_file():
        return f"![{alt}](images/{name}.png)"
    return f"*(Screenshot not made here: {alt}. `make docs` takes it where Chromium and Node are installed.)*"


def on_page_markdown(markdown: str, page, config, files) -> str:
    from audit import codes

    markdown = markdown.replace("<!-- problem codes -->", codes.markdown_table())
    return SCREENSHOT.sub(_screenshot, markdown)

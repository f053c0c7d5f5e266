"""Reports people can publish: checked in a real browser, and as PDF.

The sample reports are the test run's one `audit batch` and one `audit batch --publish`
(session fixtures in tests/conftest.py), copied into one folder. Every
page (each area's report.html, the index, a published report with small
counts suppressed, and an index with PDF and national links) is opened in
Debian's headless Chromium by tests/browser/check_pages.mjs (playwright-core
and axe-core from npm): axe-core's WCAG 2.x A and AA rules must find nothing,
and the toolkit's own checks (alt text, headings, tables, contents list, skip
link, no outside requests, reflow at 320 px) must pass. Full-page screenshots
are kept under tests/artefacts/screenshots/ for a person to look at.

The PDF checks need only WeasyPrint (and Debian's Pango) and pypdf.
`make test` installs chromium, Pango and the npm packages where missing; these
tests skip, saying why, only where that could not be done.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from audit.render.html_page import add_contents, finish_page, text_of, wrap_tables
from tests.conftest import node_json

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT / "tests" / "browser" / "check_pages.mjs"
ARTEFACTS = ROOT / "tests" / "artefacts"
SCREENSHOTS = ARTEFACTS / "screenshots"
PDF_ARTEFACTS = ARTEFACTS / "pdf"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
A4_POINTS = (595.0, 842.0)
AREA = "Amberlow Vale"
PUBLISHED_SLUG = "brackenholt-moor"  # an area with many small counts suppressed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every page checked here, so screenshots are named by their path in it."""
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="module")
def sample_reports(site: Path, sample_batch: tuple[Path, Any]) -> Path:
    """Every sample area's report and the index: the test run's one `audit batch` (tests/conftest.py), copied here."""
    made, run = sample_batch
    assert run.exit_code == 0, f"audit batch failed:\n{run.output}"
    out = site / "reports"
    shutil.copytree(made, out)
    assert (out / "index.html").is_file()
    return out


@pytest.fixture(scope="module")
def area_pages(sample_reports: Path) -> list[Path]:
    pages = sorted(sample_reports.glob("*/report.html"))
    assert len(pages) >= 6, f"expected a report for each of the six sample areas, found {len(pages)}"
    return pages


@pytest.fixture(scope="module")
def published_report(site: Path, published_batch: tuple[Path, Any]) -> Path:
    """One area as published, small counts suppressed: the form that goes on the web.

    From the test run's one `audit batch --publish` (tests/conftest.py), copied here.
    """
    made, run = published_batch
    assert run.exit_code == 0, f"audit batch --publish failed:\n{run.output}"
    out = site / "published"
    shutil.copytree(made, out)
    page = out / PUBLISHED_SLUG / "report.html"
    assert page.is_file() and "Published version" in page.read_text(encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def index_variant(sample_reports: Path, site: Path) -> Path:
    """An index with everything the template can show: PDF links, the national summary, failures, [c]."""
    from audit.framework.model import load_framework
    from audit.run.batch import index_html

    fw = load_framework()
    labels = [c.label for c in fw.criteria if c.key]
    areas = []
    for i, summary in enumerate(sorted(sample_reports.glob("*/summary.json"))):
        data = json.loads(summary.read_text())
        results: dict[str, Any] = {c.label: data["criteria"][c.id]["pct_yes"] for c in fw.criteria if c.key}
        if i == 1:
            results[labels[0]] = "[c]"
        areas.append(
            SimpleNamespace(
                area=data["area"],
                slug=data["slug"],
                ok=i != 2,
                error=None if i != 2 else "the report notebook failed: <b>not bold</b>",
                cases_scored=data["cases_scored"] if i != 1 else "[c]",
                key_results=results,
            )
        )
    batch = SimpleNamespace(
        out_dir=sample_reports,
        areas=areas,
        failed_files={"broken.xlsx": "not a workbook"},
        unassigned_rows=3,
        publish=True,
        pdf=True,
        national=True,
    )
    out = site / "index-variant"
    out.mkdir()
    page = out / "index.html"
    page.write_text(index_html(batch, fw), encoding="utf-8")  # type: ignore[arg-type]
    return page


@pytest.fixture(scope="module")
def frameworks_index(sample_reports: Path, site: Path) -> Path:
    """The front page of a batch mixing frameworks: the sample areas under two framework versions."""
    from audit.framework.model import load_framework
    from audit.run.batch import framework_folder, frameworks_index_html

    groups = []
    for i, name in enumerate(("jtai-domestic-abuse@2025.1", "jtai-domestic-abuse@2026.1")):
        fw = load_framework(name)
        areas = [
            SimpleNamespace(area=a, slug=a.lower().replace(" ", "-"), ok=j != 1 or i == 0, error="the notebook failed")
            for j, a in enumerate(("Amberlow Vale", "Brackenholt Moor"))
        ]
        outcome = SimpleNamespace(areas=areas, national=i == 0, national_error=None if i == 0 else "it failed")
        groups.append((fw, framework_folder(fw), outcome))
    batch = SimpleNamespace(groups=groups, failed_files={"broken.xlsx": "not a workbook"})
    out = site / "index-frameworks"
    out.mkdir()
    page = out / "index.html"
    page.write_text(frameworks_index_html(batch), encoding="utf-8")  # type: ignore[arg-type]
    return page


# ---------------------------------------------------------------------------------------------
# The browser


def _browser_unavailable() -> str | None:
    """Why the browser checks cannot run here, or None. Installs the npm packages if it can."""
    if not Path(CHROMIUM).is_file():
        return (
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium with apt-get "
            "(as root); set CHROMIUM_PATH to use another"
        )
    node = shutil.which("node")
    if node is None:
        return "node is not installed: `make test` installs nodejs and npm with apt-get (as root)"
    if not (ROOT / "node_modules" / "playwright-core").is_dir() or not (ROOT / "node_modules" / "axe-core").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            return "npm is not installed, so playwright-core and axe-core cannot be: run `make test`"
        run = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        if run.returncode != 0:
            return f"`npm ci` could not install playwright-core and axe-core: {run.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="module")
def browser(
    site: Path,
    sample_reports: Path,
    area_pages: list[Path],
    published_report: Path,
    index_variant: Path,
    frameworks_index: Path,
) -> dict[str, dict[str, Any]]:
    """check_pages.mjs run once over every page; results keyed by a short page name."""
    why = _browser_unavailable()
    if why:
        pytest.skip(f"browser checks skipped: {why}")
    pages = {p.parent.name: p for p in area_pages}
    pages["index"] = sample_reports / "index.html"
    pages["published"] = published_report
    pages["index-with-pdf-and-national"] = index_variant
    pages["index-of-frameworks"] = frameworks_index
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    args = [str(CHECKER), "--screenshots", str(SCREENSHOTS), "--root", str(site), *map(str, pages.values())]
    status, report, stderr = node_json(args, ROOT, 900, "check_pages.mjs")
    assert status == 0, stderr
    by_path = {p.resolve(): k for k, p in pages.items()}
    results = {by_path[Path(r["page"])]: r for r in report["results"]}
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "accessibility.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def _fmt(violations: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{v['id']} ({v['impact']}, {v['nodes']} elements: {v['help']}; e.g. {v['targets'][0]['target']})"
        for v in violations
    )


def test_every_page_was_checked(browser: dict[str, dict[str, Any]]) -> None:
    errors = {k: r["error"] for k, r in browser.items() if r.get("error")}
    assert not errors, errors
    assert {"index", "published", "index-with-pdf-and-national", "index-of-frameworks"} <= set(browser)
    assert all(r["axeVersion"] for r in browser.values())


@pytest.mark.parametrize("view", ["violations", "narrowViolations", "printViolations"])
def test_axe_finds_no_wcag_violations(browser: dict[str, dict[str, Any]], view: str) -> None:
    """WCAG 2.0, 2.1 and 2.2 A and AA rules: at 1280 px, at 320 px and as printed."""
    found = {page: _fmt(r[view]) for page, r in browser.items() if r.get(view)}
    assert not found, "axe-core found WCAG violations:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_axe_best_practice_is_clean(browser: dict[str, dict[str, Any]]) -> None:
    found = {page: _fmt(r["bestPractice"]) for page, r in browser.items() if r.get("bestPractice")}
    assert not found, "axe-core best-practice findings:\n" + "\n".join(f"{k}: {v}" for k, v in found.items())


def test_own_page_checks(browser: dict[str, dict[str, Any]]) -> None:
    """Alt text, headings in order, tables, landmarks, skip link and focus, reflow, no notebook chrome."""
    found = {page: r["problems"] for page, r in browser.items() if r.get("problems")}
    assert not found, json.dumps(found, indent=1)


def test_no_request_leaves_the_machine(browser: dict[str, dict[str, Any]]) -> None:
    found = {page: r["outsideRequests"] for page, r in browser.items() if r.get("outsideRequests")}
    assert not found, f"pages asked other hosts for something: {found}"
    failed = {page: r["failedRequests"] for page, r in browser.items() if r.get("failedRequests")}
    assert not failed, f"requests failed: {failed}"


def test_charts_have_alt_text_from_their_data(browser: dict[str, dict[str, Any]]) -> None:
    for page, r in browser.items():
        if page.startswith("index"):
            continue
        expected = 1 if "national" in page else 3  # the national summary has one chart, an area report three
        assert len(r["images"]) >= expected, f"{page}: expected {expected} charts"
        for alt in r["images"]:
            assert re.search(r"\d+%|\d+ cases", alt), f"{page}: alt text states no figure: {alt!r}"
            assert re.match(r"^(\S+ ){0,3}(bar chart|chart|heatmap|graph|plot)\b", alt, re.I), f"{page}: {alt!r}"


def test_layout_at_375_and_1280_px(browser: dict[str, dict[str, Any]]) -> None:
    """At a phone's and a laptop's width: no chart text under 11 CSS px, measured from each chart's SVG as
    drawn; every table and chart in its own labelled, focusable region that scrolls, none cut off."""
    for page, r in browser.items():
        assert [m["width"] for m in r["layout"]] == [375, 1280], page
        for m in r["layout"]:
            assert not m["problems"], (page, m["problems"])
            small = [c for c in m["charts"] if c["smallestTextPx"] < 11]
            assert not small, (page, m["width"], small)
        if not page.startswith("index"):
            phone = r["layout"][0]
            assert len(phone["charts"]) >= (1 if "national" in page else 3), page
            assert phone["tables"] >= 3, page


def test_index_table_filters_and_sorts_in_the_page(browser: dict[str, dict[str, Any]]) -> None:
    """The index's one table of areas: its inline script filters by name and sorts by any column."""
    for page in ("index", "index-with-pdf-and-national"):
        t = browser[page]["indexTable"]
        assert t["all"] >= 6 and 1 <= t["filtered"] < t["all"], t
        assert t["status"] == f"Showing {t['filtered']} of {t['all']} areas.", t
        assert t["ascending"] == sorted(t["ascending"], key=str.casefold), t
        assert t["descending"] == t["ascending"][::-1] and t["sortState"] == "descending", t


def test_area_reports_have_a_contents_list(browser: dict[str, dict[str, Any]]) -> None:
    """Each area report lists its h2 sections after the h1 (audit.render.html_page.add_contents)."""
    for page, r in browser.items():
        if page.startswith("index"):
            continue
        assert r["contents"], f"{page}: no contents list"
        sections = [h["text"] for h in r["outline"] if h["level"] == 2 and h["text"] != "Contents"]
        assert r["contents"] == sections, page
        assert r["outline"][0]["level"] == 1


def test_pages_have_titles_naming_area_and_framework(browser: dict[str, dict[str, Any]]) -> None:
    from audit.framework.model import load_framework

    fw_title = load_framework().title
    for page, r in browser.items():
        assert r["lang"] == "en-GB"
        assert fw_title in r["title"], f"{page}: {r['title']!r}"
    assert browser["amberlow-vale"]["title"].startswith(AREA)


def test_numbers_are_right_aligned(browser: dict[str, dict[str, Any]]) -> None:
    """The page checks fail any numeric cell not right-aligned; make sure they saw some."""
    assert all(r["numericCells"] > 20 for k, r in browser.items() if not k.startswith("index"))


def test_screenshots_are_kept(browser: dict[str, dict[str, Any]]) -> None:
    for page, r in browser.items():
        for key in ("screenshot", "narrowScreenshot"):
            shot = Path(r[key])
            assert shot.is_file() and shot.stat().st_size > 10_000, f"{page}: {shot}"
            assert shot.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG
            assert SCREENSHOTS in shot.parents


BAD_PAGE = """<!DOCTYPE html><html><head><title>x</title>
<link rel="stylesheet" href="https://cdn.example.invalid/x.css"></head>
<body><h1>Bad</h1><h3>Skipped a level</h3><p style="color:#aaa">Faint text</p>
<img src="http://example.invalid/chart.png"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="chart">
<table><tr><th></th><td>12</td></tr></table></body></html>"""


def test_the_checker_catches_a_bad_page(tmp_path: Path) -> None:
    """A control: the same checks fail a page with the faults they look for."""
    why = _browser_unavailable()
    if why:
        pytest.skip(f"browser checks skipped: {why}")
    page = tmp_path / "bad.html"
    page.write_text(BAD_PAGE, encoding="utf-8")
    run = subprocess.run(["node", str(CHECKER), str(page)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if run.returncode == 2:
        pytest.skip(f"browser checks skipped: {json.loads(run.stdout).get('error')}")
    (result,) = json.loads(run.stdout)["results"]
    assert {"image-alt", "color-contrast", "html-has-lang"} <= {v["id"] for v in result["violations"]}
    problems = " | ".join(result["problems"])
    for expected in ("no alt attribute", "vague alt text", "skips from h1 to h3", "has no caption", "empty header"):
        assert expected in problems
    assert "not right-aligned" in problems and "no skip link" in problems
    assert "is not in a labelled, focusable region" in problems
    assert any("example.invalid" in u for u in result["outsideRequests"])
    assert not result["ok"]


def test_index_links_every_report_pdf_and_national_summary(index_variant: Path, sample_reports: Path) -> None:
    page = index_variant.read_text(encoding="utf-8")
    ok = [p.parent.name for p in sorted(sample_reports.glob("*/summary.json"))]
    ok.pop(2)  # the failed area in the variant
    for slug in ok:
        assert f'href="{slug}/report.html"' in page
        assert f'href="{slug}/report.pdf"' in page
    assert 'href="national/report.html"' in page
    assert "<b>not bold</b>" not in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    plain = (sample_reports / "index.html").read_text(encoding="utf-8")
    assert "report.pdf" not in plain or (sample_reports / ok[0] / "report.pdf").exists()
    assert "national/report.html" not in plain or (sample_reports / "national").is_dir()


# ---------------------------------------------------------------------------------------------
# The HTML as written (no browser needed)


def test_pages_are_self_contained(area_pages: list[Path], sample_reports: Path) -> None:
    for page in [*area_pages, sample_reports / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert '<html lang="en-GB">' in text
        assert not re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", text, re.I), page
        assert not re.search(r"@import|url\(\s*['\"]?https?:", text, re.I), page
        assert not re.search(r"<script[^>]*\bsrc", text, re.I), page
        if page.name != "index.html":  # only the index sorts and filters its table, with its own inline script
            assert "<script" not in text.lower(), page
        for chrome in ("jp-InputArea", "input_prompt", "In&nbsp;[", "jp-OutputPrompt", "papermill"):
            assert chrome not in text, f"{page}: {chrome}"


def test_footer_gives_framework_version_inputs_and_date(area_pages: list[Path]) -> None:
    text = area_pages[0].read_text(encoding="utf-8")
    footer = text_of(text.split('<footer class="report-footer">', 1)[1])
    assert re.search(r"version \S+", footer)
    assert "SHA-256" in footer
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", footer)


def _html(body: str) -> str:
    return f'<html lang="en-GB"><body><main id="main">{body}</main></body></html>'


def test_add_contents_links_each_h2_after_the_h1_block() -> None:
    page = _html(
        '<h1>Area</h1><p class="lead">Lead.</p><h2>Summary</h2><p>x</p>'
        '<h2 id="kept">Results &amp; more</h2><h3>Sub</h3><h2>Summary</h2>'
    )
    done = add_contents(page)
    assert done.index('<p class="lead">') < done.index('<nav class="contents" aria-label="Contents">')
    assert done.index("</nav>") < done.index('<h2 id="summary">')
    assert '<a href="#summary">Summary</a>' in done
    assert '<a href="#kept">Results &amp; more</a>' in done
    assert '<h2 id="summary-2">' in done and '<a href="#summary-2">' in done
    assert add_contents(done) == done


def test_add_contents_leaves_short_pages_alone() -> None:
    page = _html("<h1>Only</h1><h2>One</h2>")
    assert "<nav" not in add_contents(page)
    assert "<nav" not in add_contents(_html("<h2>A</h2><h2>B</h2>"))


def test_wrap_tables_makes_wide_tables_scrollable_regions() -> None:
    wide = (
        "<table><caption>Wide</caption><thead><tr>"
        + "".join(f'<th scope="col">c{i}</th>' for i in range(6))
        + "</tr></thead><tbody></tbody></table>"
    )
    narrow = '<table><caption>Narrow</caption><thead><tr><th scope="col">a</th></tr></thead></table>'
    done = wrap_tables(_html(wide + narrow))
    assert '<div class="table-wrap" role="region" aria-labelledby="table-caption" tabindex="0">' in done
    assert '<caption id="table-caption">Wide</caption>' in done
    # A table of few columns is a focusable region too: long words can make it wider than a phone.
    assert '<div class="table-wrap table-narrow" role="region" aria-labelledby="table-caption-2" tabindex="0">' in done
    assert wrap_tables(done) == done
    assert finish_page(finish_page(_html(wide))) == finish_page(_html(wide))


# ---------------------------------------------------------------------------------------------
# PDF


@pytest.fixture(scope="module")
def area_pdf(sample_area_pdf: Path) -> Path:
    """Amberlow Vale's report as PDF: the run's one (tests/conftest.py), kept with the artefacts."""
    PDF_ARTEFACTS.mkdir(parents=True, exist_ok=True)
    kept = PDF_ARTEFACTS / "amberlow-vale.pdf"
    shutil.copyfile(sample_area_pdf, kept)
    return kept


def _pdf_paths(area_pdf: Path, sample_reports: Path) -> list[Path]:
    """Our PDF, and the batch's own report.pdf files where `audit batch` made them."""
    return [area_pdf, *sorted(sample_reports.glob("*/report.pdf"))]


def test_pdf_is_a4_with_page_numbers(area_pdf: Path, sample_reports: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    for path in _pdf_paths(area_pdf, sample_reports):
        reader = pypdf.PdfReader(path)
        n = len(reader.pages)
        assert n > 1, path
        for i, page in enumerate(reader.pages, start=1):
            box = page.mediabox
            assert (round(float(box.width)), round(float(box.height))) == A4_POINTS, (path, i)
            assert f"Page {i} of {n}" in page.extract_text(), (path, i)


def test_pdf_is_tagged_with_title_and_language(area_pdf: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(area_pdf)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None and (reader.metadata.title or "").startswith(AREA)
    tags: dict[str, int] = {}
    alts: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        tag = node.get("/S")
        if tag:
            tags[tag] = tags.get(tag, 0) + 1
            if tag == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert tags.get("/H1") == 1 and tags.get("/H2", 0) >= 6
    assert tags.get("/Table", 0) >= 5 and tags.get("/TH", 0) > 20
    assert len(alts) >= 3 and all(len(a) > 20 for a in alts), alts


def test_pdf_page_renders(area_pdf: Path) -> None:
    """Page 1 as PNG beside the PDF, for a person to look at (needs poppler-utils' pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; the PDF itself was checked")
    stem = PDF_ARTEFACTS / "amberlow-vale-page"
    subprocess.run([pdftoppm, "-r", "80", "-png", "-f", "1", "-l", "2", str(area_pdf), str(stem)], check=True)
    shots = sorted(PDF_ARTEFACTS.glob("amberlow-vale-page-*.png"))
    assert shots and all(s.stat().st_size > 10_000 for s in shots)


def test_pdf_fetches_nothing_from_other_hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.render.pdf import html_to_pdf, pdf_available

    if pdf_available():
        pytest.skip(str(pdf_available()))
    tried: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        tried.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (
        '<html lang="en-GB"><head><title>T</title>'
        '<link rel="stylesheet" href="http://example.invalid/x.css"></head><body><h1>T</h1>'
        '<img src="https://example.invalid/x.png" alt="an image that must not be fetched"></body></html>'
    )
    out = html_to_pdf(html, tmp_path / "x.pdf")
    assert out.read_bytes().startswith(b"%PDF-")
    assert not tried


def test_pdf_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.render.pdf import html_to_pdf, pdf_available

    if pdf_available():
        pytest.skip(str(pdf_available()))
    import weasyprint

    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF- the good copy")

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        html_to_pdf(_html("<h1>T</h1>"), target)
    assert target.read_bytes() == b"%PDF- the good copy"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]

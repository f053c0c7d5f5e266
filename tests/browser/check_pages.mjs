#!/usr/bin/env node
// Open report pages in Debian's headless Chromium (driven by playwright-core, which never
// downloads a browser), run axe-core's WCAG 2.x A/AA rules and the toolkit's own checks, save a
// full-page screenshot of each, and print one JSON document on stdout.
//
//   node tests/browser/check_pages.mjs [--screenshots DIR] [--root DIR] [--jobs N] PAGE.html [PAGE.html ...]
//
// --jobs pages are checked at once (default 2), each in its own tab of the one browser: a page's waits
// (load, network idle, resizes) then overlap another's work. Playwright emulates focus in every tab,
// so the keyboard checks hold whichever tab is in front. The results keep the order of the pages given.
//
// Screenshots are named after each page's path below --root (default: the current folder):
// amberlow-vale/report.html -> amberlow-vale-report.jpg, plus -narrow.jpg at 320 px wide (JPEG: a full report
// page as PNG took 1.1 to 1.4 s to encode, as JPEG 0.6 s).
//
// Exit status: 0 when the checks ran (whatever they found), 2 when the browser could not start,
// 1 on a usage error. tests/test_accessibility.py reads the JSON and asserts.

import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps",
  "--disable-extensions", "--no-default-browser-check", "--disable-domain-reliability",
  "--disable-client-side-phishing-detection", "--metrics-recording-only", "--mute-audio",
];
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, narrow: { width: 320, height: 720 } };
// Where the toolkit's layout is measured: a phone and a laptop.
const LAYOUT_WIDTHS = [375, 1280];
const MIN_CHART_TEXT_PX = 11;
const LOCAL_SCHEMES = new Set(["file:", "data:", "about:", "blob:"]);
const VAGUE_ALT = /^(chart|image|graph|figure|picture|img|photo|plot|a chart|an image|untitled)\.?$/i;

function usage(message) {
  process.stderr.write(`${message}\nusage: check_pages.mjs [--screenshots DIR] [--root DIR] [--jobs N] PAGE.html ...\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const pages = [];
  let screenshots = null;
  let root = process.cwd();
  let jobs = 2;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--screenshots") screenshots = argv[++i] ?? usage("--screenshots needs a folder");
    else if (argv[i] === "--root") root = resolve(argv[++i] ?? usage("--root needs a folder"));
    else if (argv[i] === "--jobs") {
      jobs = Number(argv[++i]);
      if (!Number.isInteger(jobs) || jobs < 1) usage("--jobs needs a whole number of at least 1");
    }
    else if (argv[i].startsWith("--")) usage(`unknown option ${argv[i]}`);
    else pages.push(resolve(argv[i]));
  }
  if (!pages.length) usage("no pages given");
  return { pages, screenshots, root, jobs };
}

function screenshotName(page, root) {
  // amberlow-vale/report.html -> amberlow-vale-report.jpg; index.html -> index.jpg
  const rel = relative(root, page);
  const name = (rel.startsWith("..") ? basename(page) : rel).replace(/\.html?$/i, "");
  return `${name.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") || "page"}.jpg`;
}

// Runs inside the page: the checks axe-core does not make (or makes too leniently).
function pageChecks({ vagueAltSource }) {
  const vagueAlt = new RegExp(vagueAltSource, "i");
  // Columns of labels that happen to be digits: not quantities, so left-aligned is right.
  const IDENTIFIER_COLUMN = /^(id|theme|code|ref(erence)?|round|year|no\.?)$/i;
  const problems = [];
  const text = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
  const where = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const t = text(el).slice(0, 60);
    return `<${el.tagName.toLowerCase()}${id}> ${t}`;
  };

  // Page basics
  const lang = document.documentElement.getAttribute("lang");
  if (lang !== "en-GB") problems.push(`html lang is ${JSON.stringify(lang)}, not "en-GB"`);
  const title = document.title.trim();
  if (title.length < 10) problems.push(`the <title> is too short to name the page: ${JSON.stringify(title)}`);
  for (const landmark of ["header", "main", "footer"]) {
    const n = document.querySelectorAll(landmark).length;
    if (n !== 1) problems.push(`expected one <${landmark}> landmark, found ${n}`);
  }
  const skip = document.querySelector("a.skip-link");
  if (!skip) problems.push("no skip link");
  else {
    const target = document.getElementById((skip.getAttribute("href") || "").replace(/^#/, ""));
    if (!target || target.tagName !== "MAIN") problems.push("the skip link does not point at <main>");
  }
  if (document.querySelector("script[src], link[rel='stylesheet'], iframe, object, embed")) {
    problems.push("the page has outside scripts, linked stylesheets or embedded objects; it should stand alone");
  }
  for (const el of document.querySelectorAll("pre, .jp-InputArea, .input_prompt, .prompt, .jp-InputPrompt, .jp-OutputPrompt")) {
    problems.push(`notebook chrome or code in the page: ${where(el)}`);
    break;
  }

  // Images: real alt text from the data
  const images = [...document.querySelectorAll("img")];
  for (const img of images) {
    const alt = (img.getAttribute("alt") || "").trim();
    if (!img.hasAttribute("alt")) problems.push(`an <img> has no alt attribute (${(img.src || "").slice(0, 40)})`);
    else if (alt.length <= 20 || vagueAlt.test(alt)) problems.push(`an <img> has vague alt text: ${JSON.stringify(alt)}`);
    else if (!/\d/.test(alt)) problems.push(`an <img>'s alt text gives no figures from the data: ${JSON.stringify(alt)}`);
  }
  // Every chart is followed by its data as a table.
  for (const fig of document.querySelectorAll("figure")) {
    let next = fig.nextElementSibling;
    while (next && next.matches("p")) next = next.nextElementSibling;
    const table = next && (next.matches("table") ? next : next.querySelector(":scope > table"));
    if (!table) problems.push(`a figure is not followed by a data table: ${where(fig)}`);
  }

  // Headings: one h1, first; no level skipped.
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  const outline = headings.map((h) => ({ level: Number(h.tagName[1]), text: text(h) }));
  if (!headings.length || headings[0].tagName !== "H1") problems.push("the first heading is not an h1");
  if (document.querySelectorAll("h1").length !== 1) problems.push(`expected one h1, found ${document.querySelectorAll("h1").length}`);
  for (let i = 1; i < outline.length; i++) {
    if (outline[i].level > outline[i - 1].level + 1) {
      problems.push(`heading level skips from h${outline[i - 1].level} to h${outline[i].level} at "${outline[i].text}"`);
    }
  }
  for (const h of headings) if (!text(h)) problems.push(`an empty ${h.tagName.toLowerCase()}`);

  // Contents list: where there is one, it links to every h2 section and every link lands.
  const contents = document.querySelector("nav[aria-label='Contents']");
  const sectionH2 = headings.filter((h) => h.tagName === "H2" && !h.closest("nav"));
  if (contents) {
    const targets = [...contents.querySelectorAll("a[href^='#']")].map((a) => a.getAttribute("href").slice(1));
    for (const id of targets) if (!document.getElementById(id)) problems.push(`contents link to missing #${id}`);
    for (const h of sectionH2) if (!targets.includes(h.id)) problems.push(`the contents list has no link to "${text(h)}"`);
  }

  // Tables: caption, header cells with scope, no empty header cells, numbers right-aligned.
  const tables = [...document.querySelectorAll("table")];
  let numericCells = 0;
  for (const [i, table] of tables.entries()) {
    const name = `table ${i + 1} (${text(table.caption || table).slice(0, 50)})`;
    if (!table.caption || !text(table.caption)) problems.push(`${name} has no caption`);
    const ths = [...table.querySelectorAll("th")];
    if (!ths.length) problems.push(`${name} has no <th> cells`);
    if (!table.querySelector("thead th")) problems.push(`${name} has no column headers in <thead>`);
    for (const th of ths) {
      if (!text(th)) problems.push(`${name} has an empty header cell`);
      const scope = th.getAttribute("scope");
      if (!["col", "row", "colgroup", "rowgroup"].includes(scope)) problems.push(`${name}: a header cell has no scope ("${text(th)}")`);
    }
    // Column headers by position, to spare identifier columns (criterion IDs, theme numbers).
    const heads = [...(table.tHead?.rows[0]?.cells ?? [])].map((c) => text(c));
    for (const td of table.querySelectorAll("td")) {
      const t = text(td);
      const head = heads[td.cellIndex] ?? "";
      if (IDENTIFIER_COLUMN.test(head)) continue;
      if (/^[-+]?[\d,.]+%?( to [-+]?[\d,.]+%?)?( \([\d.]+%? to [\d.]+%?\))?$/.test(t)) {
        numericCells++;
        const align = getComputedStyle(td).textAlign;
        if (align !== "right" && align !== "end") problems.push(`${name}: the number "${t}" is not right-aligned (${align})`);
      }
    }
  }

  // Keyboard focus must be visible: the first Tab lands on the skip link (checked from Node).
  return {
    problems,
    title,
    lang,
    outline,
    images: images.map((img) => img.getAttribute("alt")),
    tables: tables.length,
    numericCells,
    contents: contents ? [...contents.querySelectorAll("a")].map((a) => text(a)) : null,
  };
}

// Runs inside the page at one width: how big each chart's words are drawn, and whether any
// table or chart is cut off rather than scrolling in its own labelled, focusable region.
function layoutChecks({ minTextPx }) {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const short = (el) => (el.getAttribute("alt") || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 50);
  const scrollsInRegion = (el, what) => {
    const wrap = el.parentElement;
    const style = wrap ? getComputedStyle(wrap) : null;
    const named = wrap && (wrap.getAttribute("aria-label") || wrap.getAttribute("aria-labelledby"));
    if (!wrap || wrap.getAttribute("role") !== "region" || wrap.getAttribute("tabindex") !== "0" || !named) {
      problems.push(`at ${width} px, ${what} is not in a labelled, focusable region`);
      return;
    }
    const tooWide = el.getBoundingClientRect().width > wrap.clientWidth + 1;
    if (tooWide && !["auto", "scroll"].includes(style.overflowX)) {
      problems.push(`at ${width} px, ${what} is cut off: its region does not scroll (${style.overflowX})`);
    }
    const box = wrap.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1) problems.push(`at ${width} px, the region of ${what} runs off the page`);
  };
  const charts = [];
  for (const img of document.querySelectorAll("img[src^='data:image/svg+xml']")) {
    const svgText = atob(img.src.split(",", 2)[1]);
    const svg = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
    const viewBox = (svg.getAttribute("viewBox") || "").split(/\s+/).map(Number);
    const sizes = [...svg.querySelectorAll("text")]
      .map((t) => /font-size:\s*([\d.]+)px/.exec(t.getAttribute("style") || ""))
      .filter(Boolean)
      .map((m) => Number(m[1]));
    if (!sizes.length || !(viewBox[2] > 0)) continue;
    const shown = img.getBoundingClientRect().width;
    const smallest = (Math.min(...sizes) * shown) / viewBox[2];
    charts.push({ alt: short(img), smallestTextPx: Math.round(smallest * 10) / 10, shownPx: Math.round(shown) });
    if (smallest < minTextPx - 0.05) {
      problems.push(`at ${width} px, a chart's smallest text is ${smallest.toFixed(1)} px (under ${minTextPx}): ${short(img)}`);
    }
    scrollsInRegion(img, `the chart "${short(img)}"`);
  }
  const tables = document.querySelectorAll("table");
  for (const table of tables) scrollsInRegion(table, `the table "${short(table.caption || table)}"`);
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (overflow > 1) problems.push(`at ${width} px wide the page scrolls sideways by ${overflow} px`);
  return { width, problems, charts, tables: tables.length };
}

async function checkFocus(page) {
  // Tab once from the top: the skip link should appear, highlighted, in the viewport.
  await page.evaluate(() => { window.scrollTo(0, 0); document.activeElement?.blur(); });
  await page.keyboard.press("Tab");
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "the first Tab focused nothing";
    if (!el.matches("a.skip-link")) return `the first Tab focused ${el.tagName.toLowerCase()}, not the skip link`;
    const box = el.getBoundingClientRect();
    if (box.width < 10 || box.height < 10 || box.bottom < 0 || box.top > window.innerHeight || box.right < 0) {
      return "the focused skip link is not visible";
    }
    const style = getComputedStyle(el);
    if (style.backgroundColor === "rgba(0, 0, 0, 0)" && style.outlineStyle === "none") {
      return "the focused skip link has no visible focus style";
    }
    // Every link gets a visible focus style too.
    const link = document.querySelector("main a[href]");
    if (link) {
      link.focus();
      const s = getComputedStyle(link);
      const visible = s.outlineStyle !== "none" && s.outlineWidth !== "0px" && !s.outlineColor.endsWith(", 0)");
      if (!visible && s.backgroundColor === "rgba(0, 0, 0, 0)" && s.boxShadow === "none") {
        return `a focused link shows no focus style: ${link.textContent.trim().slice(0, 40)}`;
      }
    }
    return null;
  });
}

function summariseViolations(violations) {
  return violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}

async function checkPage(context, file, axeSource, screenshots, root) {
  const page = await context.newPage();
  const outside = [];
  const failed = [];
  page.on("request", (req) => {
    const url = req.url();
    let scheme = "";
    try { scheme = new URL(url).protocol; } catch { scheme = "?"; }
    if (!LOCAL_SCHEMES.has(scheme)) outside.push(url.slice(0, 200));
  });
  page.on("requestfailed", (req) => failed.push(req.url().slice(0, 200)));
  // Belt and braces: nothing leaves the machine even if the page asks.
  await page.route(/^(https?|wss?|ftp):/i, (route) => route.abort("blockedbyclient"));

  const result = { page: file, ok: true };
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForLoadState("networkidle").catch(() => {});
  // Our own checks first, on the page exactly as published (before axe's script is added).
  Object.assign(result, await page.evaluate(pageChecks, { vagueAltSource: VAGUE_ALT.source }));
  await page.addScriptTag({ content: axeSource });

  const runAxe = () => page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return { violations: r.violations, version: r.testEngine.version };
  }, AXE_TAGS);
  const runBestPractice = () => page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["best-practice"] }, resultTypes: ["violations"] });
    return r.violations;
  });

  const desktop = await runAxe();
  result.axeVersion = desktop.version;
  result.violations = summariseViolations(desktop.violations);
  result.bestPractice = summariseViolations(await runBestPractice());
  const focusProblem = await checkFocus(page);
  if (focusProblem) result.problems.push(focusProblem);

  if (screenshots) {
    mkdirSync(screenshots, { recursive: true });
    await page.evaluate(() => document.activeElement?.blur());
    result.screenshot = join(screenshots, screenshotName(file, root));
    await page.screenshot({ path: result.screenshot, fullPage: true, type: "jpeg", quality: 80 });
  }

  // Narrow screen (WCAG 1.4.10 Reflow): no sideways scrolling of the page, and axe again.
  await page.setViewportSize(VIEWPORTS.narrow);
  await page.waitForTimeout(50);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 1) result.problems.push(`at 320 px wide the page scrolls sideways by ${overflow} px`);
  result.narrowViolations = summariseViolations((await runAxe()).violations);
  if (screenshots) {
    result.narrowScreenshot = join(screenshots, screenshotName(file, root).replace(/\.jpg$/, "-narrow.jpg"));
    await page.screenshot({ path: result.narrowScreenshot, fullPage: false, type: "jpeg", quality: 80 });
  }

  // Layout at a phone's and a laptop's width: chart text size, tables and charts in scrolling regions.
  result.layout = [];
  for (const width of LAYOUT_WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(50);
    const measured = await page.evaluate(layoutChecks, { minTextPx: MIN_CHART_TEXT_PX });
    result.layout.push(measured);
    result.problems.push(...measured.problems);
  }

  // The index's table of areas: its own script filters and sorts it, in the page.
  if (await page.$("#areas-filter")) {
    await page.setViewportSize(VIEWPORTS.desktop);
    const visible = () => page.$$eval("#areas-table tbody tr", (rows) => rows.filter((r) => !r.hidden).length);
    const firstColumn = () => page.$$eval("#areas-table tbody tr", (rows) => rows.map((r) => r.cells[0].textContent.trim()));
    const all = await visible();
    const name = (await firstColumn())[0];
    await page.fill("#areas-filter", name.slice(0, 6).toLowerCase());
    const filtered = await visible();
    const status = await page.$eval("#areas-shown", (el) => el.textContent);
    await page.fill("#areas-filter", "");
    await page.click("#areas-table thead th:first-child button");
    const ascending = await firstColumn();
    await page.click("#areas-table thead th:first-child button");
    const descending = await firstColumn();
    const sortState = await page.$eval("#areas-table thead th:first-child", (th) => th.getAttribute("aria-sort"));
    result.indexTable = { all, filtered, status, ascending, descending, sortState };
  }

  // Print media (what a PDF or a printout shows) must pass too.
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.emulateMedia({ media: "print" });
  result.printViolations = summariseViolations((await runAxe()).violations);
  await page.emulateMedia({ media: "screen" });

  result.outsideRequests = [...new Set(outside)];
  result.failedRequests = [...new Set(failed)];
  result.ok = !result.violations.length && !result.narrowViolations.length && !result.printViolations.length
    && !result.problems.length && !result.outsideRequests.length;
  await page.close();
  return result;
}

async function main() {
  const { pages, screenshots, root, jobs } = parseArgs(process.argv.slice(2));
  let chromium;
  try {
    ({ chromium } = require("playwright-core"));
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: `playwright-core is not installed: ${err.message}`, stage: "import" }));
    process.exit(2);
  }
  const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!existsSync(CHROMIUM)) {
    process.stdout.write(JSON.stringify({ error: `no browser at ${CHROMIUM}`, stage: "launch" }));
    process.exit(2);
  }
  const profile = mkdtempSync(join(tmpdir(), "audit-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      offline: true,
      serviceWorkers: "block",
      locale: "en-GB",
      viewport: VIEWPORTS.desktop,
      deviceScaleFactor: 1,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    process.stdout.write(JSON.stringify({ error: `chromium did not start: ${err.message.split("\n")[0]}`, stage: "launch" }));
    process.exit(2);
  }
  const results = new Array(pages.length);
  let next = 0;
  const worker = async () => {
    while (next < pages.length) {
      const i = next++;
      try {
        results[i] = await checkPage(context, pages[i], axeSource, screenshots, root);
      } catch (err) {
        results[i] = { page: pages[i], ok: false, error: String(err && err.stack || err) };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, pages.length) }, worker));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ chromium: CHROMIUM, tags: AXE_TAGS, results }, null, 1));
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ error: String(err && err.stack || err), stage: "run" }));
  process.exit(2);
});

#!/usr/bin/env node
// Open the explorer notebook in a running JupyterLab with Debian's headless Chromium (driven by
// playwright-core, which never downloads a browser), run every cell, read the case table, change the
// answer dropdown and read the table again. Prints one JSON document on stdout.
//
//   node tests/browser/explore_lab.mjs URL_OF_THE_NOTEBOOK
//
// The URL carries the server's token. JupyterLab is started by tests/test_explore_lab.py with
// expose_app_in_browser, so the script runs the cells with JupyterLab's own command.
// Exit status: 0 when the steps ran, 2 when the browser could not start, 1 on a usage error.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--mute-audio"];
const WAIT = 20000;

const url = process.argv[2];
if (!url) {
  process.stderr.write("usage: explore_lab.mjs URL\n");
  process.exit(1);
}

// The explorer's state as the reader sees it: the line above the table, its rows and its "Showing" line.
async function tableState(page) {
  return page.evaluate(() => {
    const summary = document.querySelector(".jp-OutputArea .widget-html-content");
    const table = window.explorerTable();
    const v1 = table ? table.headers.indexOf("V1") : -1;
    return {
      summary: summary ? summary.textContent.trim() : null,
      rows: table ? table.rows.length : 0,
      v1: v1 < 0 ? [] : table.rows.map((r) => (r.children[v1] ? r.children[v1].textContent.trim() : "")),
      headers: table ? table.headers : [],
    };
  });
}

// The explorer's table: the DataTable with a column per criterion (the areas table comes first). With
// horizontal scrolling DataTables draws its header and its body as two tables inside one container.
function defineExplorerTable() {
  window.explorerTable = () => {
    for (const box of document.querySelectorAll(".jp-OutputArea .dt-container")) {
      const head = box.querySelector(".dt-scroll-head thead") || box.querySelector("table thead");
      const headers = head ? Array.from(head.querySelectorAll("th")).map((th) => th.textContent.trim()) : [];
      if (!headers.includes("V1")) continue;
      const body = box.querySelector(".dt-scroll-body tbody") || box.querySelector("table tbody");
      const rows = body ? Array.from(body.querySelectorAll("tr")).filter((r) => !r.querySelector(".dt-empty")) : [];
      return { headers, rows };
    }
    return null;
  };
}

let browser;
const result = { steps: [] };
try {
  const { chromium } = require("playwright-core");
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: `Chromium did not start: ${err.message.split("\n")[0]}` }));
    process.exit(2);
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const outside = [];
  page.on("request", (req) => {
    const { protocol, hostname } = new URL(req.url());
    const local = ["data:", "blob:"].includes(protocol) || ["127.0.0.1", "localhost"].includes(hostname);
    if (!local) outside.push(req.url());
  });
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: WAIT });
  await page.waitForFunction(() => window.jupyterapp && document.querySelector(".jp-Notebook"), null, { timeout: WAIT });
  await page.waitForFunction(
    () => document.querySelector(".jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelName") !== null,
    null,
    { timeout: WAIT },
  );
  // Wait for the kernel to be idle, then run every cell.
  await page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget;
      return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
        && w.sessionContext.session.kernel.status === "idle";
    },
    null,
    { timeout: WAIT },
  );
  await page.evaluate(defineExplorerTable);
  await page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
  result.steps.push("ran every cell");
  await page.waitForFunction(
    () => {
      const t = window.explorerTable();
      return t !== null && t.rows.length > 0;
    },
    null,
    { timeout: WAIT },
  );
  result.before = await tableState(page);
  // The answer dropdown: an ipywidgets <select> whose label says "Answer".
  const answer = page.locator(".widget-dropdown", { has: page.locator("label", { hasText: /^Answer$/ }) }).locator("select");
  result.answerOptions = await answer.locator("option").allTextContents();
  await answer.selectOption({ label: "Yes" });
  result.steps.push("chose answer Yes");
  await page.waitForFunction(
    (before) => {
      const s = document.querySelector(".jp-OutputArea .widget-html-content");
      return s && s.textContent.trim() !== before;
    },
    result.before.summary,
    { timeout: WAIT },
  );
  await page.waitForFunction(
    () => {
      // The table redraws from the same change as the line above it: wait until its V1 column says Yes only.
      const t = window.explorerTable();
      if (!t) return false;
      const i = t.headers.indexOf("V1");
      const cells = t.rows.map((r) => r.children[i]?.textContent.trim());
      return i >= 0 && cells.length > 0 && cells.every((c) => c === "Yes");
    },
    null,
    { timeout: WAIT },
  );
  result.after = await tableState(page);
  result.outside = outside;
} catch (err) {
  result.error = err.message.split("\n").slice(0, 3).join(" ");
  if (process.env.EXPLORE_LAB_DEBUG && browser) {
    const [page] = browser.contexts()[0].pages();
    result.tables = await page.evaluate(() => Array.from(document.querySelectorAll(".jp-OutputArea table")).map((t) => ({
      cls: t.className, heads: Array.from(t.querySelectorAll("thead th")).slice(0, 12).map((h) => h.textContent.trim()),
      rows: t.querySelectorAll("tbody tr").length })));
    result.outputs = await page.evaluate(() => Array.from(document.querySelectorAll(".jp-OutputArea-output")).map((o) => o.className + " :: " + o.textContent.slice(0, 200)));
  }
} finally {
  if (browser) await browser.close();
}
process.stdout.write(JSON.stringify(result));

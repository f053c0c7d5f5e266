#!/usr/bin/env node
// Screenshots of the real sample reports for the user guide, taken in Debian's headless Chromium
// (driven by playwright-core, which never downloads a browser), offline: no page may ask another host.
//
//   node docs/screenshots.mjs REPORTS_DIR PUBLISHED_DIR OUT_DIR
//
// REPORTS_DIR is an `audit batch sample_data` output, PUBLISHED_DIR the same with --publish (or "-" for none).
// Writes OUT_DIR/<name>.png (one screen each, not the whole page, to keep them small) and prints the names
// written as JSON. Exit status: 0 when every screenshot was taken, 2 when the browser could not start or a
// page is missing, 1 on a usage error. `make docs` runs it; tests/test_docs.py checks it on the test run's batch.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const AREA = "amberlow-vale";
const PUBLISHED_AREA = "brackenholt-moor";

// name, page below its folder, viewport, the element scrolled to the top (null: the top of the page)
const SHOTS = [
  ["index", "reports", "index.html", { width: 1280, height: 760 }, null],
  ["report-top", "reports", `${AREA}/report.html`, { width: 1280, height: 900 }, null],
  ["report-findings", "reports", `${AREA}/report.html`, { width: 1280, height: 900 }, "#findings"],
  ["report-criteria", "reports", `${AREA}/report.html`, { width: 1280, height: 900 }, "#results-by-criterion"],
  ["report-phone", "reports", `${AREA}/report.html`, { width: 375, height: 740 }, null],
  ["national", "reports", "national/report.html", { width: 1280, height: 900 }, null],
  ["published-top", "published", `${PUBLISHED_AREA}/report.html`, { width: 1280, height: 900 }, null],
  ["published-criteria", "published", `${PUBLISHED_AREA}/report.html`, { width: 1280, height: 900 }, "#results-by-criterion"],
];

function fail(message, status) {
  process.stderr.write(`${message}\n`);
  process.exit(status);
}

async function main() {
  const [reports, published, out] = process.argv.slice(2);
  if (!reports || !published || !out) fail("usage: screenshots.mjs REPORTS_DIR PUBLISHED_DIR|- OUT_DIR", 1);
  const folders = { reports: resolve(reports), published: published === "-" ? null : resolve(published) };
  let chromium;
  try {
    ({ chromium } = require("playwright-core"));
  } catch (err) {
    fail(`playwright-core is not installed (make browser-deps): ${err.message}`, 2);
  }
  if (!existsSync(CHROMIUM)) fail(`no browser at ${CHROMIUM} (make system-deps)`, 2);
  mkdirSync(out, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "audit-docs-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    offline: true,
    locale: "en-GB",
    deviceScaleFactor: 1,
  }).catch((err) => fail(`chromium did not start: ${err.message.split("\n")[0]}`, 2));
  const written = [];
  try {
    for (const [name, folder, path, viewport, anchor] of SHOTS) {
      if (!folders[folder]) continue;
      const file = join(folders[folder], path);
      if (!existsSync(file)) fail(`no page ${file}: run audit batch first`, 2);
      const page = await browser.newPage();
      page.on("request", (request) => {
        const scheme = new URL(request.url()).protocol;
        if (!["file:", "data:", "about:", "blob:"].includes(scheme)) fail(`${path} asked another host`, 2);
      });
      await page.setViewportSize(viewport);
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      if (anchor) await page.locator(anchor).evaluate((el) => el.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
      await page.close();
      written.push(name);
    }
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ written })}\n`);
}

main().catch((err) => fail(String((err && err.stack) || err), 2));

// Fit (#23 §4): at 1366×768 and 1280×720, in Vietnamese and English, every screen scrolls in one
// place (the page never scrolls beside the visit's own panes), flags are not cut, the audit log's
// text does not wrap a word a line, the minutes panel leaves the table its room. Screenshots of
// each, named by size and language, land in target/e2e/fit-*.png to look at.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-fit-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

const sizes = [
  [1366, 768],
  [1280, 720],
];

describe("fit at laptop sizes", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);

  /** What does not fit on the screen as it is, one line each. */
  const misfits = () =>
    suite.browser.execute(() => {
      const found = [];
      const page = document.scrollingElement;
      if (page.scrollHeight > page.clientHeight + 1) found.push(`the page scrolls (${page.scrollHeight} > ${page.clientHeight})`);
      const main = document.querySelector("main");
      if (main.classList.contains("fill") && main.scrollHeight > main.clientHeight + 1) found.push(`the screen scrolls besides its panes (${main.scrollHeight} > ${main.clientHeight})`);
      for (const flag of document.querySelectorAll(".flag")) {
        const cell = flag.closest("td").getBoundingClientRect();
        const box = flag.getBoundingClientRect();
        if (box.right > cell.right + 1 || flag.scrollWidth > flag.clientWidth + 1) found.push(`flag cut: ${flag.textContent}`);
      }
      for (const cell of document.querySelectorAll("[data-fit-words] td, [data-fit-words] th")) {
        const style = getComputedStyle(cell);
        const lines = cell.getBoundingClientRect().height / parseFloat(style.lineHeight || "20");
        const words = cell.textContent.trim().split(/\s+/).length;
        if (words > 2 && lines >= words) found.push(`a word a line: ${cell.textContent.trim().slice(0, 40)}`);
      }
      for (const button of document.querySelectorAll("button")) {
        if (button.offsetParent && button.scrollWidth > button.clientWidth + 1) found.push(`button cut: ${button.textContent.trim()}`);
      }
      return found;
    });

  async function check(name) {
    await suite.browser.pause(250);
    const found = await misfits();
    await suite.browser.saveScreenshot(join(shotsDir, `fit-${name}.png`));
    return found.map((f) => `${name}: ${f}`);
  }

  it("fits every field screen at both sizes and in both languages", async () => {
    const all = [];
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    for (const [w, h] of sizes) {
      await suite.browser.setWindowSize(w, h);
      for (const lang of ["vi", "en"]) {
        const at = `${w}x${h}-${lang}`;
        if ((await suite.browser.execute(() => document.documentElement.lang)) !== lang) await el("lang-toggle").click();
        all.push(...(await check(`home-${at}`)));
        await el("campaign-card").click();
        await el("open-visit-XA001").waitForDisplayed({ timeout: 5000 });
        all.push(...(await check(`campaign-${at}`)));
        await el("open-visit-XA001").click();
        await el("tab-scores").waitForDisplayed({ timeout: 10000 });
        await el("filter").selectByAttribute("value", "flagged");
        all.push(...(await check(`visit-flagged-${at}`)));
        await el("filter").selectByAttribute("value", "all");
        await el("print-minutes").click();
        await el("minutes-panel").waitForDisplayed({ timeout: 5000 });
        all.push(...(await check(`visit-minutes-${at}`)));
        const table = await suite.browser.$(".table-wrap").getSize();
        if (table.height < 150) all.push(`visit-minutes-${at}: the minutes panel squeezes the table to ${table.height} px`);
        await suite.browser.keys(["Escape"]);
        await el("minutes-panel").waitForDisplayed({ reverse: true, timeout: 5000 });
        for (const tab of ["evidence", "photos", "ack", "audit"]) {
          await el(`tab-${tab}`).click();
          all.push(...(await check(`visit-${tab}-${at}`)));
        }
        await el("tab-scores").click();
        await suite.browser.$(".toolbar button").click();
        await el("open-export").waitForDisplayed({ timeout: 5000 });
        await el("open-export").click();
        all.push(...(await check(`export-${at}`)));
        await suite.browser.$(".toolbar button").click();
        await el("open-hq").waitForDisplayed({ timeout: 5000 });
        await el("open-hq").click();
        await el("hq-path").waitForDisplayed({ timeout: 5000 });
        all.push(...(await check(`hq-${at}`)));
        await suite.browser.$(".toolbar button").click();
        await suite.browser.$(".toolbar button").click();
        await el("key-status").waitForDisplayed({ timeout: 5000 });
        await el("key-status").click();
        await el("verify-path").waitForDisplayed({ timeout: 5000 });
        all.push(...(await check(`keys-${at}`)));
        await suite.browser.$(".toolbar button").click();
        await el("campaign-card").waitForDisplayed({ timeout: 5000 });
      }
    }
    assert.deepEqual(all, [], all.join("\n"));
  });
});

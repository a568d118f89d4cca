// Accessibility (#23): axe-core, injected into the real app's webview, finds no serious or
// critical violation on Home, a campaign, a visit (each tab, the minutes dialog), export, Keys
// and Tổng hợp.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { appForSuite, root, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const dataDir = tempDir("thamdinh-e2e-a11y-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

describe("accessibility", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);

  /** The serious and critical violations on the screen as it is, one line each. */
  async function violations(screen) {
    // The webview's CSP forbids eval; the driver's own script evaluation is not bound by it.
    if (!(await suite.browser.execute(() => Boolean(window.axe)))) await suite.browser.execute(`${axeSource}\nreturn true;`);
    const found = await suite.browser.executeAsync((done) => {
      window.axe
        .run(document, { resultTypes: ["violations"] })
        .then((r) =>
          done(
            r.violations
              .filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`),
          ),
        )
        .catch((e) => done([`axe failed: ${e}`]));
    });
    return found.map((v) => `${screen}: ${v}`);
  }

  it("finds no serious or critical violation on any screen", async () => {
    const all = [];
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    all.push(...(await violations("Home")));
    await el("campaign-card").click();
    await el("open-visit-XA001").waitForDisplayed({ timeout: 5000 });
    all.push(...(await violations("campaign")));
    await el("open-visit-XA001").click();
    await el("tab-scores").waitForDisplayed({ timeout: 10000 });
    for (const tab of ["scores", "evidence", "photos", "merge", "ack", "audit"]) {
      await el(`tab-${tab}`).click();
      await suite.browser.pause(300);
      all.push(...(await violations(`visit/${tab}`)));
    }
    await el("print-minutes").click();
    await el("minutes-preview").waitForDisplayed({ timeout: 20000 });
    all.push(...(await violations("minutes dialog")));
    await suite.browser.keys(["Escape"]);
    await el("minutes-panel").waitForDisplayed({ reverse: true, timeout: 5000 });
    await suite.browser.$(".toolbar button").click();
    await el("open-export").waitForDisplayed({ timeout: 5000 });
    await el("open-export").click();
    await suite.browser.pause(500);
    all.push(...(await violations("export")));
    await suite.browser.$(".toolbar button").click();
    await el("open-hq").waitForDisplayed({ timeout: 5000 });
    await el("open-hq").click();
    await el("hq-path").waitForDisplayed({ timeout: 5000 });
    all.push(...(await violations("Tổng hợp")));
    await suite.browser.$(".toolbar button").click();
    await suite.browser.$(".toolbar button").click();
    await el("key-status").waitForDisplayed({ timeout: 5000 });
    await el("key-status").click();
    await el("verify-path").waitForDisplayed({ timeout: 5000 });
    all.push(...(await violations("Keys")));
    assert.deepEqual(all, [], all.join("\n"));
  });
});

// Nobody edits anonymously (#23): on a laptop whose user never gave a name, the visit asks for it
// before the first edit — a typed score opens no editor and says why — and the audit log then
// carries that name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-who-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);
// The demo names its user; this laptop's user never did.
execFileSync("python3", [
  "-c",
  "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM setting WHERE key = 'user_name'\"); c.commit()",
  join(dataDir, "thamdinh.sqlite3"),
]);

describe("the name before the first edit", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);

  it("asks for the name, edits nothing until it is given, then logs the edit under it", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-XA001").click();
    await el("who-am-i").waitForDisplayed({ timeout: 10000 });
    // The name is asked at once; the table arrives beside it.
    let code = null;
    await suite.browser.waitUntil(
      async () =>
        (code = await suite.browser.execute(() => {
          const cell = [...document.querySelectorAll('[data-testid^="appraised-"]')].find((td) => td.textContent.trim() === "");
          return cell ? cell.dataset.testid.slice("appraised-".length) : null;
        })),
      { timeout: 10000, timeoutMsg: "an unscored leaf" },
    );
    const row = suite.browser.$(`tr[data-code="${code}"] td.code`);
    await row.scrollIntoView({ block: "center" });
    await row.click();
    await suite.browser.keys(["1"]);
    await el("field-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("field-error").getText(), /tên người dùng máy này/);
    assert.equal(await suite.browser.$$('[data-testid="cell-input"]').length, 0, "no editor opened");
    await suite.browser.saveScreenshot(join(shotsDir, "visit-who-am-i.png"));

    await el("who-am-i-name").setValue("Lê Văn Cường");
    await el("who-am-i-save").click();
    await el("who-am-i").waitForDisplayed({ reverse: true, timeout: 5000 });
    await row.click();
    await suite.browser.keys(["0"]);
    await suite.browser.keys(["Enter"]);
    await suite.browser.waitUntil(async () => (await el(`appraised-${code}`).getText()).trim() === "0", { timeout: 5000 });
    await el("tab-audit").click();
    await el("audit-table").waitForDisplayed({ timeout: 5000 });
    const last = await suite.browser.$('[data-testid="audit-table"] tbody tr:last-child').getText();
    assert.match(last, /Lê Văn Cường/, `the edit is logged under the name: ${last}`);
  });

  it("says N/A as one word and unticking it clears its reason", async () => {
    await el("tab-scores").click();
    const set = JSON.parse(readFileSync(join(root, "assets/criteria/xa-2025.json"), "utf8"));
    const leaves = [];
    (function walk(nodes) {
      for (const n of nodes) n.children ? walk(n.children) : leaves.push(n);
    })(set.areas);
    const leaf = leaves.find((l) => l.not_applicable?.allowed);
    await el("search").setValue(leaf.code);
    await suite.browser.$(`tr[data-code="${leaf.code}"] td.code`).click();
    assert.match(await suite.browser.$("label*=Không áp dụng (KAD)").getText(), /KAD/);
    if (await el("na-toggle").isSelected()) {
      await el("na-toggle").click();
      await suite.browser.waitUntil(async () => !(await el("na-toggle").isSelected()), { timeout: 5000 });
    }
    await el("na-toggle").click();
    await suite.browser.waitUntil(async () => (await el(`appraised-${leaf.code}`).getText()) === "KAD", { timeout: 5000 });
    await el("na-reason").setValue("Không phát sinh trong năm");
    await el("search").click(); // blur commits the reason
    await suite.browser.waitUntil(async () => (await el("na-reason").getValue()) === "Không phát sinh trong năm", { timeout: 5000 });
    await el("na-toggle").click();
    await suite.browser.waitUntil(async () => (await el(`appraised-${leaf.code}`).getText()) === "", { timeout: 5000 });
    await suite.browser.waitUntil(async () => (await el("na-reason").getValue()) === "", {
      timeout: 5000,
      timeoutMsg: "the N/A reason is cleared with the N/A",
    });
  });
});

// A campaign whose criteria set comes from Excel, end to end on the real app: a file that is no
// workbook shows its problem and saves nothing; the template of a built-in set (written by the
// CLI) reads, and the campaign is created with that set.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");

describe("criteria set from Excel", () => {
  const suite = appForSuite();
  const el = suite.el;

  it("shows a bad file's problems before anything is saved, then creates the campaign from a good one", async () => {
    const bad = join(suite.dataDir, "khong-phai-excel.xlsx");
    writeFileSync(bad, "đây không phải bảng tính");
    const good = join(suite.dataDir, "bo-tieu-chi.xlsx");
    execFileSync(cli, ["criteria", "export-xlsx", join(root, "assets/criteria/so-2025.json"), "--out", good]);

    await el("new-campaign").waitForDisplayed({ timeout: 15000 });
    await el("new-campaign").click();
    await el("campaign-name").setValue("CCHC 2025 — sở (Excel)");
    await el("set-from-excel").click();
    await el("xlsx-path").setValue(bad);
    await el("campaign-create").click();
    await el("xlsx-problems").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("xlsx-problems").getText(), /không đọc được bảng tính/);
    assert.equal(await el("no-campaigns").isDisplayed(), true, "nothing saved");
    await suite.browser.saveScreenshot(join(shotsDir, "criteria-xlsx-problems.png"));
    // In English the same problem reads in English only, worded from its key.
    await suite.browser.$('[data-testid="lang-toggle"]').click();
    await suite.browser.waitUntil(async () => /the spreadsheet cannot be read/.test(await el("xlsx-problems").getText()), {
      timeout: 5000,
    });
    assert.doesNotMatch(await el("xlsx-problems").getText(), /không đọc được/);
    await suite.browser.saveScreenshot(join(shotsDir, "criteria-xlsx-problems-en.png"));
    await suite.browser.$('[data-testid="lang-toggle"]').click();

    await el("xlsx-path").setValue(good);
    await el("xlsx-check").click();
    await el("xlsx-ok").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("xlsx-ok").getText(), /sở, ban, ngành/);
    await el("campaign-create").click();
    await el("open-export").waitForDisplayed({ timeout: 10000 });
    const list = JSON.parse(execFileSync(cli, ["--data-dir", suite.dataDir, "campaign", "list", "--json"], { encoding: "utf8" }));
    const made = list.find((c) => c.name === "CCHC 2025 — sở (Excel)");
    const builtin = execFileSync(cli, ["criteria", "validate", join(root, "assets/criteria/so-2025.json")], { encoding: "utf8" });
    assert.ok(builtin.includes(made.criteria_set_id), "the same set as the built-in one, by id");
  });
});

// What was entered by mistake can be corrected or taken back in the window (#23): an evidence
// item corrected then removed with its reason, a stray photo removed with its reason, a unit
// without work removed, a campaign archived (hidden) and shown again, then deleted after the
// confirmation says what goes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-remove-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

describe("correct or take back", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);

  it("corrects then removes an evidence item, each logged with its reason", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-XA001").click();
    await el("tab-evidence").waitForDisplayed({ timeout: 10000 });
    await el("tab-evidence").click();
    // A required field left empty is said beside it, in the UI's language (no browser bubble).
    const rowsBefore = (await suite.browser.$$('[data-testid="evidence-row"]')).length;
    await el("ev-add").click();
    const note = suite.browser.$('[data-testid="ev-summary"] + [data-field-note]');
    await note.waitForDisplayed({ timeout: 5000 });
    assert.equal(await note.getText(), "Hãy điền ô này.");
    assert.equal((await suite.browser.$$('[data-testid="evidence-row"]')).length, rowsBefore, "nothing added");
    await suite.browser.saveScreenshot(join(shotsDir, "field-required.png"));
    await el("ev-summary").setValue("x");
    await note.waitForDisplayed({ reverse: true, timeout: 5000 });
    await el("ev-summary").clearValue();
    const first = suite.browser.$('[data-testid="evidence-row"]');
    const number = await first.getAttribute("data-number");
    await first.$('[data-testid="ev-edit"]').click();
    assert.equal(await el("ev-number").getValue(), number, "the form holds the item");
    await el("ev-summary").setValue("Kế hoạch CCHC năm 2025 (đã sửa)");
    await el("ev-add").click();
    await suite.browser.waitUntil(async () => /đã sửa/.test(await el("evidence-table").getText()), { timeout: 5000 });
    const rows = async () => (await suite.browser.$$('[data-testid="evidence-row"]')).length;
    const before = await rows();
    await first.$('[data-testid="ev-remove"]').click();
    await first.$('[data-testid="ev-remove-reason"]').setValue("Nhập trùng");
    await suite.browser.saveScreenshot(join(shotsDir, "evidence-remove.png"));
    await first.$('[data-testid="ev-remove-confirm"]').click();
    await suite.browser.waitUntil(async () => (await rows()) === before - 1, { timeout: 5000 });
    await el("tab-audit").click();
    await el("audit-table").waitForDisplayed({ timeout: 5000 });
    const log = await el("audit-table").getText();
    assert.match(log, /sửa tài liệu kiểm chứng/);
    assert.match(log, /xóa tài liệu kiểm chứng[\s\S]*Nhập trùng/);
  });

  it("removes a stray photo with its reason", async () => {
    await el("tab-photos").click();
    await el("photo-path").setValue(join(root, "tests/e2e/fixtures/photos"));
    await el("photo-add").click();
    await el("photo-report").waitForDisplayed({ timeout: 30000 });
    const cards = async () => (await suite.browser.$$('[data-testid="photo-card"]')).length;
    await suite.browser.waitUntil(async () => (await cards()) > 0, { timeout: 10000 });
    const before = await cards();
    const card = suite.browser.$('[data-testid="photo-card"]');
    await card.$('[data-testid="photo-remove"]').click();
    await card.$('[data-testid="photo-remove-reason"]').setValue("Ảnh riêng tư, chụp nhầm");
    await card.$('[data-testid="photo-remove-confirm"]').click();
    await suite.browser.waitUntil(async () => (await cards()) === before - 1, { timeout: 5000 });
  });

  it("removes a unit without work, archives the campaign and deletes it after saying what goes", async () => {
    await suite.browser.$(".toolbar button").click(); // back to the campaign
    await el("remove-unit-XA002").waitForDisplayed({ timeout: 5000 });
    assert.equal(await el("remove-unit-XA001").isExisting(), false, "a unit with a visit offers no removal");
    await el("remove-unit-XA002").scrollIntoView({ block: "center" });
    await el("remove-unit-XA002").click();
    await el("remove-unit-XA002").waitForDisplayed({ reverse: true, timeout: 5000 });
    await suite.browser.$(".toolbar button").scrollIntoView();
    await suite.browser.$(".toolbar button").click(); // home
    await el("campaign-archive").waitForDisplayed({ timeout: 5000 });
    await el("campaign-archive").click();
    await el("campaign-card").waitForDisplayed({ reverse: true, timeout: 5000 });
    await el("show-archived").scrollIntoView({ block: "center" });
    await suite.browser.saveScreenshot(join(shotsDir, "campaign-archived.png"));
    await el("show-archived").click();
    await el("campaign-card").waitForDisplayed({ timeout: 5000 });
    await el("campaign-archive").click(); // shown again
    await el("campaign-delete").click();
    await el("campaign-delete-confirm").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("campaign-delete-confirm").getText(), /1 buổi thẩm định[\s\S]*không bị động đến/);
    await suite.browser.saveScreenshot(join(shotsDir, "campaign-delete.png"));
    await el("campaign-delete-yes").click();
    await el("no-campaigns").waitForDisplayed({ timeout: 5000 });
  });
});

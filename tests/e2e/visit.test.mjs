// Field appraisal end to end on the real app: create a campaign, a unit and a visit, score a dozen
// leaves by keyboard, mark one N/A, add an evidence item, check the exact totals and index shown,
// then restart the app on the same data and find everything still there.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root, shotsDir, startApp } from "./harness.mjs";

const set = JSON.parse(readFileSync(join(root, "assets/criteria/xa-2025.json"), "utf8"));
const leaves = [];
(function walk(nodes) {
  for (const n of nodes) n.children ? walk(n.children) : leaves.push(n);
})(set.areas);

// Exact decimal arithmetic in hundredths (the sets' step is 0,01).
const cents = (x) => Math.round(Number(x) * 100);
const vi = (c) => {
  const s = (c / 100).toFixed(2).replace(/\.?0+$/, "");
  return s.replace(".", ",");
};
const index = (points, max) => {
  const hundredths = (BigInt(points) * 10000n * 2n + BigInt(max)) / (2n * BigInt(max)); // half-up
  const s = hundredths.toString().padStart(3, "0");
  return `${s.slice(0, -2)},${s.slice(-2)}`;
};

const scored = leaves.slice(0, 12); // survey leaves among them take their survey points in the appraised column
const na = leaves.find((l) => l.not_applicable?.allowed && l.not_applicable.handling === "reduce_max" && !scored.includes(l));
const points = scored.reduce((s, l) => s + cents(l.max_points), 0);
const attainable = cents(100) - cents(na.max_points);
const expectedTotal = `Thẩm định: ${vi(points)} / ${vi(attainable)} điểm · Chỉ số ${index(points, attainable)} %`;

async function typeKeys(browser, text) {
  for (const ch of text) await browser.keys([ch]);
}

describe("field appraisal", () => {
  let app;
  let browser;
  let dataDir;

  before(async () => {
    app = await startApp();
    ({ browser, dataDir } = app);
  });

  after(async () => {
    await app?.stop();
  });

  it("creates a campaign, a unit and a visit", async () => {
    await browser.$('[data-testid="user-name"]').waitForDisplayed({ timeout: 15000 });
    await browser.$('[data-testid="user-name"]').setValue("Trần Thị Bình");
    await browser.$('[data-testid="new-campaign"]').click();
    await browser.$('[data-testid="campaign-name"]').setValue("Thẩm định CCHC 2025 — khối xã");
    await browser.$('[data-testid="campaign-set"]').selectByAttribute("value", "xa-2025");
    await browser.$('[data-testid="campaign-create"]').click();
    await browser.$('[data-testid="campaign-title"]').waitForDisplayed({ timeout: 5000 });
    await browser.$('[data-testid="unit-code"]').setValue("XA01");
    await browser.$('[data-testid="unit-name"]').setValue("Xã Thạch Lạc");
    // A latitude that is not a number is refused, not dropped.
    await browser.$('[data-testid="unit-latitude"]').setValue("abc");
    await browser.$('[data-testid="unit-add"]').click();
    await browser.$('[data-testid="campaign-error"]').waitForDisplayed({ timeout: 5000 });
    assert.match(await browser.$('[data-testid="campaign-error"]').getText(), /Vĩ độ: «abc» không phải là số/);
    assert.equal(await browser.$('[data-testid="start-visit-XA01"]').isExisting(), false, "no unit added");
    await browser.$('[data-testid="unit-latitude"]').setValue("18,3583");
    await browser.$('[data-testid="unit-longitude"]').setValue("105,8877");
    await browser.$('[data-testid="unit-add"]').click();
    await browser.$('[data-testid="start-visit-XA01"]').waitForDisplayed({ timeout: 5000 });
    // The same code again: refused by the core, in the UI's language, whichever it is now.
    await browser.$('[data-testid="unit-code"]').setValue("XA01");
    await browser.$('[data-testid="unit-name"]').setValue("Xã trùng mã");
    await browser.$('[data-testid="unit-add"]').click();
    const taken = browser.$('[data-testid="campaign-error"]');
    await browser.waitUntil(async () => /XA01 đã có/.test(await taken.getText()), { timeout: 5000 });
    assert.equal(await taken.getText(), "mã đơn vị XA01 đã có trong đợt thẩm định này");
    await browser.$('[data-testid="lang-toggle"]').click();
    await browser.waitUntil(async () => (await taken.getText()) === "unit code XA01 is already in this campaign", {
      timeout: 5000,
      timeoutMsg: `English words, got ${await taken.getText()}`,
    });
    await browser.$('[data-testid="lang-toggle"]').click();
    await browser.waitUntil(async () => /đã có trong đợt/.test(await taken.getText()), { timeout: 5000 });
    await browser.$('[data-testid="visit-date"]').setValue("20/11/2026");
    await browser.$('[data-testid="start-visit-XA01"]').click();
    await browser.$('[data-testid="visit-title"]').waitForDisplayed({ timeout: 5000 });
    assert.match(await browser.$('[data-testid="visit-title"]').getText(), /XA01 Xã Thạch Lạc · 20\/11\/2026/);
  });

  it("scores a dozen leaves by keyboard", async () => {
    // The first leaf is selected and focused; type its max, Enter moves to the next leaf.
    for (const leaf of scored) {
      assert.equal(await browser.$("tr.selected").getAttribute("data-code"), leaf.code);
      await typeKeys(browser, vi(cents(leaf.max_points)));
      await browser.keys(["Enter"]);
      await browser.waitUntil(async () => (await browser.$(`[data-testid="appraised-${leaf.code}"]`).getText()) === vi(cents(leaf.max_points)), {
        timeout: 5000,
        timeoutMsg: `appraised score of ${leaf.code} not shown`,
      });
    }
  });

  it("refuses a score above the max with a clear message and keeps the old value", async () => {
    const first = scored[0];
    await browser.$('[data-testid="search"]').setValue(first.code);
    await browser.$(`tr[data-code="${first.code}"] td.code`).click();
    await typeKeys(browser, "99");
    await browser.keys(["Enter"]);
    const error = await browser.$('[data-testid="field-error"]');
    await error.waitForDisplayed({ timeout: 5000 });
    assert.match(await error.getText(), new RegExp(`điểm phải từ 0 đến ${vi(cents(first.max_points))}`));
    await browser.keys(["Escape"]);
    assert.equal(await browser.$(`[data-testid="appraised-${first.code}"]`).getText(), vi(cents(first.max_points)));
  });

  it("never turns what was typed into another value: a minus sign or letters are refused", async () => {
    const first = scored[0];
    const max = vi(cents(first.max_points));
    for (const typed of ["-0,5", "abc"]) {
      await browser.$(`tr[data-code="${first.code}"] td.code`).click();
      await typeKeys(browser, typed);
      assert.equal(await browser.$('[data-testid="cell-input"]').getValue(), typed, "the editor holds exactly the keys typed");
      await browser.keys(["Enter"]);
      const error = await browser.$('[data-testid="field-error"]');
      await error.waitForDisplayed({ timeout: 5000 });
      assert.match(await error.getText(), typed === "abc" ? /không phải là số/ : new RegExp(`điểm phải từ 0 đến ${max}`));
      await browser.keys(["Escape"]);
      assert.equal(await browser.$(`[data-testid="appraised-${first.code}"]`).getText(), max, "the stored value is unchanged");
    }
    // With the UI in English, the core's refusal is worded in English (its key and parameters).
    await browser.$('[data-testid="lang-toggle"]').click();
    await browser.$(`tr[data-code="${first.code}"] td.code`).click();
    await typeKeys(browser, "-0,5");
    await browser.keys(["Enter"]);
    const english = browser.$('[data-testid="field-error"]');
    await english.waitForDisplayed({ timeout: 5000 });
    assert.match(await english.getText(), new RegExp(`^${first.code}: -0,5 — the score must be between 0 and ${max}$`));
    await browser.saveScreenshot(join(shotsDir, "visit-refused-en.png"));
    await browser.keys(["Escape"]);
    await browser.$('[data-testid="lang-toggle"]').click();
    // Esc cancelled the edit; more Esc never leaves the visit.
    await browser.keys(["Escape"]);
    await browser.keys(["Escape"]);
    assert.ok(await browser.$('[data-testid="visit-total-appraised"]').isDisplayed(), "still on the visit");
  });

  it("keeps what was typed when the person moves on without Enter, and says when it is not stored", async () => {
    const [a, b] = [scored[1], scored[2]];
    const max = vi(cents(a.max_points));
    const state = () => browser.$('[data-testid="save-state"]').getText();
    await browser.$('[data-testid="search"]').click();
    await browser.keys(["Escape"]); // Esc in the search box clears it
    await browser.waitUntil(async () => (await browser.$$("tr[data-code]")).length > 3, { timeout: 5000 });
    // Typed, then another row clicked: stored as a spreadsheet does, the header says so.
    await browser.$(`tr[data-code="${a.code}"] td.code`).click();
    await typeKeys(browser, "1");
    assert.equal(await state(), "Chưa lưu");
    await browser.$(`tr[data-code="${b.code}"] td.code`).click();
    await browser.waitUntil(async () => (await browser.$(`[data-testid="appraised-${a.code}"]`).getText()) === "1", {
      timeout: 5000,
      timeoutMsg: "the typed value was stored when the person clicked another row",
    });
    await browser.waitUntil(async () => (await state()) === "Đã lưu", { timeout: 5000 });
    // A value the leaf does not allow: the editor stays open with the message, nothing stored.
    await browser.$(`tr[data-code="${a.code}"] td.code`).click();
    await typeKeys(browser, "99");
    await browser.$(`tr[data-code="${b.code}"] td.code`).click();
    await browser.$('[data-testid="field-error"]').waitForDisplayed({ timeout: 5000 });
    assert.equal(await browser.$('[data-testid="cell-input"]').getValue(), "99", "the editor keeps what was typed");
    assert.equal(await state(), "Chưa lưu");
    await browser.saveScreenshot(join(shotsDir, "visit-pending-refused.png"));
    await browser.keys(["Escape"]);
    assert.equal(await browser.$(`[data-testid="appraised-${a.code}"]`).getText(), "1");
    // A leaf scored by tiers takes only its tiers: 0,33 is on the step, but no tier of 1,5 / 1 / 0,5 / 0.
    await browser.$(`tr[data-code="${a.code}"] td.code`).click();
    await typeKeys(browser, "0,33");
    await browser.keys(["Enter"]);
    await browser.waitUntil(async () => /chỉ nhận một trong các mức 1,5 \/ 1 \/ 0,5 \/ 0/.test(await browser.$('[data-testid="field-error"]').getText()), {
      timeout: 5000,
      timeoutMsg: "a value that is no tier is refused naming the tiers",
    });
    await browser.keys(["Escape"]);
    assert.equal(await browser.$(`[data-testid="appraised-${a.code}"]`).getText(), "1");
    // Another tab: stored first.
    await browser.$(`tr[data-code="${a.code}"] td.code`).click();
    await typeKeys(browser, "0,5");
    await browser.$('[data-testid="tab-evidence"]').click();
    await browser.$('[data-testid="tab-scores"]').click();
    await browser.waitUntil(async () => (await browser.$(`[data-testid="appraised-${a.code}"]`).getText()) === "0,5", { timeout: 5000 });
    // Quay lại: stored first, found again when the visit opens.
    await browser.$(`tr[data-code="${a.code}"] td.code`).click();
    await typeKeys(browser, max);
    await browser.$(".toolbar button").click();
    await browser.$('[data-testid="open-visit-XA01"]').waitForDisplayed({ timeout: 5000 });
    await browser.$('[data-testid="open-visit-XA01"]').click();
    await browser.$(`[data-testid="appraised-${a.code}"]`).waitForDisplayed({ timeout: 5000 });
    assert.equal(await browser.$(`[data-testid="appraised-${a.code}"]`).getText(), max);
    assert.equal(await state(), "Đã lưu");
  });

  it("marks one leaf not applicable", async () => {
    await browser.$('[data-testid="search"]').setValue(na.code);
    await browser.$(`tr[data-code="${na.code}"] td.code`).click();
    await browser.$('[data-testid="na-toggle"]').click();
    await browser.waitUntil(async () => (await browser.$(`[data-testid="appraised-${na.code}"]`).getText()) === "KAD", { timeout: 5000 });
    await browser.$('[data-testid="na-reason"]').setValue("Không phát sinh trong năm");
    await browser.$('[data-testid="search"]').click(); // blur commits the reason
    await browser.$('[data-testid="search"]').click();
    await browser.keys(["Escape"]); // Esc in the search box clears it
    assert.equal(await browser.$('[data-testid="search"]').getValue(), "");
  });

  it("adds an evidence item linked to a leaf", async () => {
    await browser.$('[data-testid="tab-evidence"]').click();
    await browser.$('[data-testid="ev-number"]').setValue("52/KH-UBND");
    await browser.$('[data-testid="ev-date"]').setValue("10/01/2025");
    await browser.$('[data-testid="ev-summary"]').setValue("Kế hoạch cải cách hành chính năm 2025");
    await browser.$('[data-testid="ev-leaves"]').setValue(scored[0].code);
    await browser.$('[data-testid="ev-add"]').click();
    await browser.waitUntil(async () => (await browser.$('[data-testid="evidence-table"]').getText()).includes("52/KH-UBND"), { timeout: 5000 });
    assert.match(await browser.$('[data-testid="evidence-table"]').getText(), /10\/01\/2025/);
    await browser.saveScreenshot(join(shotsDir, "visit-evidence.png"));
  });

  it("shows the exact totals and index", async () => {
    assert.equal(await browser.$('[data-testid="visit-total-appraised"]').getText(), expectedTotal);
    await browser.$('[data-testid="tab-evidence"]').click();
    await browser.$("button=Chấm điểm").click();
    await browser.$(`tr[data-code="${scored[0].code}"]`).waitForDisplayed({ timeout: 5000 });
    await browser.saveScreenshot(join(shotsDir, "visit-scored.png"));
  });

  it("finds everything again after a restart", async () => {
    await app.stop();
    app = await startApp({ dataDir });
    browser = app.browser;
    await browser.$('[data-testid="campaign-card"]').waitForDisplayed({ timeout: 15000 });
    await browser.$('[data-testid="campaign-card"]').click();
    await browser.$('[data-testid="open-visit-XA01"]').click();
    await browser.$('[data-testid="visit-total-appraised"]').waitForDisplayed({ timeout: 5000 });
    assert.equal(await browser.$('[data-testid="visit-total-appraised"]').getText(), expectedTotal);
    assert.match(await browser.$('[data-testid="tab-evidence"]').getText(), /\(1\)/);
    assert.equal(await browser.$(`[data-testid="appraised-${na.code}"]`).getText(), "KAD");
  });

  it("asks before a second visit of a unit, lists both, and deletes only an empty one", async () => {
    await browser.$(".toolbar button").click(); // back to the campaign
    const start = browser.$('[data-testid="start-visit-XA01"]');
    await start.waitForDisplayed({ timeout: 5000 });
    await start.click();
    const confirm = browser.$('[data-testid="confirm-visit-XA01"]');
    await confirm.waitForDisplayed({ timeout: 5000 });
    assert.match(await confirm.getText(), /vòng thẩm định thứ hai hoặc thẩm định lại/);
    assert.equal((await browser.$$('[data-testid="visit-of-XA01"]')).length, 1, "nothing created by the first click");
    await browser.$('[data-testid="confirm-visit-yes"]').click();
    await browser.$('[data-testid="visit-total-appraised"]').waitForDisplayed({ timeout: 5000 });
    await browser.$(".toolbar button").click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="visit-of-XA01"]')).length === 2, { timeout: 5000 });
    await browser.saveScreenshot(join(shotsDir, "campaign-two-visits.png"));
    // Only the new, empty visit can be deleted; the scored one has no delete button.
    assert.equal((await browser.$$('[data-testid="delete-visit-XA01"]')).length, 1);
    await browser.$('[data-testid="delete-visit-XA01"]').click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="visit-of-XA01"]')).length === 1, { timeout: 5000 });
    await browser.$('[data-testid="open-visit-XA01"]').click();
    await browser.$('[data-testid="visit-total-appraised"]').waitForDisplayed({ timeout: 5000 });
    assert.equal(await browser.$('[data-testid="visit-total-appraised"]').getText(), expectedTotal, "the scored visit is the one left");
  });
});

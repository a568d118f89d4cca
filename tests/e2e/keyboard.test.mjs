// Keyboard alone (#23 §4): on a first run Enter on Home starts the demo (the main action has the
// focus); the visit's tabs follow the WAI-ARIA pattern (←/→, Home/End, one tab in the Tab order);
// from a reason field Esc or ↓ returns to the table and stores what was typed; Tab never stops on
// the N/A reason of a leaf that cannot be N/A.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir } from "./harness.mjs";

const set = JSON.parse(readFileSync(join(root, "assets/criteria/xa-2025.json"), "utf8"));
const leaves = [];
(function walk(nodes) {
  for (const n of nodes) n.children ? walk(n.children) : leaves.push(n);
})(set.areas);
const naForbidden = leaves.find((l) => !l.not_applicable?.allowed && l.method === "tham_dinh");
const naAllowed = leaves.find((l) => l.not_applicable?.allowed);

describe("keyboard alone", () => {
  const suite = appForSuite();
  const el = (id) => suite.el(id);
  const focused = () => suite.browser.execute(() => document.activeElement?.dataset.testid ?? document.activeElement?.dataset.code ?? document.activeElement?.tagName);

  it("starts on a first run with Enter: the demo is the main action and has the focus", async () => {
    await el("use-demo").waitForDisplayed({ timeout: 15000 });
    await suite.browser.waitUntil(async () => (await focused()) === "use-demo", { timeout: 5000, timeoutMsg: "the demo button has the focus" });
    await suite.browser.keys(["Enter"]);
    await el("visit-title").waitForDisplayed({ timeout: 15000 });
  });

  it("moves among the visit's tabs with ←/→ and Home/End; only the open tab is in the Tab order", async () => {
    await el("tab-scores").click();
    await suite.browser.keys(["ArrowRight"]);
    await suite.browser.waitUntil(async () => (await el("tab-evidence").getAttribute("aria-selected")) === "true", { timeout: 5000, timeoutMsg: "→ opens the next tab" });
    assert.equal(await focused(), "tab-evidence");
    await el("evidence-form").waitForDisplayed({ timeout: 5000 });
    await suite.browser.keys(["End"]);
    await suite.browser.waitUntil(async () => (await el("tab-audit").getAttribute("aria-selected")) === "true", { timeout: 5000, timeoutMsg: "End opens the last tab" });
    await suite.browser.keys(["ArrowRight"]);
    await suite.browser.waitUntil(async () => (await el("tab-scores").getAttribute("aria-selected")) === "true", { timeout: 5000, timeoutMsg: "→ on the last wraps to the first" });
    await suite.browser.keys(["ArrowLeft"]);
    await suite.browser.waitUntil(async () => (await el("tab-audit").getAttribute("aria-selected")) === "true", { timeout: 5000, timeoutMsg: "← wraps back" });
    await suite.browser.keys(["Home"]);
    await suite.browser.waitUntil(async () => (await el("tab-scores").getAttribute("aria-selected")) === "true", { timeout: 5000 });
    const inTabOrder = await suite.browser.execute(() => [...document.querySelectorAll('[role="tab"]')].filter((t) => t.tabIndex === 0).map((t) => t.dataset.testid));
    assert.deepEqual(inTabOrder, ["tab-scores"]);
  });

  it("returns from a reason to the table with Esc or ↓, keeping what was typed", async () => {
    const row = suite.browser.$(`tr[data-code="${naForbidden.code}"] td.code`);
    await row.scrollIntoView({ block: "center" });
    await row.click();
    const reason = el("deduction-reason");
    await reason.click();
    await reason.setValue("Chưa ban hành kế hoạch đúng hạn");
    await suite.browser.keys(["Escape"]);
    await suite.browser.waitUntil(async () => (await focused()) === naForbidden.code, { timeout: 5000, timeoutMsg: "Esc returns to the leaf's row" });
    await suite.browser.waitUntil(async () => (await el("deduction-reason").getValue()) === "Chưa ban hành kế hoạch đúng hạn", { timeout: 5000 });
    await suite.browser.keys(["ArrowDown"]); // the table has the keys again: the next leaf
    const next = await focused();
    assert.notEqual(next, naForbidden.code, "↓ in the table moves to the next row");
    await suite.browser.keys(["ArrowUp"]);
    await reason.click();
    await suite.browser.keys(["End", " ", "(", "1", ")"]);
    await suite.browser.keys(["ArrowDown"]);
    await suite.browser.waitUntil(async () => (await focused()) === naForbidden.code, { timeout: 5000, timeoutMsg: "↓ on the last line returns to the row" });
    await suite.browser.waitUntil(async () => (await el("deduction-reason").getValue()) === "Chưa ban hành kế hoạch đúng hạn (1)", { timeout: 5000, timeoutMsg: "stored on leaving" });
    // Stored in the core, not only on screen: the leaf's history has it.
    await suite.browser.waitUntil(async () => (await suite.browser.$(".history").getText()).includes("(1)"), { timeout: 5000 });
  });

  it("never stops Tab on the N/A reason of a leaf that cannot be N/A", async () => {
    assert.equal(await el("na-reason").isExisting(), false, `${naForbidden.code} cannot be N/A: no N/A reason`);
    await el("deduction-reason").click();
    await suite.browser.keys(["Tab"]);
    assert.equal(await focused(), "explanation-request");
    const other = suite.browser.$(`tr[data-code="${naAllowed.code}"] td.code`);
    await other.scrollIntoView({ block: "center" });
    await other.click();
    await el("na-reason").waitForExist({ timeout: 5000 });
    await el("deduction-reason").click();
    await suite.browser.keys(["Tab"]);
    assert.equal(await focused(), "na-reason", "where N/A is allowed its reason follows");
    await suite.browser.saveScreenshot(join(shotsDir, "visit-keyboard.png"));
  });
});

// Undo and lock in the real app (issue: "undo (Ctrl+Z), lock/unlock … have no e2e test"): full
// points typed on the keyboard on an unscored leaf raise the total, Ctrl+Z puts value and total back; locking makes the visit
// read-only (typing changes nothing), unlocking asks for a reason (refused without one, in
// Vietnamese), and the audit log has the lock and the reasoned unlock.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-undo-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

describe("undo and lock", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);
  const total = async () => (await el("visit-total-appraised").getText()).trim();
  const clickRow = async (code) => {
    const row = suite.browser.$(`tr[data-code="${code}"] td.code`);
    await row.scrollIntoView({ block: "center" });
    await row.click();
  };
  const cellOf = async (code) => (await el(`appraised-${code}`).getText()).trim();

  it("undoes a typed score with Ctrl+Z, value and total", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-XA001").click();
    await el("detail-appraised").waitForDisplayed({ timeout: 10000 });
    // The first leaf row that has no appraised value yet.
    const code = await suite.browser.execute(() => {
      const cell = [...document.querySelectorAll('[data-testid^="appraised-"]')].find((td) => td.textContent.trim() === "");
      return cell ? cell.dataset.testid.slice("appraised-".length) : null;
    });
    assert.ok(code, "an unscored leaf");
    const max = (await suite.browser.$(`tr[data-code="${code}"] td.num`).getText()).trim();
    const before = await total();
    await clickRow(code);
    for (const ch of max) await suite.browser.keys([ch]);
    await el("cell-input").waitForDisplayed({ timeout: 5000 });
    await suite.browser.keys(["Enter"]);
    await suite.browser.waitUntil(async () => (await cellOf(code)) === max, { timeout: 5000, timeoutMsg: `${max} saved` });
    assert.notEqual(await total(), before, "full points on an unscored leaf raise the total");

    await clickRow(code);
    await suite.browser.keys(["Control", "z"]);
    await suite.browser.waitUntil(async () => (await cellOf(code)) === "", { timeout: 5000, timeoutMsg: "undone" });
    assert.equal(await total(), before, "the total is back");
  });

  it("locks read-only and unlocks only with a reason", async () => {
    // The demo visit is not complete: locking says what is missing and asks first.
    await el("lock").click();
    await el("lock-check").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("lock-check").getText(), /còn \d+ tiêu chí chưa chấm/);
    await el("lock-check").scrollIntoView({ block: "center" });
    await suite.browser.saveScreenshot(join(shotsDir, "visit-lock-incomplete.png"));
    await el("lock-cancel").click();
    await el("lock-check").waitForDisplayed({ reverse: true, timeout: 5000 });
    assert.equal(await el("locked-note").isExisting(), false, "not locked without a yes");
    await el("lock").click();
    await el("lock-anyway").click();
    await el("locked-note").waitForDisplayed({ timeout: 5000 });
    assert.equal(await el("undo").isEnabled(), false);
    assert.equal(await el("detail-appraised").isEnabled(), false);
    const lockedTotal = await total();
    await suite.browser.$("[data-testid^='appraised-']").click();
    await suite.browser.keys(["1"]);
    assert.equal(await el("cell-input").isExisting(), false, "no editor opens on a locked visit");
    await el("field-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("field-error").getText(), /đã chốt[\s\S]*Mở khóa/, "typing says it is locked and how to unlock");
    assert.equal(await total(), lockedTotal);
    await suite.browser.saveScreenshot(join(shotsDir, "visit-locked.png"));

    await el("unlock").click();
    await el("field-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("field-error").getText(), /lý do/);
    assert.equal(await el("locked-note").isDisplayed(), true, "still locked");

    await el("unlock-reason").setValue("Đơn vị bổ sung tài liệu kiểm chứng");
    await el("unlock").click();
    await el("locked-note").waitForDisplayed({ reverse: true, timeout: 5000 });
    assert.equal(await el("detail-appraised").isEnabled(), true);

    const visits = JSON.parse(execFileSync(cli, ["--data-dir", dataDir, "visit", "list", "--json"], { encoding: "utf8" }));
    const visitId = visits[0].visit?.id ?? visits[0].id;
    // The lock, the refused unlock (nothing recorded) and the reasoned unlock keep the chain whole.
    execFileSync(cli, ["--data-dir", dataDir, "visit", "verify-audit", "--visit", visitId]);
  });

  it("shows the audit log as people read it: Vietnamese actions, decimal commas, dd/mm/yyyy, short hashes", async () => {
    await el("tab-audit").click();
    await el("audit-table").waitForDisplayed({ timeout: 5000 });
    const cells = async (n) => {
      const out = [];
      for (const td of await suite.browser.$$(`[data-testid="audit-table"] tbody td:nth-child(${n})`)) out.push(await td.getText());
      return out;
    };
    const [whens, actions, values] = [await cells(2), await cells(4), await cells(6)];
    assert.match(actions.at(-1), /^mở khóa/, "the newest entry is the unlock, in Vietnamese");
    assert.match(values.at(-1), /Đơn vị bổ sung tài liệu kiểm chứng/, "with its reason");
    assert.ok(actions.includes("chốt"), `the lock is there: ${actions.join(" | ")}`);
    assert.ok(!actions.some((a) => /[a-z]+_[a-z]+|^(set|lock|unlock)\b/.test(a)), `no raw action names: ${actions.join(" | ")}`);
    assert.ok(whens.every((w) => /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/.test(w)), `dd/mm/yyyy hh:mm: ${whens.join(" | ")}`);
    const logged = values.join("\n");
    assert.ok(!/\d{4}-\d{2}-\d{2}/.test(logged), `no ISO date: ${logged}`);
    assert.ok(!/→ -?\d+\.\d/.test(logged), `decimal commas, never dots: ${logged}`);
    assert.ok(values.some((v) => /→ \d+,\d/.test(v)), "a decimal value is shown with a comma");
    const hash = suite.browser.$('[data-testid="audit-table"] tbody tr:last-child [data-testid="hash"]');
    assert.match(await hash.getText(), /^[0-9a-f]{10}…\s*chép$/, "the hash shortened, with a copy control");
    assert.match(await hash.$("span").getAttribute("title"), /^[0-9a-f]{64}$/, "the full hash on hover");
    await suite.browser.saveScreenshot(join(shotsDir, "audit-log.png"));
  });
});

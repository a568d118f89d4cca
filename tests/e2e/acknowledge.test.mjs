// The delegation's conclusions and the unit's acknowledgement end to end on the real app: on the
// demo visit the leader writes a shortcoming, the representative signs on the pad (pointer
// strokes), the app says it is a drawn signature and not a digital one, and the minutes the CLI
// prints from the same data show both.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, shotsDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");

describe("the unit's drawn acknowledgement", () => {
  const suite = appForSuite();
  const el = suite.el;

  it("is drawn on the pad, saved, and printed in the minutes as a drawn signature", async () => {
    await el("use-demo").waitForDisplayed({ timeout: 15000 });
    await el("use-demo").click();
    await el("tab-ack").waitForDisplayed({ timeout: 10000 });
    await el("tab-ack").click();
    await el("ack-pad").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("ack-note").getText(), /không phải chữ ký số/);
    // The participant named first on the visit is proposed as the representative.
    assert.equal(await el("ack-name").getValue(), "Phạm Văn Dũng");
    assert.equal(await el("ack-save").isEnabled(), false, "nothing drawn yet");
    // A stroke as a mouse or a finger makes it: pointer events on the pad.
    await suite.browser.execute(() => {
      const pad = document.querySelector('[data-testid="ack-pad"]');
      const r = pad.getBoundingClientRect();
      const at = (type, fx, fy) =>
        pad.dispatchEvent(
          new PointerEvent(type, { bubbles: true, pointerId: 1, clientX: r.left + fx * r.width, clientY: r.top + fy * r.height }),
        );
      at("pointerdown", 0.1, 0.6);
      for (let i = 1; i <= 30; i++) at("pointermove", 0.1 + i * 0.025, 0.6 - Math.sin(i / 3) * 0.3);
      at("pointerup", 0.85, 0.5);
    });
    await suite.browser.waitUntil(async () => el("ack-save").isEnabled(), { timeout: 5000 });
    await suite.browser.saveScreenshot(join(shotsDir, "acknowledge-drawn.png"));
    await el("ack-save").click();
    await el("ack-current").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("ack-current").getText(), /Phạm Văn Dũng, Chủ tịch UBND xã/);
    // The signature is shown back as saved; its SHA-256 short, whole on hover.
    await el("ack-saved-image").waitForDisplayed({ timeout: 5000 });
    const saved = await suite.browser.execute(() => {
      const img = document.querySelector('[data-testid="ack-saved-image"]');
      return { complete: img.complete, width: img.naturalWidth, height: img.naturalHeight };
    });
    assert.deepEqual(saved, { complete: true, width: 600, height: 180 }, "the drawn PNG comes back");
    const hash = await el("ack-current").$('[data-testid="hash"]');
    assert.match(await hash.getAttribute("data-value"), /^[0-9a-f]{64}$/);
    assert.match(await hash.getText(), /^[0-9a-f]{10}…/);
    await suite.browser.saveScreenshot(join(shotsDir, "acknowledge-saved.png"));

    // The delegation's conclusions on the same tab: a shortcoming tied to a criterion.
    await el("conclusion-kind").selectByAttribute("value", "shortcoming");
    await el("conclusion-text").setValue("Báo cáo CCHC quý gửi chậm");
    await el("conclusion-leaves").setValue("1.2.1");
    await el("conclusion-add").click();
    await el("conclusions-shortcoming").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("conclusions-shortcoming").getText(), /Báo cáo CCHC quý gửi chậm\s*\(1\.2\.1\)/);
    await el("conclusion-leaves").setValue("9.9.9");
    await el("conclusion-text").setValue("x");
    await el("conclusion-add").click();
    await el("conclusion-error").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("conclusion-error").getText(), /9\.9\.9/);
    await suite.browser.saveScreenshot(join(shotsDir, "conclusions.png"));

    // "In biên bản" first offers the photos to put in and shows the first page as the PDF will
    // have it (the save dialog itself is the system's).
    await el("print-minutes").click();
    await el("minutes-panel").waitForDisplayed({ timeout: 5000 });
    assert.equal(await el("minutes-save").isDisplayed(), true);
    await el("minutes-preview").waitForDisplayed({ timeout: 20000 });
    const drawn = await suite.browser.execute(() => {
      const img = document.querySelector('[data-testid="minutes-preview"]');
      return { complete: img.complete, width: img.naturalWidth, height: img.naturalHeight };
    });
    assert.ok(drawn.complete && drawn.width > 0, `the preview image loads: ${JSON.stringify(drawn)}`);
    assert.ok(Math.abs(drawn.height / drawn.width - Math.SQRT2) < 0.01, "an A4 page");
    await suite.browser.saveScreenshot(join(shotsDir, "minutes-preview.png"));
    // Every page can be read: paged through with the keys, zoomed.
    assert.match(await el("minutes-page").getText(), /^Trang 1\/\d+$/);
    const count = Number((await el("minutes-page").getText()).split("/")[1]);
    assert.ok(count >= 2, "the whole minutes, not only page 1");
    const shown = () => suite.browser.execute(() => document.querySelector('[data-testid="minutes-preview"]').getAttribute("src").length);
    const first = await shown();
    await suite.browser.keys(["ArrowRight"]);
    await suite.browser.waitUntil(async () => (await el("minutes-page").getText()) === `Trang 2/${count}`, { timeout: 5000 });
    assert.notEqual(await shown(), first, "page 2 is another image");
    const width = async () => (await el("minutes-preview").getSize()).width;
    const before = await width();
    await el("minutes-zoom-in").click();
    await suite.browser.waitUntil(async () => (await width()) > before * 1.3, { timeout: 5000, timeoutMsg: "zoom in enlarges the page" });
    assert.equal(await el("minutes-zoom").getText(), "150 %");
    await suite.browser.saveScreenshot(join(shotsDir, "minutes-page2-zoomed.png"));
    await suite.browser.keys(["Escape"]);
    await el("minutes-panel").waitForDisplayed({ reverse: true, timeout: 5000 });

    const visits = JSON.parse(execFileSync(cli, ["--data-dir", suite.dataDir, "visit", "list", "--json"], { encoding: "utf8" }));
    const visitId = visits[0].visit?.id ?? visits[0].id;
    const pdf = join(suite.dataDir, "bien-ban.pdf");
    execFileSync(cli, ["--data-dir", suite.dataDir, "report", "minutes", "--visit", visitId, "--out", pdf]);
    const text = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    assert.match(text, /Xác nhận của đơn vị/);
    assert.match(text, /không phải chữ ký số/);
    assert.match(text, /Phạm Văn Dũng/);
    assert.match(text, /Kết luận của Đoàn thẩm định/);
    assert.match(text, /Báo cáo CCHC quý gửi chậm/);
  });
});

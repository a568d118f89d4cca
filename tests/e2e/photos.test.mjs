// Photos end to end: open the demo visit, add a folder of photos (as a drop would), see the
// upright thumbnails sorted by capture time, the other-day flag, and the bad file reported alone.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, shotsDir, startApp, tempDir } from "./harness.mjs";

describe("photos as evidence", () => {
  let app;
  let browser;

  before(async () => {
    app = await startApp();
    browser = app.browser;
  });

  after(async () => {
    await app?.stop();
  });

  it("adds a folder of photos to the demo visit and shows them", async () => {
    await browser.$('[data-testid="use-demo"]').waitForDisplayed({ timeout: 15000 });
    await browser.$('[data-testid="use-demo"]').click();
    await browser.$('[data-testid="tab-photos"]').waitForDisplayed({ timeout: 10000 });
    await browser.$('[data-testid="tab-photos"]').click();
    await browser.$('[data-testid="photo-path"]').setValue(join(root, "tests/e2e/fixtures/photos"));
    await browser.$('[data-testid="photo-add"]').click();
    const report = await browser.$('[data-testid="photo-report"]');
    await report.waitForDisplayed({ timeout: 20000 });
    assert.match(await report.getText(), /^2 ảnh đã thêm/);
    assert.match(await browser.$('[data-testid="photo-failures"]').getText(), /broken\.jpg: ảnh hỏng/);
    assert.doesNotMatch(await browser.$('[data-testid="photo-failures"]').getText(), /\b(error|file|end of)\b/i, "no decoder English");
    // The same folder again: nothing added, and the report says they are already there.
    await browser.$('[data-testid="photo-add"]').click();
    await browser.waitUntil(async () => /^0 ảnh đã thêm · 2 ảnh đã có sẵn/.test(await report.getText()), { timeout: 20000 });
    const cards = await browser.$$(".photo-card");
    assert.equal(cards.length, 2);
    // Sorted by capture time: 10/01 (a day other than the visit, 15/01) before 15/01.
    assert.match(await cards[0].getText(), /10\/01\/2026 14:05 · 480×640/);
    assert.match(await cards[0].getText(), /Chụp khác ngày thẩm định/);
    assert.match(await cards[1].getText(), /15\/01\/2026 09:30 · 640×480/);
    assert.doesNotMatch(await cards[1].getText(), /khác ngày|Xa đơn vị/);
    // Thumbnails are loaded and upright (the rotated photo is taller than wide).
    await browser.waitUntil(async () => (await browser.$$(".photo-card img")).length === 2, { timeout: 5000 });
    const size = await browser.execute(() => [...document.querySelectorAll(".photo-card img")].map((i) => [i.naturalWidth, i.naturalHeight]));
    assert.deepEqual(size, [[240, 320], [320, 240]]);
    await browser.saveScreenshot(join(shotsDir, "photos.png"));
    // The preview closes with Esc, and Esc goes no further: the photos tab stays open.
    await browser.$(".photo-card button.thumb").click();
    await browser.$('[data-testid="photo-preview"]').waitForDisplayed({ timeout: 5000 });
    await browser.keys(["Escape"]);
    await browser.$('[data-testid="photo-preview"]').waitForDisplayed({ reverse: true, timeout: 5000 });
    assert.ok(await browser.$('[data-testid="photo-grid"]').isDisplayed(), "still on the visit's photos");
  });

  it("links a photo to an evidence item and to a leaf, which then shows it", async () => {
    // The demo visit has evidence items: link the second photo to the first of them.
    const select = (await browser.$$('[data-testid="photo-link-evidence"]'))[1];
    const options = await select.$$("option");
    const label = await options[1].getText();
    await select.scrollIntoView(); // below the fold in a 1280×720 window
    await select.selectByIndex(1);
    await browser.waitUntil(async () => (await browser.$$('[data-testid="photo-evidence"]')).length === 1, { timeout: 5000 });
    const chip = await browser.$('[data-testid="photo-evidence"]').getText();
    assert.ok(label.startsWith(chip.replace(/^TLKC: /, "").replace(/\s*×$/, "").trim()), `${chip} / ${label}`);
    // Select leaf 1.1.1 in the scoring table, link the photo to it, and see it in the leaf panel.
    await browser.$('[data-testid="tab-scores"]').click();
    await browser.$('tr[data-code="1.1.1"] td').click();
    await browser.$('[data-testid="tab-photos"]').click();
    await browser.waitUntil(async () => (await browser.$$(".photo-card")).length === 2, { timeout: 5000 });
    const firstCard = (await browser.$$(".photo-card"))[0];
    for (const b of await firstCard.$$("button.small")) {
      if (/1\.1\.1/.test(await b.getText())) await b.click();
    }
    await browser.waitUntil(async () => /1\.1\.1 ✓/.test(await (await browser.$$(".photo-card"))[0].getText()), { timeout: 5000 });
    await browser.$('[data-testid="tab-scores"]').click();
    await browser.$('tr[data-code="1.1.1"] td').click();
    const panel = await browser.$('[data-testid="leaf-photos"]');
    await panel.waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => (await panel.$$("img")).length === 1, { timeout: 5000 });
    await browser.saveScreenshot(join(shotsDir, "leaf-photos.png"));
  });

  it("flags a photo without a capture time for review", async () => {
    // A 1×1 PNG: no EXIF, so no capture time to check against the visit's day.
    const folder = join(tempDir("thamdinh-e2e-untimed-"), "anh");
    mkdirSync(folder);
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    writeFileSync(join(folder, "chup-man-hinh.png"), Buffer.from(png, "base64"));
    await browser.$('[data-testid="tab-photos"]').click();
    await browser.$('[data-testid="photo-path"]').setValue(folder);
    await browser.$('[data-testid="photo-add"]').click();
    await browser.waitUntil(async () => /^1 ảnh đã thêm/.test(await browser.$('[data-testid="photo-report"]').getText()), {
      timeout: 20000,
    });
    const flags = await browser.$$('[data-testid="photo-no-time"]');
    assert.equal(flags.length, 1, "exactly the untimed photo is flagged");
    assert.match(await flags[0].getText(), /Không có thời điểm chụp/);
  });

  it("offers the photos for the minutes by thumbnail, linked ones ticked, and previews the change", async () => {
    await browser.$('[data-testid="print-minutes"]').click();
    await browser.$('[data-testid="minutes-panel"]').waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(async () => (await browser.$$('[data-testid="minutes-photo"] img')).length === 3, {
      timeout: 10000,
      timeoutMsg: "one thumbnail per photo of the visit",
    });
    const ticked = async () => {
      const boxes = await browser.$$('[data-testid="minutes-photo"] input');
      let n = 0;
      for (const b of boxes) if (await b.isSelected()) n++;
      return n;
    };
    assert.equal(await ticked(), 2, "by default the photos linked to a criterion or a document");
    await browser.$('[data-testid="minutes-page"]').waitUntil(async function () {
      return /\/\d+$/.test(await this.getText());
    }, { timeout: 20000 });
    const pagesBefore = await browser.$('[data-testid="minutes-page"]').getText();
    const boxes = await browser.$$('[data-testid="minutes-photo"] input');
    for (const b of boxes) if (!(await b.isSelected())) await b.click();
    assert.equal(await ticked(), 3);
    await browser.waitUntil(async () => /\/\d+$/.test(await browser.$('[data-testid="minutes-page"]').getText()), { timeout: 20000 });
    await browser.saveScreenshot(join(shotsDir, "minutes-photos.png"));
    assert.match(pagesBefore, /^Trang 1\/\d+$/);
    await browser.keys(["Escape"]);
    await browser.$('[data-testid="minutes-panel"]').waitForDisplayed({ reverse: true, timeout: 5000 });
  });
});

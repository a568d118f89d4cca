// A visit's start fields belong to it (#23 §4): date, place and the unit's participants are
// corrected from the visit screen, each change in the audit log with who and why; a bad date is
// refused beside the form, nothing changed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-details-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

describe("visit details", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);

  it("corrects date, place and participants, audited", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-XA001").click();
    await el("visit-edit-details").waitForDisplayed({ timeout: 10000 });
    await el("visit-edit-details").click();
    assert.equal(await el("visit-details-date").getValue(), "15/01/2026");
    await el("visit-details-date").setValue("31/02/2026");
    await el("visit-details-save").click();
    await el("field-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("field-error").getText(), /31\/02\/2026/);
    await el("visit-details-date").setValue("16/01/2026");
    await el("visit-details-place").setValue("Phòng họp UBND xã");
    await el("visit-details-participants").setValue("Phạm Văn Dũng, Chủ tịch UBND xã");
    await suite.browser.keys(["Enter"]); // one person a line
    await el("visit-details-participants").addValue("Nguyễn Thị Hoa, Công chức Văn phòng");
    await el("visit-details-reason").setValue("ghi nhầm ngày và địa điểm");
    await suite.browser.saveScreenshot(join(shotsDir, "visit-details-form.png"));
    await el("visit-details-save").click();
    await el("visit-details").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("visit-title").getText(), /16\/01\/2026/);
    assert.match(await el("visit-details").getText(), /Phòng họp UBND xã · Thành phần đơn vị: Phạm Văn Dũng \(Chủ tịch UBND xã\), Nguyễn Thị Hoa \(Công chức Văn phòng\)/);
    await el("tab-audit").click();
    const log = await el("audit-table").getText();
    assert.match(log, /sửa thông tin buổi Ngày\s*15\/01\/2026 → 16\/01\/2026 \(ghi nhầm ngày và địa điểm\)/);
    assert.match(log, /sửa thông tin buổi Thành phần đơn vị[\s\S]*→ Phạm Văn Dũng \(Chủ tịch UBND xã\), Nguyễn Thị Hoa/);
    await suite.browser.saveScreenshot(join(shotsDir, "visit-details-audit.png"));
    // The CLI (same store) agrees, and the chain verifies.
    const list = execFileSync(cli, ["--data-dir", dataDir, "visit", "list"], { encoding: "utf8" });
    assert.match(list, /16\/01\/2026/);
  });
});

// A visit split across a delegation's laptops, end to end: two members (their own stores, the
// campaign from the leader's plan) export partial bundles with the CLI; in the real app the
// leader merges both into the visit, decides the one leaf they scored differently, the unit's
// representative draws their acknowledgement; the visit then exports as one ordinary bundle that
// a member co-signs, and verification lists both signers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, shotsDir, startApp, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const set = join(root, "src-tauri/crates/cli/tests/cmd/data/sample.json");
const pass = "mật khẩu đủ dài";
const run = (data, args) =>
  execFileSync(cli, ["--data-dir", data, ...args], { encoding: "utf8", env: { ...process.env, THAMDINH_PASSPHRASE: pass } }).trim();

describe("a visit split across members' laptops", () => {
  let app;
  let browser;
  let dataDir;
  let work;
  let parts;

  before(async () => {
    work = tempDir("thamdinh-team-");
    dataDir = join(work, "leader");
    const campaign = run(dataDir, ["campaign", "new", "--name", "CCHC 2025", "--year", "2025", "--province", "Hà Tĩnh", "--group", "Xã", "--set", set]);
    writeFileSync(join(work, "units.csv"), "code,name,type\nX1,Xã Thạch Lạc,xã\n");
    run(dataDir, ["unit", "import", "--campaign", campaign, join(work, "units.csv")]);
    run(dataDir, ["key", "new", "--out", join(work, "leader.key"), "--name", "Trưởng đoàn"]);
    run(dataDir, ["campaign", "plan-export", "--campaign", campaign, "--key", join(work, "leader.key"), "--out", join(work, "plan.zip")]);
    run(dataDir, ["visit", "new", "--campaign", campaign, "--unit", "X1", "--date", "14/10/2025"]);
    parts = [];
    for (const [name, areas, value] of [
      ["a", "1", "50"],
      ["b", "1,2", "45"],
    ]) {
      const data = join(work, name);
      run(data, ["campaign", "plan-import", join(work, "plan.zip")]);
      const visit = run(data, ["visit", "new", "--campaign", campaign, "--unit", "X1", "--date", "14/10/2025"]);
      run(data, ["visit", "set", "--visit", visit, "--code", "1.1.1", "--value", value]);
      run(data, ["visit", "set", "--visit", visit, "--code", "2.1", "--value", "20"]);
      run(data, ["key", "new", "--out", join(work, `${name}.key`), "--name", `Thành viên ${name.toUpperCase()}`]);
      const out = join(work, `${name}.zip`);
      run(data, ["bundle", "export", "--visit", visit, "--areas", areas, "--key", join(work, `${name}.key`), "--out", out]);
      parts.push(out);
    }
    app = await startApp({ dataDir });
    ({ browser } = app);
  });

  after(async () => {
    await app?.stop();
  });

  const el = (id) => browser.$(`[data-testid="${id}"]`);

  it("merges two partial bundles, decides the overlap, takes the acknowledgement", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-X1").waitForDisplayed({ timeout: 10000 });
    await el("open-visit-X1").click();
    await el("tab-merge").waitForDisplayed({ timeout: 10000 });
    await el("tab-merge").click();
    // One file per line (WebDriver types no newline in setValue: press Enter between).
    await el("merge-paths").setValue(parts[0]);
    await browser.keys(["Enter"]);
    await el("merge-paths").addValue(parts[1]);
    await el("merge-submit").click();
    await el("merge-outcomes").waitForDisplayed({ timeout: 15000 });
    const lines = await el("merge-outcomes").getText();
    assert.match(lines, /Thành viên A/);
    assert.match(lines, /Thành viên B/);
    await el("visit-conflicts").waitForDisplayed({ timeout: 5000 });
    // The criterion named, the two values as buttons that take them.
    assert.match(await el("visit-conflicts").getText(), /1\.1\.1 Tiêu chí thành phần 1\.1\.1\s*Lấy 50\s*Lấy 45 · Thành viên B/);
    await el("take-theirs-1.1.1").click();
    assert.equal(await el("resolve-value-1.1.1").getValue(), "45");
    await browser.saveScreenshot(join(shotsDir, "merge-conflict.png"));
    // Merging the same files again changes nothing.
    await el("merge-submit").click();
    await browser.waitUntil(async () => /trước đây/.test(await el("merge-outcomes").getText()), { timeout: 10000 });
    await el("resolve-value-1.1.1").setValue("47,5");
    await el("resolve-reason-1.1.1").setValue("đối chiếu biên bản kiểm tra");
    await el("resolve-1.1.1").click();
    await el("no-conflicts").waitForDisplayed({ timeout: 10000 });
    await browser.saveScreenshot(join(shotsDir, "merge-resolved.png"));

    await el("tab-ack").click();
    await el("ack-pad").waitForDisplayed({ timeout: 5000 });
    await el("ack-name").setValue("Phạm Văn Dũng");
    await el("ack-title").setValue("Chủ tịch UBND xã");
    await browser.execute(() => {
      const pad = document.querySelector('[data-testid="ack-pad"]');
      const r = pad.getBoundingClientRect();
      const at = (type, fx, fy) =>
        pad.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 1, clientX: r.left + fx * r.width, clientY: r.top + fy * r.height }));
      at("pointerdown", 0.15, 0.5);
      for (let i = 1; i <= 25; i++) at("pointermove", 0.15 + i * 0.03, 0.5 + Math.cos(i / 2) * 0.25);
      at("pointerup", 0.9, 0.5);
    });
    await browser.waitUntil(async () => el("ack-save").isEnabled(), { timeout: 5000 });
    await el("ack-save").click();
    await el("ack-current").waitForDisplayed({ timeout: 10000 });
  });

  it("exports one ordinary bundle that a member co-signs", async () => {
    const visit = JSON.parse(run(dataDir, ["visit", "list", "--json"]))[0].id;
    const shown = JSON.parse(run(dataDir, ["visit", "show", "--visit", visit, "--json"]));
    assert.equal(shown.appraised.total.points, "67.5", "47,5 decided + 20 from member B");
    const out = join(work, "visit.zip");
    run(dataDir, ["bundle", "export", "--visit", visit, "--key", join(work, "leader.key"), "--out", out]);
    run(join(work, "a"), ["bundle", "cosign", out, "--key", join(work, "a.key")]);
    const verified = JSON.parse(
      run(dataDir, ["bundle", "verify", out, "--trust", join(work, "leader.key.pub"), "--trust", join(work, "a.key.pub"), "--json"]),
    );
    assert.deepEqual(
      verified.signatures.map((s) => [s.name, s.leader, s.trusted]),
      [
        ["Trưởng đoàn", true, true],
        ["Thành viên A", false, true],
      ],
    );
  });
});

// Steps that were only in the CLI, now in the window (#23): Sở Nội vụ sends the campaign plan
// signed with its key (the fingerprint shown), a delegation opens it on a fresh laptop (the
// fingerprint to compare, or checked against the .pub), Sở Nội vụ sets the bands, publishes the
// signed results and anyone recomputes them: KHỚP.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const pass = "mật khẩu Sở Nội vụ";
const run = (dataDir, args) =>
  execFileSync(cli, ["--data-dir", dataDir, ...args], { encoding: "utf8", env: { ...process.env, THAMDINH_PASSPHRASE: pass } }).trim();

const work = tempDir("thamdinh-plan-");
const hqDir = join(work, "hq");
const set = join(root, "src-tauri/crates/cli/tests/cmd/data/sample.json");
const campaign = run(hqDir, ["campaign", "new", "--name", "CCHC 2025 — khối xã", "--year", "2025", "--province", "Hà Tĩnh", "--set", set]);
writeFileSync(join(work, "units.csv"), "code,name,type\nX1,Xã Thạch Lạc,xã\nX2,Xã Đồng Tiến,xã\n");
run(hqDir, ["unit", "import", "--campaign", campaign, join(work, "units.csv")]);
// Sở Nội vụ's key is this laptop's own signing key.
run(hqDir, ["key", "new", "--out", join(hqDir, "keys", "signing.key"), "--name", "Sở Nội vụ"]);
const hqPub = join(hqDir, "keys", "signing.key.pub");
const fingerprint = run(hqDir, ["key", "show", hqPub]).split("\n")[2];
const plan = join(work, "ke-hoach.zip");

describe("the plan out, the results published and recomputed, in the window", () => {
  const suite = appForSuite({ dataDir: hqDir });
  const el = (id) => suite.el(id);

  it("exports the plan signed with this laptop's key, showing its fingerprint", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("plan-export-panel").waitForDisplayed({ timeout: 5000 });
    await el("plan-export-panel").$("summary").click();
    await el("plan-out").setValue(plan);
    await el("plan-pass").setValue(pass);
    await el("plan-export").click();
    await el("plan-exported").waitForDisplayed({ timeout: 10000 });
    assert.ok((await el("plan-exported").getText()).includes(fingerprint), "the whole key's fingerprint");
    await suite.browser.saveScreenshot(join(shotsDir, "plan-exported.png"));
  });

  it("sets the bands, publishes the results and recomputes them: KHỚP", async () => {
    // A delegation opens the plan (CLI, its own laptop), scores X1, exports; Sở Nội vụ imports.
    const field = join(work, "field");
    const opened = run(field, ["campaign", "plan-import", plan, "--trust", hqPub]).split("\n");
    const fieldCampaign = opened.at(-1);
    const visit = run(field, ["visit", "new", "--campaign", fieldCampaign, "--unit", "X1", "--date", "14/10/2025"]);
    writeFileSync(join(work, "x1.csv"), "code,self,appraised,reason\n1.1.1,50,50\n1.1.2,2,2\n1.1.3,8,8\n2.1,20,18,chậm\n2.2,,20\n");
    run(field, ["visit", "score", "--visit", visit, join(work, "x1.csv")]);
    const key = join(work, "doan-1.key");
    run(field, ["key", "new", "--out", key, "--name", "Đoàn 1"]);
    const sources = join(work, "nguon");
    mkdirSync(sources);
    run(field, ["bundle", "export", "--visit", visit, "--key", key, "--out", join(sources, "x1.zip")]);
    run(hqDir, ["hq", "trust", "add", `${key}.pub`, "--name", "Đoàn 1", "--delegation", "Đoàn 1"]);
    await el("open-hq").click();
    await el("hq-path").waitForDisplayed({ timeout: 5000 });
    await el("hq-path").setValue(sources);
    await el("hq-import").click();
    await el("hq-outcomes").waitForDisplayed({ timeout: 20000 });

    await el("hq-bands").scrollIntoView({ block: "center" });
    await el("hq-bands").setValue("95=Xuất sắc, 0=Cần cố gắng");
    await el("hq-bands-save").click();
    await el("hq-bands-saved").waitForDisplayed({ timeout: 5000 });
    const out = join(work, "ket-qua-tinh.zip");
    await el("hq-publish-out").setValue(out);
    await el("hq-publish-pass").setValue(pass);
    await el("hq-publish").click();
    await el("hq-published").waitForDisplayed({ timeout: 20000 });
    await el("hq-recompute-results").setValue(out);
    await el("hq-recompute-bundles").setValue(sources);
    await el("hq-recompute-trust").setValue(hqPub);
    await el("hq-recompute").click();
    await el("hq-recomputed").waitForDisplayed({ timeout: 30000 });
    const said = await el("hq-recomputed").getText();
    assert.match(said, /KHỚP/);
    assert.ok(said.includes(fingerprint), said);
    await el("hq-recomputed").scrollIntoView({ block: "center" });
    await suite.browser.saveScreenshot(join(shotsDir, "hq-published-recomputed.png"));
    copyFileSync(plan, join(work, "ke-hoach-cho-doan-2.zip"));
  });
});

describe("a delegation opens the plan on a fresh laptop", () => {
  const suite = appForSuite({ dataDir: join(work, "fresh") });
  const el = (id) => suite.el(id);

  it("refuses a tampered plan in its own panel, worded in Vietnamese, and opens nothing", async () => {
    await el("plan-import-panel").waitForDisplayed({ timeout: 15000 });
    await el("plan-import-panel").$("summary").click();
    // A committed hostile plan: Payload-Oxum rewritten and signed again.
    await el("plan-path").setValue(join(root, "tests/signed-files/plan-oxum-mismatch.zip"));
    await el("plan-open").click();
    await el("plan-error").waitForDisplayed({ timeout: 10000 });
    const said = await el("plan-error").getText();
    assert.match(said, /kế hoạch không hợp lệ: Payload-Oxum không khớp nội dung — bag-info\.txt/, said);
    assert.ok(!said.includes("[oxum-mismatch]"), `no raw code on a Vietnamese screen: ${said}`);
    assert.equal(await el("campaign-card").isExisting(), false, "no campaign was opened");
    await suite.browser.saveScreenshot(join(shotsDir, "plan-refused.png"));
    await el("plan-import-panel").$("summary").click(); // closed again, as the next step expects
  });

  it("opens it, shows the Sở Nội vụ key's fingerprint to compare, and lists the campaign", async () => {
    await el("plan-import-panel").waitForDisplayed({ timeout: 15000 });
    await el("plan-import-panel").$("summary").click();
    await el("plan-path").setValue(join(work, "ke-hoach-cho-doan-2.zip"));
    await el("plan-open").click();
    await el("plan-opened").waitForDisplayed({ timeout: 10000 });
    const said = await el("plan-opened").getText();
    assert.ok(said.includes(fingerprint), said);
    assert.match(said, /đối chiếu dấu vân tay/);
    await el("campaign-card").waitForDisplayed({ timeout: 5000 });
    await suite.browser.saveScreenshot(join(shotsDir, "plan-opened.png"));
  });
});

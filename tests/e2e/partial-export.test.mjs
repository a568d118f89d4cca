// A member's partial bundle of their areas, from the window (#23; it was CLI only): the member's
// laptop opened the leader's plan, scored its areas; the export screen signs only those areas,
// and the leader's CLI merge takes it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const set = join(root, "src-tauri/crates/cli/tests/cmd/data/sample.json");
const pass = "mật khẩu đủ dài";
const run = (data, args) =>
  execFileSync(cli, ["--data-dir", data, ...args], { encoding: "utf8", env: { ...process.env, THAMDINH_PASSPHRASE: pass } }).trim();

const work = tempDir("thamdinh-partial-");
const leader = join(work, "leader");
const campaign = run(leader, ["campaign", "new", "--name", "CCHC 2025", "--year", "2025", "--province", "Hà Tĩnh", "--set", set]);
writeFileSync(join(work, "units.csv"), "code,name,type\nX1,Xã Thạch Lạc,xã\n");
run(leader, ["unit", "import", "--campaign", campaign, join(work, "units.csv")]);
run(leader, ["key", "new", "--out", join(work, "leader.key"), "--name", "Trưởng đoàn"]);
run(leader, ["campaign", "plan-export", "--campaign", campaign, "--key", join(work, "leader.key"), "--out", join(work, "plan.zip")]);
const leaderVisit = run(leader, ["visit", "new", "--campaign", campaign, "--unit", "X1", "--date", "14/10/2025"]);
const member = join(work, "member");
run(member, ["campaign", "plan-import", join(work, "plan.zip")]);
const visit = run(member, ["visit", "new", "--campaign", campaign, "--unit", "X1", "--date", "14/10/2025"]);
run(member, ["visit", "set", "--visit", visit, "--code", "1.1.1", "--value", "45"]);
run(member, ["key", "new", "--out", join(member, "keys", "signing.key"), "--name", "Thành viên A"]);

describe("a member's partial bundle from the export screen", () => {
  const suite = appForSuite({ dataDir: member });
  const el = (id) => suite.el(id);

  it("signs only the member's area, and the leader merges it", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-export").waitForDisplayed({ timeout: 5000 });
    await el("open-export").click();
    await el("export-passphrase").waitForDisplayed({ timeout: 5000 });
    await el("export-areas").setValue("1");
    const out = join(work, "phan-viec-A.zip");
    await el("export-out").setValue(out);
    if (await el("export-confirm-incomplete").isExisting()) await el("export-confirm-incomplete").click();
    await el("export-passphrase").setValue(pass);
    await el("export-submit").click();
    await el("export-done").waitForDisplayed({ timeout: 20000 });
    await suite.browser.saveScreenshot(join(shotsDir, "export-partial.png"));
    // The leader's laptop takes it as a member's part: the value arrives in the visit.
    const merged = run(leader, ["visit", "merge-partial", "--visit", leaderVisit, out]);
    assert.doesNotMatch(merged, /từ chối/, merged);
    const shown = JSON.parse(run(leader, ["visit", "show", "--visit", leaderVisit, "--json"]));
    assert.equal(shown.appraised.total.points, "45", "the member's 45 on 1.1.1 arrived");
  });
});

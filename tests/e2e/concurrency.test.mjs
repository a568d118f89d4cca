// The app and the CLI on one data folder at once (issue: "the CLI and the app … edits, exports
// interleaved; no lost edit, distinct revisions, each bundle a consistent snapshot"): while scores
// are typed in the app, CLI processes score other leaves and export the visit twice. Afterwards
// every edit of both is stored, the audit chain is whole, the two bundles carry distinct
// revisions and each verifies (its figures replay from its own audit log).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { appForSuite, root, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const pass = "mật khẩu của đoàn số 1";
const dataDir = tempDir("thamdinh-e2e-concurrency-");
const env = { ...process.env, THAMDINH_PASSPHRASE: pass };
const thamdinh = (args) => execFileSync(cli, ["--data-dir", dataDir, ...args], { encoding: "utf8", env }).trim();
const visitId = thamdinh(["demo"]).split("\n").pop().trim();
const key = join(dataDir, "doan1.key");
thamdinh(["key", "new", "--out", key, "--name", "Nguyễn Văn An"]);

/** The appraised values as stored, read with Python's sqlite3 (no sqlite3 shell on a fresh machine). */
function appraisedValues() {
  const script = "import json, sqlite3, sys\nrows = sqlite3.connect(sys.argv[1]).execute(\"SELECT code, value FROM leaf_value WHERE field = 'appraised'\")\nprint(json.dumps(dict(rows.fetchall())))";
  return JSON.parse(execFileSync("python3", ["-c", script, join(dataDir, "thamdinh.sqlite3")], { encoding: "utf8" }));
}

/** Runs the CLI without blocking this process (the app is driven meanwhile). */
function thamdinhAsync(args) {
  return new Promise((ok, fail) => {
    const child = spawn(cli, ["--data-dir", dataDir, ...args], { env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? ok(out) : fail(new Error(`${args.join(" ")}: ${err}`))));
  });
}

describe("the app and the CLI on one data folder", () => {
  const s = appForSuite({ dataDir });
  const el = (id) => s.el(id);

  it("loses no edit of either, and the exports taken meanwhile are distinct, consistent snapshots", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-visit-XA001").click();
    await el("detail-appraised").waitForDisplayed({ timeout: 10000 });
    const unscored = await s.browser.execute(() =>
      [...document.querySelectorAll('[data-testid^="appraised-"]')]
        .filter((td) => td.textContent.trim() === "")
        .map((td) => [td.dataset.testid.slice("appraised-".length), td.closest("tr").querySelector("td.num").textContent.trim()]),
    );
    assert.ok(unscored.length >= 10, `enough unscored leaves: ${unscored.length}`);
    const inApp = unscored.slice(0, 4);
    const inCli = unscored.slice(4, 10).map(([code]) => code);

    // The CLI's writers: one edit per process, and two exports, all started now.
    const cliWork = (async () => {
      const exports = [];
      for (const [i, code] of inCli.entries()) {
        await thamdinhAsync(["visit", "set", "--visit", visitId, "--code", code, "--field", "appraised", "--value", "0"]);
        if (i === 1 || i === 4) {
          const out = join(dataDir, `ket-qua-${i}.zip`);
          await thamdinhAsync(["bundle", "export", "--visit", visitId, "--key", key, "--out", out]);
          exports.push(out);
        }
      }
      return exports;
    })();

    for (const [code, max] of inApp) {
      const row = s.browser.$(`tr[data-code="${code}"] td.code`);
      await row.scrollIntoView({ block: "center" });
      await row.click();
      for (const ch of max) await s.browser.keys([ch]);
      await el("cell-input").waitForDisplayed({ timeout: 5000 });
      await s.browser.keys(["Enter"]);
      await s.browser.waitUntil(async () => (await el(`appraised-${code}`).getText()).trim() === max, { timeout: 15000, timeoutMsg: `${code} saved in the app` });
    }
    const exports = await cliWork;

    const values = appraisedValues();
    for (const [code, max] of inApp) assert.equal(values[code]?.replace(".", ","), max, `${code} typed in the app is stored`);
    for (const code of inCli) assert.equal(values[code], "0", `${code} set by the CLI is stored`);
    assert.match(thamdinh(["visit", "verify-audit", "--visit", visitId]), /^OK/);

    const revisions = exports.map((file) => {
      // A bundle that does not verify (figures not following from its own log) exits non-zero.
      return JSON.parse(thamdinh(["bundle", "verify", file, "--trust", `${key}.pub`, "--json"])).revision;
    });
    assert.equal(new Set(revisions).size, revisions.length, `distinct revisions: ${revisions}`);
  });
});

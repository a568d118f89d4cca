// The webview can write the trust list and the user's name only through the typed commands, which
// check what they are given in the core: no generic setter is reachable, and what the typed
// commands refuse leaves the store as it was (checked from outside, with the CLI and SQLite).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");

/** Calls a backend command from inside the page, as any script in the webview could. */
async function invoke(browser, command, args) {
  const text = await browser.executeAsync(
    async (command, args, done) => {
      try {
        done(JSON.stringify({ ok: true, value: await window.__TAURI_INTERNALS__.invoke(command, args) }));
      } catch (error) {
        done(JSON.stringify({ ok: false, error: typeof error === "string" ? { message: error } : error }));
      }
    },
    command,
    args,
  );
  return JSON.parse(text);
}

/** A setting as stored, read with Python's sqlite3 (no sqlite3 shell on a fresh machine). */
function setting(dataDir, key) {
  const script = "import sqlite3, sys\nr = sqlite3.connect(sys.argv[1]).execute('SELECT value FROM setting WHERE key = ?', (sys.argv[2],)).fetchone()\nprint(r[0] if r else '')";
  return execFileSync("python3", ["-c", script, join(dataDir, "thamdinh.sqlite3"), key], { encoding: "utf8" }).trim();
}

describe("the command surface the webview reaches", () => {
  const s = appForSuite();

  it("has no generic setter: the trust list and the user's name cannot be written through one", async () => {
    for (const [key, value] of [
      ["trusted_keys", '[{"key_id":"0000000000000000","public_key":"forged"}]'],
      ["user_name", "Người mạo danh"],
    ]) {
      const r = await invoke(s.browser, "set_setting", { key, value });
      assert.equal(r.ok, false, `set_setting(${key}) was accepted`);
    }
    assert.equal(setting(s.dataDir, "trusted_keys"), "");
    assert.notEqual(setting(s.dataDir, "user_name"), "Người mạo danh");
    const trusted = JSON.parse(execFileSync(cli, ["--data-dir", s.dataDir, "hq", "trust", "list", "--json"], { encoding: "utf8" }));
    assert.deepEqual(trusted, []);
  });

  it("refuses a trusted key that is not a public key, saying why, and trusts nothing", async () => {
    const notAKey = join(s.dataDir, "not-a-key.pub");
    writeFileSync(notAKey, "untrusted comment: minisign public key: 0000\nnot base64 at all\n");
    const r = await invoke(s.browser, "add_trusted_key", { path: notAKey, label: "Đoàn 9" });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "invalid");
    assert.equal(r.error.fault, false, "a bad file a person chose is their mistake, not a fault");
    const missing = await invoke(s.browser, "add_trusted_key", { path: join(s.dataDir, "none.pub"), label: "" });
    assert.equal(missing.ok, false);
    assert.match(missing.error.message, /không có tệp hay thư mục này/);
    const trusted = JSON.parse(execFileSync(cli, ["--data-dir", s.dataDir, "hq", "trust", "list", "--json"], { encoding: "utf8" }));
    assert.deepEqual(trusted, []);
  });

  it("sets the user's name only through its command, one line and bounded", async () => {
    assert.equal((await invoke(s.browser, "set_user_name", { name: "Trần Thị Bình" })).ok, true);
    assert.equal(setting(s.dataDir, "user_name"), "Trần Thị Bình");
    const long = await invoke(s.browser, "set_user_name", { name: "x".repeat(500) });
    assert.equal(long.ok, false);
    assert.equal(setting(s.dataDir, "user_name"), "Trần Thị Bình");
  });
});

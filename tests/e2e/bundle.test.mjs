// Signed result bundles end to end on the real app: create this laptop's signing key, save the
// .pub, export the demo visit (wrong passphrase first), check the file with the CLI and in the app,
// then trust another delegation's key and see a tampered bundle refused with the entry named.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { root, shotsDir, startApp, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const fixtures = join(root, "tests/bundles");
// "Mở thư mục" runs this instead of the file manager: it writes down the folder it was given.
const openerDir = tempDir("thamdinh-e2e-opener-");
const openerLog = join(openerDir, "opened.txt");
const opener = join(openerDir, "opener.sh");
writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$1" > '${openerLog}'\n`);
chmodSync(opener, 0o755);

describe("signed result bundles", () => {
  let app;
  let browser;
  let dataDir;
  let bundleFile;
  let pubFile;
  let exportedFiles;

  before(async () => {
    app = await startApp({ env: { THAMDINH_OPENER: opener } });
    ({ browser, dataDir } = app);
  });

  after(async () => {
    await app?.stop();
  });

  const el = (id) => browser.$(`[data-testid="${id}"]`);

  it("asks for a signing key before export, then creates one", async () => {
    await el("use-demo").waitForDisplayed({ timeout: 15000 });
    await el("use-demo").click();
    await browser.$(".toolbar button").waitForDisplayed({ timeout: 10000 });
    await browser.$(".toolbar button").click(); // back to the campaign
    await el("open-export").waitForDisplayed({ timeout: 5000 });
    await el("open-export").click();
    await el("export-need-key").waitForDisplayed({ timeout: 5000 });
    await el("export-need-key").$("button").click();
    await el("key-pass1").waitForDisplayed({ timeout: 5000 });
    // A short passphrase is refused, saying what is needed.
    await el("key-pass1").setValue("123");
    await el("key-pass2").setValue("123");
    await el("key-create").click();
    await el("keys-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("keys-error").getText(), /ít nhất 10 ký tự/);
    assert.equal(await el("key-id").isExisting(), false, "no key made");
    await el("key-pass1").setValue("mật khẩu đoàn 1");
    await el("key-pass2").setValue("mật khẩu khác");
    await el("key-create").click();
    await el("keys-error").waitForDisplayed({ timeout: 5000 });
    assert.match(await el("keys-error").getText(), /không khớp/);
    await el("key-pass2").setValue("mật khẩu đoàn 1");
    await el("key-create").click();
    await el("key-id").waitForDisplayed({ timeout: 10000 });
    const keyId = await el("key-id").getText();
    assert.match(keyId, /^[0-9A-F]{16}$/);
    pubFile = await el("pub-path").getValue();
    assert.ok(pubFile.startsWith(join(dataDir, "exports")), pubFile);
    await el("pub-save").click();
    await el("pub-saved").waitForDisplayed({ timeout: 5000 });
    assert.match(readFileSync(pubFile, "utf8"), new RegExp(`^untrusted comment: minisign public key: ${keyId}\n`));
    await browser.saveScreenshot(join(shotsDir, "keys.png"));
  });

  it("exports the demo visit signed: wrong passphrase refused, then a verified file", async () => {
    // Made from the export, the key leads back to the export.
    await el("key-back-to-export").click();
    await el("export-passphrase").waitForDisplayed({ timeout: 5000 });
    assert.equal(await el("export-pick-XA001").isSelected(), true);
    await browser.waitUntil(async () => (await el("export-out").getValue()).endsWith(".zip"), { timeout: 5000 });
    bundleFile = await el("export-out").getValue();
    assert.match(bundleFile, /ket-qua-XA001-2026-01-15\.zip$/);
    // The demo visit is incomplete: signing asks first, with what is missing.
    assert.match(await el("export-incomplete").getText(), /\d+ tiêu chí chưa chấm/);
    assert.equal(await el("export-submit").isEnabled(), false);
    await el("export-confirm-incomplete").click();
    await el("export-passphrase").setValue("sai rồi");
    await el("export-submit").click();
    await el("export-error").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("export-error").getText(), /sai mật khẩu/i);
    // Said at the passphrase field, which is selected for the next try.
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="export-error"]').closest("label")?.querySelector("input")?.dataset.testid), "export-passphrase");
    assert.equal(await browser.execute(() => document.activeElement?.dataset.testid), "export-passphrase");
    assert.equal(existsSync(bundleFile), false);
    await el("export-passphrase").setValue("mật khẩu đoàn 1");
    await el("export-submit").click();
    await el("export-done").waitForDisplayed({ timeout: 20000 });
    assert.equal(await el("export-file").getText(), bundleFile);
    assert.equal(await el("export-revision").getText(), "1");
    exportedFiles = await el("export-files").getText();
    // Done: what was written, and no signing form re-armed above it; the folder opens.
    assert.equal(await el("export-form").isExisting(), false, "no re-armed Ký và xuất");
    await el("export-open-folder").click();
    await el("export-opened").waitForDisplayed({ timeout: 5000 });
    await browser.waitUntil(() => existsSync(openerLog), { timeout: 5000, timeoutMsg: "the file manager was asked to open the folder" });
    assert.equal(readFileSync(openerLog, "utf8").trim(), dirname(bundleFile));
    await browser.saveScreenshot(join(shotsDir, "export.png"));
    // A corrected revision is a deliberate second step, with the next file name.
    await el("export-again").click();
    await el("export-form").waitForDisplayed({ timeout: 5000 });
    // The CLI (same core, other process) agrees the file is valid and signed by this key.
    const out = execFileSync(cli, ["bundle", "verify", bundleFile, "--trust", pubFile, "--json"], { encoding: "utf8" });
    assert.equal(JSON.parse(out).revision, 1);
  });

  it("checks bundles in the app: own bundle valid, a stranger's refused until trusted, tampering named", async () => {
    await browser.$(".toolbar button").click(); // campaign
    await browser.$(".toolbar button").waitForDisplayed({ timeout: 5000 });
    await browser.$(".toolbar button").click(); // home
    await el("key-status").waitForDisplayed({ timeout: 5000 });
    await el("key-status").click();
    await el("verify-path").waitForDisplayed({ timeout: 5000 });
    await el("verify-path").setValue(bundleFile);
    await el("verify-submit").click();
    await el("verify-valid").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("verify-valid").getText(), /Đoàn thẩm định số 1/);
    // One file, one size: the export and the check of the same bundle say the same.
    assert.equal(await el("verify-files").getText(), exportedFiles);

    // Whole, but signed by a key not trusted yet: said so — not "invalid" — with the signer and
    // the way to trust it.
    await el("verify-path").setValue(join(fixtures, "valid.zip"));
    await el("verify-submit").click();
    await el("verify-untrusted").waitForDisplayed({ timeout: 10000 });
    const untrusted = await el("verify-untrusted").getText();
    assert.match(untrusted, /nguyên vẹn[\s\S]*chưa có trong danh sách tin cậy/);
    assert.match(untrusted, /[0-9A-F]{16}/, "the signer's key id");
    await el("trust-signer").click();
    assert.notEqual(await el("trust-label").getValue(), "", "the trust form is named after the signer");
    await browser.saveScreenshot(join(shotsDir, "verify-untrusted.png"));
    // A damaged bundle is said damaged whoever signed it.
    await el("verify-path").setValue(join(fixtures, "hash-mismatch.zip"));
    await el("verify-submit").click();
    await el("verify-rejected").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("verify-rejected").getText(), /hash-mismatch/);

    await el("trust-path").setValue(join(fixtures, "keys/delegation.key.pub"));
    await el("trust-label").setValue("Đoàn thẩm định số 2");
    await el("trust-add").click();
    await el("trusted-keys").waitForDisplayed({ timeout: 5000 });
    // The whole key's fingerprint is shown beside the id, as the CLI prints it.
    const expected = execFileSync(cli, ["key", "show", join(fixtures, "keys/delegation.key.pub")], { encoding: "utf8" })
      .trim()
      .split("\n")[2];
    assert.equal(await el("trusted-fingerprint").getText(), expected);
    assert.match(expected, /^([0-9A-F]{4} ){15}[0-9A-F]{4}$/);
    // Membership of a delegation is set in the window (a label grants nothing).
    await el("assign-delegation").setValue("Đoàn 2");
    await el("assign").click();
    await browser.waitUntil(async () => /Đoàn 2/.test(await el("trusted-delegation").getText()), {
      timeout: 5000,
      timeoutMsg: `delegation shown, got ${await el("trusted-delegation").getText()}`,
    });
    await browser.saveScreenshot(join(shotsDir, "trusted-keys.png"));
    await el("verify-submit").click();
    await browser.waitUntil(async () => /hash-mismatch/.test(await el("verify-rejected").getText()), { timeout: 10000 });
    assert.match(await el("verify-entry").getText(), /^data\/photos\/[0-9a-f]{64}\.jpg$/);
    assert.match(await el("verify-reason").getText(), /SHA-256 không khớp/);
    await browser.saveScreenshot(join(shotsDir, "verify-rejected.png"));
    // In English the refusal is worded in English (the code's meaning), then back to Vietnamese.
    await el("lang-toggle").click();
    await browser.waitUntil(async () => (await el("verify-reason").getText()) === "content changed after signing", {
      timeout: 5000,
      timeoutMsg: `English reason, got ${await el("verify-reason").getText()}`,
    });
    await el("lang-toggle").click();
    await browser.waitUntil(async () => /SHA-256 không khớp/.test(await el("verify-reason").getText()), { timeout: 5000 });

    await el("verify-path").setValue(join(fixtures, "valid.zip"));
    await el("verify-submit").click();
    await el("verify-valid").waitForDisplayed({ timeout: 10000 });
    await browser.saveScreenshot(join(shotsDir, "verify-valid.png"));
  });

  it("co-signs another member's bundle: both signers listed, each signature checks", async () => {
    const copy = join(dataDir, "exports", "dong-ky.zip");
    copyFileSync(join(fixtures, "valid.zip"), copy);
    await el("verify-path").setValue(copy);
    await el("verify-submit").click();
    await el("verify-valid").waitForDisplayed({ timeout: 10000 });
    assert.equal((await el("verify-signatures").$$("li")).length, 1);
    await el("cosign-pass").setValue("mật khẩu đoàn 1");
    await el("cosign-submit").click();
    await el("cosign-done").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("cosign-done").getText(), /Đã thêm chữ ký/);
    await browser.waitUntil(async () => (await el("verify-signatures").$$("li")).length === 2, { timeout: 10000 });
    const listed = await el("verify-signatures").getText();
    assert.match(listed, /ký xuất gói/);
    assert.match(listed, /đồng ký/);
    await browser.saveScreenshot(join(shotsDir, "cosigned.png"));
    const out = execFileSync(
      cli,
      ["bundle", "verify", copy, "--trust", join(fixtures, "keys/delegation.key.pub"), "--trust", pubFile, "--json"],
      { encoding: "utf8" },
    );
    const signatures = JSON.parse(out).signatures;
    assert.deepEqual(
      signatures.map((s) => [s.leader, s.trusted]),
      [
        [true, true],
        [false, true],
      ],
    );
  });
});

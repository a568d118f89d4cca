// `make package-test`: the .deb as a delegation installs it. Run after `apt-get install ./….deb`
// with THAMDINH_APP=/usr/bin/thamdinh-app: the installed app starts on an empty data folder and
// shows the Home screen (screenshot saved for a person to look at), and the CLI it installed
// answers on PATH. Not part of `make test`: a release build costs CI more than it has.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { shotsDir, startApp } from "./harness.mjs";

assert.ok(process.env.THAMDINH_APP?.startsWith("/usr/"), "THAMDINH_APP must name the installed app");
const cli = execFileSync("thamdinh", ["--version"]).toString().trim();
assert.match(cli, /^thamdinh \d+\.\d+\.\d+/, "the CLI is on PATH");

const app = await startApp();
try {
  const empty = app.browser.$('[data-testid="no-campaigns"]');
  await empty.waitForDisplayed({ timeout: 20000 });
  assert.match(await empty.getText(), /\S/);
  // The built-in criteria sets and the icon come from inside the installed binary.
  await app.browser.$('[data-testid="set-card-xa-2025"]').waitForDisplayed({ timeout: 20000 });
  await app.browser.waitUntil(() => app.browser.execute(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)), {
    timeout: 10000,
    timeoutMsg: "an image of the Home screen did not load",
  });
  const shot = join(shotsDir, "installed-home.png");
  await app.browser.saveScreenshot(shot);
  console.log(`installed app: Home screen shown (${shot}); ${cli} on PATH`);
} finally {
  await app.stop();
}

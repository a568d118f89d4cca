// One window per data folder (issue: "a second launch focuses the first"). On a private D-Bus
// session bus: a second launch on the same data hands over to the running app and exits 0, the
// running app keeps the bus name; a launch on another data folder runs beside it with its own name.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { application, startApp, tempDir } from "./harness.mjs";

/** A session bus of our own, so the test neither needs nor disturbs the machine's. */
function startBus() {
  const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    bus.on("error", fail);
    bus.stdout.once("data", (chunk) => ok({ bus, address: chunk.toString().trim() }));
  });
}

/** The app's single-instance names on the bus right now. */
function appNames(address) {
  const out = execFileSync(
    "dbus-send",
    ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address } },
  ).toString();
  return [...out.matchAll(/"(vn\.thamdinh\.app\.d[0-9a-f]+\.SingleInstance)"/g)].map((m) => m[1]);
}

async function waitFor(check, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Launches the app binary directly, as a double click on its icon would. */
function launch(dataDir, address) {
  const child = spawn(application, [], {
    env: { ...process.env, THAMDINH_DATA_DIR: dataDir, DBUS_SESSION_BUS_ADDRESS: address },
    stdio: "ignore",
  });
  child.exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  return child;
}

describe("one instance per data folder", () => {
  let bus;
  let app;
  before(async () => {
    bus = await startBus();
    process.env.DBUS_SESSION_BUS_ADDRESS = bus.address; // the app under WebDriver inherits it
    app = await startApp();
    await app.browser.$('[data-testid="no-campaigns"]').waitForDisplayed({ timeout: 15000 });
  });
  after(async () => {
    await app?.stop();
    bus?.bus.kill();
  });

  it("hands a second launch on the same data over to the running window", async () => {
    await waitFor(() => appNames(bus.address).length === 1, "the running app's bus name");
    const [name] = appNames(bus.address);
    const second = launch(app.dataDir, bus.address);
    const result = await Promise.race([
      second.exited,
      new Promise((r) => setTimeout(() => r("still running"), 30000)),
    ]);
    if (result === "still running") second.kill();
    assert.deepEqual(result, { code: 0, signal: null }, "the second launch exits once it has handed over");
    assert.deepEqual(appNames(bus.address), [name], "the first app keeps its name");
    assert.match(await app.browser.$('[data-testid="no-campaigns"]').getText(), /\S/, "and its window still answers");
  });

  it("lets a launch on another data folder run beside it", async () => {
    const other = launch(tempDir("thamdinh-e2e-other-"), bus.address);
    try {
      await waitFor(() => appNames(bus.address).length === 2 || other.exitCode !== null, "a second name on the bus");
      assert.equal(other.exitCode, null, "the other data folder's app is running");
      assert.equal(new Set(appNames(bus.address)).size, 2);
    } finally {
      other.kill();
      await other.exited;
    }
  });
});

// Starts the real app through tauri-driver (WebKitWebDriver underneath) with a throwaway data dir,
// and hands back a WebdriverIO browser. Needs DISPLAY (run under xvfb-run) and a built app:
// `npx tauri build --debug --no-bundle` (the Makefile's `e2e` target does both).
import { after, before } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import net from "node:net";
import { remote } from "webdriverio";

export const root = resolve(import.meta.dirname, "../..");
export const application = process.env.THAMDINH_APP ?? join(root, "target/debug/thamdinh-app");
export const shotsDir = join(root, "target/e2e");

const madeDirs = [];
// Each test file runs in its own process: its temp folders go when it ends.
process.on("exit", () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new temp folder, removed when this test file's process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((ok, fail) => {
    const attempt = () => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        ok();
      });
      socket.on("error", () => (Date.now() > deadline ? fail(new Error(`port ${port} not open`)) : setTimeout(attempt, 100)));
    };
    attempt();
  });
}

/** A TCP port nobody listens on right now (so parallel runs on one machine do not collide). */
function freePort() {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Starts tauri-driver and a session; `dataDir` lets a test restart the app on the same data.
 * WebDriver screenshots hang under Xvfb with the shared-memory renderer the app picks on machines
 * without a GPU (src-tauri/src/main.rs), so the functional tests keep WebKit's default renderer;
 * `appRenderer: true` leaves the choice to the app, as the scoring benchmark does; `env` adds to
 * the app's environment. */
export async function startApp({ dataDir, appRenderer = false, env = {} } = {}) {
  if (!process.env.DISPLAY) throw new Error("DISPLAY is not set: run the end-to-end tests under xvfb-run");
  dataDir ??= tempDir("thamdinh-e2e-");
  mkdirSync(shotsDir, { recursive: true });
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    // Bundles and public keys go beside the data, never into the real Documents folder.
    env: {
      ...process.env,
      THAMDINH_DATA_DIR: dataDir,
      THAMDINH_EXPORT_DIR: join(dataDir, "exports"),
      ...(appRenderer ? {} : { WEBKIT_DISABLE_DMABUF_RENDERER: "0" }),
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
    // Its own process group, so stopping it also stops an app that a retried session start left
    // behind (the app holds our stdout: a leftover one would keep the test runner waiting).
    detached: true,
  });
  await waitForPort(port, 15000);
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "error",
    capabilities: {
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application },
    },
  });
  const stop = async () => {
    await browser.deleteSession().catch(() => {});
    const exited = driver.exitCode !== null || driver.signalCode !== null ? Promise.resolve() : new Promise((r) => driver.once("exit", r));
    try {
      process.kill(-driver.pid, "SIGTERM");
    } catch {
      driver.kill();
    }
    await exited;
  };
  return { browser, dataDir, stop };
}

/** The app for one `describe` block: started before its tests (with `startApp`'s options) and
 * stopped after them. Returns `{ app, browser, dataDir }` once started, and `el(testid)`. */
export function appForSuite(options = {}) {
  const suite = {
    el: (id) => suite.browser.$(`[data-testid="${id}"]`),
  };
  before(async () => {
    suite.app = await startApp(options);
    suite.browser = suite.app.browser;
    suite.dataDir = suite.app.dataDir;
  });
  after(async () => {
    await suite.app?.stop();
  });
  return suite;
}

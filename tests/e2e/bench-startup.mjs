// `make bench`: launching the app to its Home screen painted with the campaigns (the UI says so
// on stderr when THAMDINH_STARTUP_PROBE is set, two frames after the list is in the DOM). Cold:
// the first launch of this run on a new data folder (WebKit's caches empty); warm: the median of
// the next launches on the same folder. Baseline, same run: launching the CLI (`thamdinh
// --version`), the floor of starting any process of ours. Goal (issue): warm < 1 s.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { application, root, tempDir } from "./harness.mjs";

const WARM_RUNS = 5;
const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-bench-start-");
execFileSync(cli, ["--data-dir", dataDir, "demo"]);

function launch() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const app = spawn(application, [], {
      env: { ...process.env, THAMDINH_DATA_DIR: dataDir, THAMDINH_STARTUP_PROBE: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const timer = setTimeout(() => {
      app.kill("SIGKILL");
      reject(new Error("the Home screen was not painted within 60 s"));
    }, 60000);
    let seen = "";
    app.stderr.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes("thamdinh: home painted")) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        app.once("exit", () => resolve(ms));
        app.kill("SIGTERM");
      }
    });
    app.once("error", reject);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold = await launch();
const warm = [];
for (let i = 0; i < WARM_RUNS; i++) warm.push(await launch());
const base = [];
for (let i = 0; i < WARM_RUNS; i++) {
  const t0 = performance.now();
  execFileSync(cli, ["--version"]);
  base.push(performance.now() - t0);
}
const f = (x) => `${(x / 1000).toFixed(2).replace(".", ",")} s`;
console.log(`app start → Home painted (demo campaign), ${WARM_RUNS} warm launches`);
console.log(`  cold      ${f(cold)}`);
console.log(`  warm      median ${f(median(warm))}   max ${f(Math.max(...warm))}   (goal < 1 s)`);
console.log(`  baseline  median ${f(median(base))}   (thamdinh --version)`);
console.log(`  ratio     warm / baseline ${(median(warm) / median(base)).toFixed(1).replace(".", ",")}`);

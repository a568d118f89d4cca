// Sở Nội vụ's Tổng hợp workspace on the real app: two delegations' bundles (made with the CLI on
// their own data dirs) disagree on one leaf; a folder of them is imported, the disagreement is
// decided, the ranking and charts appear, and the province workbook is read back by openpyxl.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, shotsDir, startApp, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const set = join(root, "src-tauri/crates/cli/tests/cmd/data/sample.json");
const pass = "mật khẩu của đoàn";

function thamdinh(dataDir, args) {
  return execFileSync(cli, ["--data-dir", dataDir, ...args], { encoding: "utf8", env: { ...process.env, THAMDINH_PASSPHRASE: pass } }).trim();
}

/** A campaign with three communes, as Sở Nội vụ and each delegation create it. */
function campaign(dataDir, work) {
  const id = thamdinh(dataDir, ["campaign", "new", "--name", "Thẩm định CCHC 2025 — khối xã", "--year", "2025", "--province", "Hà Tĩnh", "--set", set]);
  thamdinh(dataDir, ["unit", "import", "--campaign", id, join(work, "units.csv")]);
  return id;
}

/** A delegation: scores `sheets` (unit → CSV body), signs with its own key, exports one bundle. */
function delegation(work, name, sheets) {
  const dir = join(work, name);
  const id = campaign(dir, work);
  const visits = Object.entries(sheets).map(([unit, body]) => {
    const visit = thamdinh(dir, ["visit", "new", "--campaign", id, "--unit", unit, "--date", "14/10/2025"]);
    writeFileSync(join(work, `${name}-${unit}.csv`), `code,self,appraised,reason\n${body}`);
    thamdinh(dir, ["visit", "score", "--visit", visit, join(work, `${name}-${unit}.csv`)]);
    return visit;
  });
  const key = join(work, `${name}.key`);
  thamdinh(dir, ["key", "new", "--out", key, "--name", name]);
  const out = join(work, `${name}.zip`);
  thamdinh(dir, ["bundle", "export", ...visits.flatMap((v) => ["--visit", v]), "--key", key, "--out", out]);
  return { pub: `${key}.pub`, bundle: out, dir, visits, key };
}

describe("Tổng hợp: import, decide, rank, workbook", () => {
  let app;
  let browser;
  let workbook;
  let d1;
  let work;

  before(async () => {
    work = tempDir("thamdinh-hq-");
    writeFileSync(join(work, "units.csv"), "code,name,type\nX1,Xã Thạch Lạc,xã\nX2,Xã Đồng Tiến,xã\nX3,Xã Cẩm Bình,xã\n");
    const full = "1.1.1,50,50\n1.1.2,2,2\n1.1.3,8,8\n2.1,20,20\n2.2,,20\n";
    d1 = delegation(work, "doan-1", {
      X1: full.replace("2.1,20,20", "2.1,20,18,chậm báo cáo"),
      X2: full.replace("1.1.1,50,50", "1.1.1,50,40,thiếu kế hoạch"),
    });
    const d2 = delegation(work, "doan-2", { X1: full.replace("2.1,20,20", "2.1,20,15,chậm hai kỳ") });
    const hqDir = tempDir("thamdinh-e2e-hq-");
    campaign(hqDir, work);
    thamdinh(hqDir, ["hq", "trust", "add", d1.pub, "--name", "Đoàn 1"]);
    thamdinh(hqDir, ["hq", "trust", "add", d2.pub, "--name", "Đoàn 2"]);
    const usb = join(work, "usb");
    mkdirSync(usb);
    copyFileSync(d1.bundle, join(usb, "doan-1.zip"));
    copyFileSync(d2.bundle, join(usb, "doan-2.zip"));
    writeFileSync(join(usb, "hong.zip"), "không phải tệp zip");
    app = await startApp({ dataDir: hqDir });
    browser = app.browser;
    app.usb = usb;
  });

  after(async () => {
    await app?.stop();
  });

  const el = (id) => browser.$(`[data-testid="${id}"]`);

  it("imports a folder: one line per bundle with its outcome", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("open-hq").waitForDisplayed({ timeout: 5000 });
    await el("open-hq").click();
    await el("hq-path").waitForDisplayed({ timeout: 5000 });
    await el("hq-path").setValue(app.usb);
    await el("hq-import").click();
    await el("hq-outcomes").waitForDisplayed({ timeout: 20000 });
    const rows = await browser.$$('[data-testid="hq-outcome"]');
    const statuses = [];
    for (let i = 0; i < rows.length; i++) statuses.push(await rows[i].getAttribute("data-status"));
    assert.deepEqual(statuses, ["imported", "conflict", "refused"]);
    const text = await el("hq-outcomes").getText();
    assert.match(text, /đã nhập 2 phiếu \(X1, X2\)/);
    assert.match(text, /1 tiêu chí chấm khác với đoàn khác: X1 2\.1/);
    assert.match(text, /tệp zip hỏng/);
    assert.doesNotMatch(text, /\b(imported|refused|damaged)\b/, "no English on the Vietnamese screen");
    // In English the lines are English too, with what each bundle is.
    await el("lang-toggle").click();
    await browser.waitUntil(async () => /imported \(X1, X2\), revision 1, signed by/.test(await el("hq-outcomes").getText()), {
      timeout: 5000,
      timeoutMsg: `English import lines, got ${await el("hq-outcomes").getText()}`,
    });
    const english = await el("hq-outcomes").getText();
    assert.match(english, /scored differently from another delegation/);
    assert.match(english, /damaged or truncated zip file/);
    assert.doesNotMatch(english, /đã nhập|tệp zip hỏng/, "no Vietnamese left in the English lines");
    await browser.saveScreenshot(join(shotsDir, "hq-import-en.png"));
    await el("lang-toggle").click();
    await browser.saveScreenshot(join(shotsDir, "hq-import.png"));
    // Leaving Tổng hợp and coming back: the lines are kept as the campaign's import history.
    await browser.$(".toolbar button").click();
    await el("open-hq").waitForDisplayed({ timeout: 5000 });
    await el("open-hq").click();
    await el("hq-history").waitForDisplayed({ timeout: 5000 });
    assert.equal((await browser.$$('[data-testid="hq-history-line"]')).length, 3);
  });

  it("keeps the disputed unit unranked until the officer decides, with a reason", async () => {
    const x1 = browser.$('[data-testid="hq-result"][data-code="X1"]');
    assert.equal(await x1.$('[data-testid="hq-rank"]').getText(), "—");
    assert.match(await x1.getText(), /chưa thống nhất/);
    const conflict = browser.$('[data-testid="hq-conflict"][data-code="2.1"]');
    assert.match(await conflict.getText(), /18[\s\S]*doan-1[\s\S]*15[\s\S]*doan-2/);
    // Named as people name them: the unit and the criterion, not only their codes.
    assert.match(await conflict.getText(), /^X1 Xã Thạch Lạc\s*2\.1 Tiêu chí thành phần 2\.1/);
    // The sides are buttons that take their value.
    const sides = await conflict.$$("button.pick");
    assert.equal(sides.length, 2);
    await sides[1].click();
    assert.equal(await conflict.$('[data-testid="hq-resolve-value"]').getValue(), "15");
    assert.equal(await sides[1].getAttribute("aria-pressed"), "true");
    await conflict.$('[data-testid="hq-resolve-value"]').setValue("16,5");
    await conflict.$('[data-testid="hq-resolve-reason"]').setValue("Đối chiếu hồ sơ gốc: chậm một kỳ");
    await conflict.$('[data-testid="hq-resolve"]').click();
    await conflict.$('[data-testid="hq-resolved"]').waitForDisplayed({ timeout: 5000 });
    assert.match(await conflict.$('[data-testid="hq-resolved"]').getText(), /16,5/);
    await browser.waitUntil(async () => (await x1.$('[data-testid="hq-rank"]').getText()) === "01/02", { timeout: 5000 });
    // 50 + 2 + 8 + 16,5 + 20 = 96,5 / 100; X2: 40 + 2 + 8 + 20 + 20 = 90.
    assert.equal(await x1.$('[data-testid="hq-index"]').getText(), "96,50 %");
    const x2 = browser.$('[data-testid="hq-result"][data-code="X2"]');
    assert.equal(await x2.$('[data-testid="hq-rank"]').getText(), "02/02");
    assert.match(await browser.$('[data-testid="hq-result"][data-code="X3"]').getText(), /chưa có kết quả/);
    await el("hq-chart").scrollIntoView();
    assert.match(await el("hq-chart").getText(), /1\. Xã Thạch Lạc[\s\S]*96,50 %[\s\S]*2\. Xã Đồng Tiến[\s\S]*90,00 %/);
    // The bars have an index axis; the heat map names its areas and has a colour legend.
    assert.match(await el("hq-chart").getText(), /0 %[\s\S]*50 %[\s\S]*100 %/);
    assert.match(await el("hq-heatmap").getText(), /1\. \S+[\s\S]*2\. \S+/);
    assert.match(await el("hq-heat-legend").getText(), /0 %[\s\S]*100 %/);
    await browser.saveScreenshot(join(shotsDir, "hq-ranking.png"));
    // A unit's drill-down: its leaf table as the bundles carried it, the dispute marked.
    // Sorted by rank: within the group, the direction shown and reversed by a second click.
    const order = async () => {
      const rows = await browser.$$('[data-testid="hq-result"]');
      const codes = [];
      for (const r of rows) codes.push(await r.getAttribute("data-code"));
      return codes;
    };
    await el("hq-sort-rank").click();
    assert.match(await el("hq-sort-rank").getText(), /▲$/);
    assert.deepEqual(await order(), ["X1", "X2", "X3"]);
    await el("hq-sort-rank").click();
    assert.match(await el("hq-sort-rank").getText(), /▼$/);
    assert.deepEqual(await order(), ["X2", "X1", "X3"], "unranked units stay last");
    await x1.$('[data-testid="hq-open-unit"]').click();
    await el("hq-unit-detail").waitForDisplayed({ timeout: 5000 });
    const detail = await el("hq-unit-detail").getText();
    assert.match(detail, /X1 Xã Thạch Lạc/);
    assert.match(detail, /2\.1[\s\S]*16,5\s*⚑[\s\S]*chậm báo cáo/);
    // Opened where the eye is: its heading is in the window without scrolling by hand.
    await browser.waitUntil(
      () => browser.execute(() => {
        const r = document.getElementById("hq-unit-h").getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      }),
      { timeout: 5000, timeoutMsg: "the unit's detail is brought into view" },
    );
    await browser.saveScreenshot(join(shotsDir, "hq-unit-detail.png"));
    assert.match(await el("hq-weakest").getText(), /1\.1\.1[\s\S]*thiếu kế hoạch \(1\)/, "the weakest criteria with their reasons");
  });

  it("writes the province workbook that a real reader opens with numbers as numbers", async () => {
    workbook = join(app.dataDir, "exports", "tong-hop-2025.xlsx");
    await el("hq-workbook-path").scrollIntoView();
    assert.equal(await el("hq-workbook-path").getValue(), workbook);
    await el("hq-save-workbook").click();
    await el("hq-notice").waitForDisplayed({ timeout: 10000 });
    // Said beside the button, not thousands of pixels above it.
    const gap = await browser.execute(() => {
      const note = document.querySelector('[data-testid="hq-notice"]').getBoundingClientRect();
      const button = document.querySelector('[data-testid="hq-save-workbook"]').getBoundingClientRect();
      return Math.abs(note.top - button.bottom);
    });
    assert.ok(gap < 120, `the saved note is ${gap} px from its button`);
    // The province's report, PDF and Word, from the same screen.
    const report = join(app.dataDir, "exports", "bao-cao-2025.pdf");
    assert.equal(await el("hq-report-path").getValue(), report);
    await el("hq-save-report").click();
    await browser.waitUntil(async () => (await el("hq-notice").isExisting()) && /bao-cao-2025\.docx/.test(await el("hq-notice").getText()), { timeout: 20000 });
    const reportText = execFileSync("pdftotext", ["-layout", report, "-"], { encoding: "utf8" });
    assert.match(reportText, /Xã Thạch Lạc[^\n]*96,50 %/);
    assert.ok(existsSync(report.replace(/pdf$/, "docx")));
    assert.ok(existsSync(workbook));
    const read = execFileSync(
      "python3",
      [
        "-c",
        `import openpyxl, json, sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Tổng hợp"]
rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
x1 = next(r for r in rows if r[1] == "X1")
conf = wb["Xung đột"]
print(json.dumps({"sheets": wb.sheetnames, "x1": x1, "format": ws.cell(row=4 + rows.index(x1), column=9).number_format,
  "conflict": [c.value for c in conf[2]]}, ensure_ascii=False))`,
        workbook,
      ],
      { encoding: "utf8" },
    );
    const book = JSON.parse(read);
    assert.deepEqual(book.sheets.slice(0, 1), ["Tổng hợp"]);
    for (const s of ["Điểm trừ", "Xung đột", "Nguồn"]) assert.ok(book.sheets.includes(s), s);
    // STT, Mã, Đơn vị, Nhóm, areas 1 and 2, total, max, index, rank, band.
    assert.deepEqual(book.x1.slice(1, 11), ["X1", "Xã Thạch Lạc", "xa", 60, 36.5, 96.5, 100, 96.5, 1, "Xuất sắc"]);
    assert.equal(book.format, "0.00");
    assert.equal(book.conflict[1], "2.1");
    assert.equal(book.conflict[3], 16.5);
    assert.equal(book.conflict[4], "Đối chiếu hồ sơ gốc: chậm một kỳ");
  });

  it("shows a fork as a disagreement, the units unranked until one side is chosen in the window", async () => {
    // The first delegation's laptop copied: both copies re-export revision 2 of the same visits,
    // scored otherwise — two revision 2 of one chain.
    const twin = `${d1.dir}-ban-sao`;
    cpSync(d1.dir, twin, { recursive: true });
    const rescore = (dir, body, name) => {
      writeFileSync(join(work, `${name}.csv`), `code,self,appraised,reason\n${body}`);
      thamdinh(dir, ["visit", "score", "--visit", d1.visits[0], join(work, `${name}.csv`)]);
      const out = join(work, "usb-2", `${name}.zip`);
      thamdinh(dir, ["bundle", "export", ...d1.visits.flatMap((v) => ["--visit", v]), "--key", d1.key, "--out", out]);
    };
    mkdirSync(join(work, "usb-2"));
    rescore(d1.dir, "1.1.1,50,45,thiếu một báo cáo\n", "ban-a");
    rescore(twin, "1.1.1,50,30,thiếu kế hoạch\n", "ban-b");
    await el("hq-path").scrollIntoView();
    await el("hq-path").setValue(join(work, "usb-2"));
    await el("hq-import").click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="hq-fork"]')).length === 2, {
      timeout: 20000,
      timeoutMsg: "a fork row per unit of the forked bundles",
    });
    const x1 = browser.$('[data-testid="hq-result"][data-code="X1"]');
    assert.equal(await x1.$('[data-testid="hq-rank"]').getText(), "—");
    assert.match(await x1.getText(), /chưa thống nhất/);
    assert.match(await browser.$('[data-testid="hq-fork"][data-unit="X1"]').getText(), /rẽ nhánh[\s\S]*bản 2[\s\S]*bản 2/i);
    // The open unit follows: no longer said to be ranked.
    assert.match(await el("hq-unit-detail").getText(), /X1 Xã Thạch Lạc[\s\S]*chưa thống nhất/);
    await browser.$('[data-testid="hq-fork"]').scrollIntoView();
    await browser.saveScreenshot(join(shotsDir, "hq-fork.png"));
    const choose = browser.$('[data-testid="hq-choose-form"]');
    await choose.scrollIntoView();
    await browser.saveScreenshot(join(shotsDir, "hq-fork-choose.png"));
    await choose.$('[data-testid="hq-choose-reason"]').setValue("Bản do trưởng đoàn gửi chính thức");
    await choose.$('[data-testid="hq-choose"]').click();
    await browser.waitUntil(async () => (await browser.$$('[data-testid="hq-fork"]')).length === 0, { timeout: 5000 });
    // X2 was only disputed by the fork: ranked again. X1's chosen revision now disagrees with the
    // second delegation on 1.1.1: a leaf conflict, still unranked — never settled by arrival.
    const x2 = browser.$('[data-testid="hq-result"][data-code="X2"]');
    await browser.waitUntil(async () => (await x2.$('[data-testid="hq-rank"]').getText()) !== "—", { timeout: 5000 });
    assert.equal(await x1.$('[data-testid="hq-rank"]').getText(), "—");
    await browser.$('[data-testid="hq-conflict"][data-code="1.1.1"]').waitForDisplayed({ timeout: 5000 });
  });

  it("trusts a quarantined signer from the line that says it is quarantined", async () => {
    const full = "1.1.1,50,50\n1.1.2,2,2\n1.1.3,8,8\n2.1,20,20\n2.2,,20\n";
    const d3 = delegation(work, "doan-3", { X3: full });
    mkdirSync(join(work, "usb-3"));
    copyFileSync(d3.bundle, join(work, "usb-3", "doan-3.zip"));
    await el("hq-path").scrollIntoView();
    await el("hq-path").setValue(join(work, "usb-3"));
    await el("hq-import").click();
    const line = browser.$('[data-testid="hq-outcome"][data-status="quarantined"]');
    await line.waitForDisplayed({ timeout: 20000 });
    await line.$('[data-testid="hq-trust-signer"]').click();
    await line.$('[data-testid="hq-trust-path"]').setValue(d3.pub);
    await line.$('[data-testid="hq-trust-label"]').setValue("Đoàn 3");
    await line.$('[data-testid="hq-trust-delegation"]').setValue("Đoàn 3");
    await browser.saveScreenshot(join(shotsDir, "hq-trust-quarantined.png"));
    await line.$('[data-testid="hq-trust-add"]').click();
    const x3 = browser.$('[data-testid="hq-result"][data-code="X3"]');
    await browser.waitUntil(async () => !/chưa có kết quả/.test(await x3.getText()), {
      timeout: 10000,
      timeoutMsg: "X3 counted once its signer is trusted",
    });
  });
});

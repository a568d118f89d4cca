// Units in the loop in the app (#25): the campaign makes one Excel form per unit; the forms,
// filled by a script with openpyxl as units would (numbers, comma decimals as text, one bad cell),
// come back as a folder — one line per form, the refused one naming its cell; the visit's self
// total is the form's. Then the explanation round: the form out, the unit's answer back beside
// the leaf.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { appForSuite, root, shotsDir, tempDir } from "./harness.mjs";

const cli = join(root, "target/debug/thamdinh");
const dataDir = tempDir("thamdinh-e2e-forms-");
const work = tempDir("thamdinh-e2e-forms-work-");
const thamdinh = (...args) => execFileSync(cli, ["--data-dir", dataDir, ...args], { encoding: "utf8" });
const campaign = thamdinh("campaign", "new", "--name", "Thẩm định CCHC 2025", "--year", "2025", "--set", "xa-2025").trim();
const units = join(work, "units.csv");
execFileSync("sh", ["-c", `printf 'code,name,type\\nX1,Xã Một,Xã\\nX2,Xã Hai,Xã\\nX3,Xã Ba,Xã\\n' > '${units}'`]);
thamdinh("unit", "import", "--campaign", campaign, units);

/** Fills a form as a unit would: each open cell its max (as text with a comma when asked), or 99
 * in the first when `bad`; prints the total. */
function fill(file, { comma = false, bad = false } = {}) {
  const script = `
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Tự đánh giá"]; total = 0.0; first = True
for row in ws.iter_rows(min_row=7):
    code, maxp, cell = row[0].value, row[2].value, row[4]
    if not code and str(row[1].value or "").startswith("Điểm thưởng"): break
    if not code or cell.data_type == "f" or cell.value == "ĐTXHH": continue
    cell.value = 99 if (${bad ? "True" : "False"} and first) else (str(maxp).replace(".", ",") if ${comma ? "True" : "False"} else maxp)
    first = False; total += float(maxp)
b.save(sys.argv[1]); print(round(total, 2))`;
  return Number(execFileSync("python3", ["-c", script, file], { encoding: "utf8" }).trim());
}

describe("self-assessment forms and the explanation round", () => {
  const suite = appForSuite({ dataDir });
  const el = (id) => suite.el(id);
  const out = join(work, "bieu");
  let expected;

  it("makes the forms and reads a folder of filled ones back, one line per form", async () => {
    await el("campaign-card").waitForDisplayed({ timeout: 15000 });
    await el("campaign-card").click();
    await el("self-forms-panel").waitForExist({ timeout: 5000 });
    await suite.browser.$('[data-testid="self-forms-panel"] summary').click();
    await el("self-forms-out").setValue(out);
    await el("self-forms-write").click();
    await el("self-forms-written").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("self-forms-written").getText(), /^✓ 3 biểu đã tạo trong/);
    expected = fill(join(out, "tu-danh-gia-X1.xlsx"));
    fill(join(out, "tu-danh-gia-X2.xlsx"), { comma: true });
    fill(join(out, "tu-danh-gia-X3.xlsx"), { bad: true });
    await el("self-forms-in").setValue(out);
    await el("self-forms-import").click();
    await el("self-forms-lines").waitForDisplayed({ timeout: 20000 });
    const lines = await suite.browser.$$('[data-testid="self-form-line"]');
    const statuses = [];
    for (const l of lines) statuses.push(`${await l.getAttribute("data-unit")}:${await l.getAttribute("data-status")}`);
    assert.deepEqual(statuses, ["X1:imported", "X2:imported", "X3:refused"]);
    const refused = await lines[2].getText();
    assert.match(refused, /trang «Tự đánh giá», dòng \d+, cột E, .*99/);
    await el("self-forms-lines").scrollIntoView();
    await suite.browser.saveScreenshot(join(shotsDir, "self-forms.png"));
    // In English the refusal is English.
    await el("lang-toggle").click();
    await suite.browser.waitUntil(async () => /sheet «Tự đánh giá», row \d+, column E, .*99/.test(await lines[2].getText()), { timeout: 5000 });
    await el("lang-toggle").click();
    // The visits started for the forms: the self total is what the form says.
    await el("open-visit-X1").waitForDisplayed({ timeout: 5000 });
    assert.equal(await el("open-visit-X3").isExisting(), false, "the refused form left nothing");
    await el("open-visit-X1").click();
    const total = await el("visit-total-self").getText();
    assert.ok(total.startsWith(`Tự đánh giá: ${String(expected).replace(".", ",")} /`), `${total} vs ${expected}`);
  });

  it("sends the explanation form out and brings the unit's answer back beside the leaf", async () => {
    // The delegation appraises the first leaf lower than the unit's self score (named first).
    await el("who-am-i-name").setValue("Trần Thị Bình");
    await el("who-am-i-save").click();
    await el("who-am-i").waitForExist({ reverse: true, timeout: 5000 });
    const first = await suite.browser.$("tr.selected").getAttribute("data-code");
    await suite.browser.$(`tr[data-code="${first}"] td.code`).click();
    await suite.browser.keys(["0"]);
    await suite.browser.keys(["Enter"]);
    await suite.browser.waitUntil(async () => (await el(`appraised-${first}`).getText()) === "0", { timeout: 5000 });
    await el("tab-ack").click();
    const form = join(work, "giai-trinh.xlsx");
    await el("explain-out").setValue(form);
    await el("explain-write").click();
    await el("explain-note").waitForDisplayed({ timeout: 10000 });
    assert.match(await el("explain-note").getText(), new RegExp(`1 tiêu chí cần giải trình \\(${first.replaceAll(".", "\\.")}\\)`));
    execFileSync("python3", ["-c", `
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Giải trình"]
ws["H6"] = "Kế hoạch ban hành ngày 10/01/2025, gửi kèm bản chụp"
b.save(sys.argv[1])`, form]);
    await el("explain-in").setValue(form);
    await el("explain-import").click();
    await suite.browser.waitUntil(async () => /Đã ghi giải trình cho 1/.test(await el("explain-note").getText()), { timeout: 10000 });
    await suite.browser.saveScreenshot(join(shotsDir, "explain-round.png"));
    await el("tab-scores").click();
    await suite.browser.$(`tr[data-code="${first}"] td.code`).click();
    await suite.browser.waitUntil(async () => (await el("explanation-answer").getValue()) === "Kế hoạch ban hành ngày 10/01/2025, gửi kèm bản chụp", {
      timeout: 5000,
      timeoutMsg: "the answer is beside the leaf",
    });
    assert.ok(readFileSync(form).length > 0);
    mkdirSync(join(work, "done"), { recursive: true });
  });
});

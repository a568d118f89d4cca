//! Units in the loop through the CLI (#25): self-assessment forms made for 5 units, filled by a
//! script with openpyxl as a unit would (numbers, comma decimals typed as text, a document with its
//! file in a sub-folder, a date cell; one form saved again by LibreOffice Calc), read back; the visits' self totals equal what the forms say.
//! A bad cell, another unit's form and a form with a removed row are refused naming the cell or
//! the row, and write nothing; a corrected form changes only what differs.
use std::path::Path;
use std::process::Command;

fn thamdinh(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_thamdinh"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs a Python script (openpyxl: a spreadsheet program other than ours).
fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Fills a form as a unit would: every open leaf cell with the leaf's max (as text with a comma
/// when `comma`), a document on the first leaf with a date cell and a file name. Prints the sum.
const FILL: &str = r#"
import sys, datetime, openpyxl
path, comma = sys.argv[1], sys.argv[2] == "1"
book = openpyxl.load_workbook(path)
ws = book["Tự đánh giá"]
total = 0.0
first = True
for row in ws.iter_rows(min_row=7):
    code, maxp, self_cell = row[0].value, row[2].value, row[4]
    if not code and str(row[1].value or "").startswith("Điểm thưởng"):
        break  # bonus and penalty points: a unit claims none here
    if not code or self_cell.data_type == "f" or self_cell.value == "ĐTXHH":
        continue
    self_cell.value = (str(maxp).replace(".", ",") if comma else maxp)
    total += float(maxp)
    if first:
        row[5].value = "52/KH-UBND"
        row[6].value = datetime.date(2025, 1, 10)
        row[7].value = "Kế hoạch cải cách hành chính năm 2025"
        row[8].value = "UBND xã"
        row[9].value = "ke-hoach.pdf"
        first = False
book.save(path)
print(round(total, 2))
"#;

fn visits(data: &Path) -> Vec<serde_json::Value> {
    let (ok, json, err) = thamdinh(data, &["visit", "list", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str(&json).unwrap()
}

fn self_points(data: &Path, unit: &str) -> Option<f64> {
    visits(data)
        .iter()
        .find(|v| v["unit_code"] == unit)
        .map(|v| v["self_total"]["points"].as_str().unwrap().parse().unwrap())
}

#[test]
fn forms_go_out_to_five_units_and_come_back_checked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, id, err) = thamdinh(
        &data,
        &[
            "campaign",
            "new",
            "--name",
            "Đợt 2025",
            "--year",
            "2025",
            "--set",
            "xa-2025",
        ],
    );
    assert!(ok, "{err}");
    let campaign = id.trim().to_string();
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "code,name,type\nX1,Xã Một,Xã\nX2,Xã Hai,Xã\nX3,Xã Ba,Xã\nX4,Xã Bốn,Xã\nX5,Xã Năm,Xã\n",
    )
    .unwrap();
    let (ok, _, err) = thamdinh(
        &data,
        &[
            "unit",
            "import",
            "--campaign",
            &campaign,
            units.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");

    // Out: one form per unit.
    let out = dir.path().join("bieu");
    let (ok, listed, err) = thamdinh(
        &data,
        &[
            "campaign",
            "self-forms",
            "--campaign",
            &campaign,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(listed.lines().count(), 5, "{listed}");
    let form = |code: &str| out.join(format!("tu-danh-gia-{code}.xlsx"));
    // The form as a reader sees it: protected, the unit named, validation on the open cells.
    let seen = python(
        r#"
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1])
ws = b["Tự đánh giá"]
print(ws.protection.sheet, b["Nhận dạng"].sheet_state, ws["A2"].value)
leaf = next(r for r in ws.iter_rows(min_row=7) if r[4].data_type != "f" and r[4].value != "ĐTXHH")
print(len(ws.data_validations.dataValidation) > 50, leaf[4].protection.locked, leaf[1].protection.locked, leaf[7].protection.locked)
"#,
        &[form("X1").to_str().unwrap()],
    );
    assert_eq!(
        seen, "True hidden Đơn vị: X1 — Xã Một\nTrue False True False\n",
        "{seen}"
    );

    // Filled as units do; one types comma decimals as text; a document's file in a sub-folder.
    let mut expected = std::collections::HashMap::new();
    for (code, comma) in [("X1", "0"), ("X2", "1"), ("X3", "0")] {
        let total: f64 = python(FILL, &[form(code).to_str().unwrap(), comma])
            .trim()
            .parse()
            .unwrap();
        expected.insert(code, total);
    }
    // X1 typed in LibreOffice: the filled form saved again by LibreOffice Calc.
    let resaved = dir.path().join("libreoffice");
    let lo = Command::new("soffice")
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(&resaved)
        .arg(form("X1"))
        .env("HOME", dir.path())
        .output()
        .expect("LibreOffice (soffice) is installed by make validators");
    assert!(
        lo.status.success(),
        "{}",
        String::from_utf8_lossy(&lo.stderr)
    );
    std::fs::copy(resaved.join("tu-danh-gia-X1.xlsx"), form("X1")).unwrap();
    std::fs::create_dir(out.join("tai-lieu")).unwrap();
    std::fs::write(out.join("tai-lieu/ke-hoach.pdf"), b"%PDF-1.4 ke hoach").unwrap();
    // X4: a value above the max; X5: a removed row. Both refused, nothing recorded.
    python(FILL, &[form("X4").to_str().unwrap(), "0"]);
    python(
        r#"
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Tự đánh giá"]
bad = iter([99, "=1+0", "abc"])
for row in ws.iter_rows(min_row=7):
    if row[4].value not in (None, "ĐTXHH") and row[4].data_type != "f":
        value = next(bad, None)
        if value is None: break
        row[4].value = value
b.save(sys.argv[1])
"#,
        &[form("X4").to_str().unwrap()],
    );
    python(FILL, &[form("X5").to_str().unwrap(), "0"]);
    let removed = python(
        r#"
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Tự đánh giá"]
code = ws["A9"].value; ws.delete_rows(9); b.save(sys.argv[1]); print(code)
"#,
        &[form("X5").to_str().unwrap()],
    );

    // Back: one line per form.
    let (ok, lines, err) = thamdinh(
        &data,
        &[
            "campaign",
            "import-self",
            "--campaign",
            &campaign,
            out.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(!ok, "two forms refused: exit 1\n{lines}{err}");
    let lines: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let status: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["unit_code"].as_str().unwrap(),
                l["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("X1", "imported"),
            ("X2", "imported"),
            ("X3", "imported"),
            ("X4", "refused"),
            ("X5", "refused")
        ]
    );
    let problems = |i: usize| {
        lines[i]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let bad = problems(3);
    assert!(
        bad.contains("trang «Tự đánh giá», dòng") && bad.contains("cột E") && bad.contains("99"),
        "{bad}"
    );
    assert!(
        bad.contains("ô chứa công thức"),
        "a formula is refused: {bad}"
    );
    assert!(
        bad.contains("«abc» không phải là số"),
        "text in a number cell: {bad}"
    );
    assert_eq!(bad.lines().count(), 3, "every bad cell at once: {bad}");
    assert!(
        problems(4).contains(&format!("dòng tiêu chí {} đã bị xóa", removed.trim())),
        "{}",
        problems(4)
    );
    for (code, total) in &expected {
        assert_eq!(
            self_points(&data, code),
            Some(*total),
            "{code}: the visit's self total is the form's"
        );
    }
    assert_eq!(
        self_points(&data, "X4"),
        None,
        "a refused form leaves no visit behind"
    );
    // The document arrived with its file and date; the audit names the form.
    let x3 = visits(&data)
        .into_iter()
        .find(|v| v["unit_code"] == "X3")
        .unwrap();
    let visit = x3["id"].as_str().unwrap().to_string();
    let (ok, listed, err) = thamdinh(&data, &["evidence", "list", "--visit", &visit, "--json"]);
    assert!(ok, "{err}");
    let documents: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(documents.len(), 1, "{listed}");
    assert_eq!(documents[0]["number"], "52/KH-UBND");
    assert_eq!(
        documents[0]["issued_on"], "2025-01-10",
        "a date cell read as the date"
    );
    assert_eq!(
        documents[0]["file_name"], "ke-hoach.pdf",
        "the file found in the sub-folder"
    );
    assert!(documents[0]["file_sha256"].is_string());

    // Another unit's form into this visit: refused, naming both units.
    let (ok, _, err) = thamdinh(
        &data,
        &[
            "visit",
            "import-self",
            "--visit",
            &visit,
            form("X1").to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("đơn vị X1") && err.contains("đơn vị X3"),
        "{err}"
    );

    // A corrected form: only what differs changes, only the self-assessment.
    let changed = python(
        r#"
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Tự đánh giá"]
for row in ws.iter_rows(min_row=7):
    if isinstance(row[4].value, (int, float)) and row[4].value > 0 and row[4].data_type != "f":
        row[4].value = 0; print(row[0].value); break
b.save(sys.argv[1])
"#,
        &[form("X3").to_str().unwrap()],
    );
    let (ok, said, err) = thamdinh(
        &data,
        &[
            "visit",
            "import-self",
            "--visit",
            &visit,
            form("X3").to_str().unwrap(),
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let done: serde_json::Value = serde_json::from_str(&said).unwrap();
    assert_eq!(done["changes"].as_array().unwrap().len(), 1, "{said}");
    assert_eq!(done["changes"][0]["code"], changed.trim());
    assert_eq!(done["changes"][0]["new"], "0");
    assert_eq!(
        done["documents_added"], 0,
        "the same document is not added twice"
    );
}

/// The explanation round on paper: the form lists the leaves appraised differently from the
/// self-assessment (and those asked about), the unit answers in its column, the answers come back
/// as audited explanation entries beside each leaf.
#[test]
fn the_explanation_round_goes_out_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = thamdinh(&data, &["demo"]);
    assert!(ok, "{err}");
    let visit = out.lines().last().unwrap().trim().to_string();
    let form = dir.path().join("giai-trinh.xlsx");
    let (ok, said, err) = thamdinh(
        &data,
        &[
            "visit",
            "explain-form",
            "--visit",
            &visit,
            "--out",
            form.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(said.contains("tiêu chí cần giải trình"), "{said}");
    let listed = python(
        r#"
import sys, openpyxl
b = openpyxl.load_workbook(sys.argv[1]); ws = b["Giải trình"]
rows = [r for r in ws.iter_rows(min_row=6) if r[0].value]
print(" ".join(r[0].value for r in rows))
rows[0][7].value = "Đơn vị đã ban hành kế hoạch ngày 10/01, gửi kèm bản chụp"
b.save(sys.argv[1])
"#,
        &[form.to_str().unwrap()],
    );
    let first = listed
        .split_whitespace()
        .next()
        .expect("at least one leaf to explain")
        .to_string();
    // The form lists what the CLI said it lists.
    assert!(
        said.contains(&listed.split_whitespace().collect::<Vec<_>>().join(", ")),
        "{said} / {listed}"
    );
    let (ok, said, err) = thamdinh(
        &data,
        &[
            "visit",
            "import-explain",
            "--visit",
            &visit,
            form.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let done: serde_json::Value = serde_json::from_str(&said).unwrap();
    assert_eq!(done["answered"], serde_json::json!([first]));
    // The answer is beside the leaf, and its audit entry names the form.
    let (_, log, _) = thamdinh(&data, &["visit", "verify-audit", "--visit", &visit]);
    assert!(log.starts_with("OK"), "{log}");
    // Another visit's form is refused.
    let (ok, other, _) = thamdinh(&data, &["demo"]);
    assert!(ok);
    let other = other.lines().last().unwrap().trim().to_string();
    let (ok, _, err) = thamdinh(
        &data,
        &[
            "visit",
            "import-explain",
            "--visit",
            &other,
            form.to_str().unwrap(),
        ],
    );
    assert!(!ok && err.contains("không phải của đơn vị"), "{err}");
}

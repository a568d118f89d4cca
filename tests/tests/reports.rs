//! The documents staff file: the minutes PDF read back with poppler's tools (the Vietnamese text
//! exact and NFC, Noto Serif embedded and subset, the table header repeated on page 2, the
//! signed bundle's SHA-256 in the footer), and the visit workbook read back by a real reader.
use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

use thamdinh_reports::minutes::{PhotoChoice, write_minutes};
use thamdinh_tests::{TEST_PASSPHRASE, sample_store, test_key};
use unicode_normalization::UnicodeNormalization;

fn pdftotext(pdf: &Path, pages: Option<(u32, u32)>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some((first, last)) = pages {
        cmd.args(["-f", &first.to_string(), "-l", &last.to_string()]);
    }
    let out = cmd
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (apt install poppler-utils; `make test` installs it)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_minutes_speak_vietnamese_exactly_embed_their_font_and_repeat_the_table_header() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, visit) = sample_store(&dir.path().join("store"));
    store
        .add_conclusion(
            &visit,
            thamdinh_core::conclusions::ConclusionKind::Recommendation,
            "Bổ sung báo cáo quý",
            &["1.2.1".into()],
            Some("31/03/2026"),
        )
        .unwrap();
    let photo = store.photos(&visit).unwrap()[0].meta.sha256.clone();
    store.link_photo(&visit, &photo, "1.1.1", true).unwrap();
    let pdf = dir.path().join("bien-ban.pdf");
    write_minutes(&store, &visit, &PhotoChoice::Linked, &pdf).unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    let text = pdftotext(&pdf, None);
    assert_eq!(text, text.nfc().collect::<String>(), "NFC throughout");
    let view = store.visit_view(&visit).unwrap();
    let total = &view.totals.appraised.total;
    let set = store.criteria_set(&view.set_id).unwrap();
    let first_leaf = set.leaves()[0].title.clone();
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN THẨM ĐỊNH",
        &view.unit.name,
        "ngày 15 tháng 01 năm 2026",
        "TRƯỞNG ĐOÀN",
        "ĐẠI DIỆN ĐƠN VỊ",
        "Ảnh hiện trường",
        "Kết luận của Đoàn thẩm định",
        "thời hạn khắc phục: 31/03/2026",
        &format!(
            "{} / {} điểm",
            thamdinh_core::number::format_vi(total.points),
            thamdinh_core::number::format_vi(total.max)
        ),
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    // Long titles wrap, so compare the first words of the first leaf.
    let words: String = first_leaf
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&words), "missing «{words}»");
    assert!(text.contains("Chưa xuất gói kết quả đã ký"));

    let fonts = Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let noto: Vec<&str> = fonts.lines().filter(|l| l.contains("NotoSerif")).collect();
    assert!(!noto.is_empty(), "{fonts}");
    for line in &noto {
        let cols: Vec<&str> = line.split_whitespace().collect();
        // name type encoding emb sub uni …: embedded and subset (the +ABCDEF prefix).
        assert!(cols[0].contains('+'), "subset: {line}");
        assert!(line.contains(" yes yes "), "embedded and subset: {line}");
    }
    assert!(
        !fonts.lines().skip(2).any(|l| !l.contains("NotoSerif")),
        "no other font: {fonts}"
    );

    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let pages: u32 = String::from_utf8(info.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|p| p.trim().parse().unwrap()))
        .unwrap();
    assert!(pages >= 2, "a 60-leaf table runs over pages");
    let page2 = pdftotext(&pdf, Some((2, 2)));
    assert!(
        page2.contains("Tự đánh giá")
            && page2.contains("Thẩm định")
            && page2.contains("Chênh lệch"),
        "the header row repeats on page 2:\n{page2}"
    );
    assert!(page2.contains(&format!("Trang 2 / {pages}")), "{page2}");

    // Once the visit is exported, the paper names the signed file.
    let bundle = dir.path().join("b.zip");
    thamdinh_core::bundle::export_bundle(
        &store,
        std::slice::from_ref(&visit),
        &test_key("delegation"),
        TEST_PASSPHRASE,
        &bundle,
        &|_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let signature = {
        let img = image::RgbaImage::from_fn(240, 80, |x, y| {
            image::Rgba(if (x as i32 - 3 * y as i32).abs() < 3 {
                [0, 0, 0, 255]
            } else {
                [255; 4]
            })
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    store
        .acknowledge(&visit, "Phạm Văn Dũng", "Chủ tịch UBND xã", &signature)
        .unwrap();
    write_minutes(&store, &visit, &PhotoChoice::None, &pdf).unwrap();
    let all = pdftotext(&pdf, None);
    assert!(
        all.contains("Xác nhận của đơn vị") && all.contains("không phải chữ ký số"),
        "the drawn acknowledgement is said to be one:\n{all}"
    );
    let sha = thamdinh_core::digest::sha256_hex(&std::fs::read(&bundle).unwrap());
    let text = pdftotext(&pdf, Some((1, 1)));
    assert!(text.contains(&sha), "footer names {sha}:\n{text}");
    assert!(!text.contains("Ảnh hiện trường"), "--no-photos");
}

#[test]
fn the_visit_workbook_reads_back_with_numbers_as_numbers_and_the_evidence_list() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let bytes = thamdinh_reports::visit_xlsx::visit_workbook(&store, &visit).unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Bảng điểm", "Tài liệu kiểm chứng"]);
    let sheet = book.worksheet_range("Bảng điểm").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let header = rows
        .iter()
        .position(|r| r[0] == Data::String("Mã".into()))
        .unwrap();
    assert_eq!(
        rows[header]
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        thamdinh_reports::visit_xlsx::HEADERS
    );
    let view = store.visit_view(&visit).unwrap();
    let area = &view.totals.nodes[0];
    let area_row = rows
        .iter()
        .find(|r| r[0] == Data::String(area.code.clone()))
        .unwrap();
    assert_eq!(
        area_row[2],
        Data::Float(area.max_points.to_string().parse().unwrap())
    );
    // The area's appraised subtotal is the scoring code's.
    assert_eq!(
        area_row[4],
        Data::Float(area.appraised.points.to_string().parse().unwrap())
    );
    let ev = book.worksheet_range("Tài liệu kiểm chứng").unwrap();
    let added = ev
        .rows()
        .find(|r| r[3] == Data::String("Kế hoạch CCHC năm 2025".into()))
        .expect("the evidence item added in the sample store");
    assert_eq!(added[0], Data::String("52/KH-UBND".into()));
    assert_eq!(added[1], Data::String("15/01/2025".into()), "dd/mm/yyyy");
    assert_eq!(ev.rows().count(), view.evidence.len() + 1);
}

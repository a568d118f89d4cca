//! The documents staff file: the minutes PDF read back with poppler's tools (the Vietnamese text
//! exact and NFC, Noto Serif embedded and subset, the table header repeated on page 2, the
//! signed bundle's SHA-256 in the footer), and the visit workbook read back by a real reader.
use std::path::Path;
use std::process::Command;

use thamdinh_reports::minutes::{PhotoChoice, pages_svg, write_minutes};
use thamdinh_tests::{export_signed, sample_store};
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
    export_signed(&store, &visit, "delegation", &bundle);
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

/// A page as grey levels at 72 dpi, drawn by poppler (PDF) or librsvg (SVG): two independent
/// renderers, so the preview is compared with what the PDF really shows.
fn grey_page(file: &Path, pdf_page: Option<u32>) -> image::GrayImage {
    let png = file.with_extension(format!("p{}.png", pdf_page.unwrap_or(0)));
    let status = match pdf_page {
        Some(page) => {
            let page = page.to_string();
            let stem = png.with_extension("");
            let status = Command::new("pdftoppm")
                .args([
                    "-png",
                    "-gray",
                    "-r",
                    "72",
                    "-singlefile",
                    "-f",
                    &page,
                    "-l",
                    &page,
                ])
                .arg(file)
                .arg(&stem)
                .status();
            status.expect("pdftoppm (apt install poppler-utils; `make test` installs it)")
        }
        None => Command::new("rsvg-convert")
            .args([
                "--dpi-x",
                "72",
                "--dpi-y",
                "72",
                "--background-color",
                "white",
                "-o",
            ])
            .arg(&png)
            .arg(file)
            .status()
            .expect("rsvg-convert (apt install librsvg2-bin; `make test` installs it)"),
    };
    assert!(status.success());
    image::open(&png).unwrap().to_luma8()
}

/// How alike two grey pages of (nearly) the same size look, from −1 to 1: the correlation of their
/// ink over a 12 × 17 grid of blocks. Two renderers draw hairlines and anti-aliasing differently
/// (poppler widens thin rules), which shifts the ink but not where it lies; another page moves it.
fn likeness(a: &image::GrayImage, b: &image::GrayImage) -> f64 {
    let (w, h) = (a.width().min(b.width()), a.height().min(b.height()));
    assert!(
        w > 590 && h > 835,
        "an A4 page at 72 dpi is 595 × 842 px: {w} × {h}"
    );
    let (cols, rows) = (12, 17);
    let ink = |img: &image::GrayImage| -> Vec<f64> {
        let mut out = Vec::new();
        for row in 0..rows {
            for col in 0..cols {
                let (x0, x1) = (col * w / cols, (col + 1) * w / cols);
                let (y0, y1) = (row * h / rows, (row + 1) * h / rows);
                let mut sum = 0u64;
                for y in y0..y1 {
                    for x in x0..x1 {
                        sum += u64::from(255 - img.get_pixel(x, y)[0]);
                    }
                }
                out.push(sum as f64 / f64::from((x1 - x0) * (y1 - y0)));
            }
        }
        out
    };
    let (a, b) = (ink(a), ink(b));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (ma, mb) = (mean(&a), mean(&b));
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>().sqrt();
    cov / (var(&a, ma) * var(&b, mb))
}

#[test]
fn the_preview_in_the_app_is_the_first_page_of_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let pages = pages_svg(&store, &visit, &PhotoChoice::Linked).unwrap();
    assert!(pages.len() >= 2, "every page is previewed");
    let svg = &pages[0];
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    let svg_file = dir.path().join("preview.svg");
    std::fs::write(&svg_file, svg).unwrap();
    let pdf = dir.path().join("bien-ban.pdf");
    write_minutes(&store, &visit, &PhotoChoice::Linked, &pdf).unwrap();

    let preview = grey_page(&svg_file, None);
    let (page1, page2) = (grey_page(&pdf, Some(1)), grey_page(&pdf, Some(2)));
    let (w, h) = (i64::from(preview.width()), i64::from(preview.height()));
    assert!(
        (w - i64::from(page1.width())).abs() <= 1 && (h - i64::from(page1.height())).abs() <= 1
    );
    let to_page1 = likeness(&preview, &page1);
    let to_page2 = likeness(&preview, &page2);
    assert!(
        to_page1 > 0.95 && to_page1 > to_page2 + 0.2,
        "the preview draws page 1 (likeness {to_page1:.3}), not page 2 ({to_page2:.3})"
    );
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

/// The minutes for Word (#25 §3): the same content as the PDF, read back by python-docx (an
/// independent reader): the title, the unit, every leaf row of the table with its values, the
/// totals and the signature blocks.
#[test]
fn the_minutes_as_docx_read_back_by_an_independent_reader() {
    let dir = tempfile::tempdir().unwrap();
    let (store, visit) = sample_store(&dir.path().join("store"));
    let bytes =
        thamdinh_reports::minutes::minutes_docx(&store, &visit, &PhotoChoice::Linked).unwrap();
    let file = dir.path().join("bien-ban.docx");
    std::fs::write(&file, &bytes).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, docx\nd = docx.Document(sys.argv[1])\nfor p in d.paragraphs: print(p.text)\nfor t in d.tables:\n    for r in t.rows: print(' | '.join(c.text for c in r.cells))",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let view = store.visit_view(&visit).unwrap();
    assert!(text.contains("BIÊN BẢN THẨM ĐỊNH"), "{text}");
    assert!(text.contains(&view.unit.name), "{text}");
    for leaf in &view.leaves {
        assert!(
            text.contains(&format!("{} | ", leaf.code)),
            "row of {}:\n{text}",
            leaf.code
        );
    }
    assert!(text.contains("Tổng điểm thẩm định:"), "{text}");
    assert!(
        text.contains("TRƯỞNG ĐOÀN") && text.contains("ĐẠI DIỆN ĐƠN VỊ"),
        "{text}"
    );
}

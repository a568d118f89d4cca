//! Criteria sets from and to Excel: the built-in sets go out to the template and come back to
//! the same canonical id; the messy appendices provinces send are read; every problem is named
//! by sheet, row and column, all at once.
use rust_xlsxwriter::{Format, Workbook};
use thamdinh_core::criteria_xlsx::{SheetProblem, export_xlsx, import_xlsx};

#[test]
fn every_built_in_set_goes_out_to_excel_and_back_to_the_same_id() {
    for (slug, set) in thamdinh_core::builtin::all() {
        let json = thamdinh_core::builtin::json(slug).unwrap();
        let xlsx = export_xlsx(json.as_bytes()).unwrap();
        let back = import_xlsx(&xlsx).unwrap_or_else(|p| panic!("{slug}: {p:#?}"));
        assert_eq!(back.set.id, set.id, "{slug}: lossless round trip");
        assert_eq!(back.set.leaves().len(), set.leaves().len());
    }
}

#[test]
fn the_template_reads_back_with_numbers_as_numbers_and_vietnamese_headers() {
    use calamine::{Data, Reader};
    let json = thamdinh_core::builtin::json("xa-2025").unwrap();
    let xlsx = export_xlsx(json.as_bytes()).unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(book.sheet_names(), ["Tiêu chí", "Thông tin"]);
    let range = book.worksheet_range("Tiêu chí").unwrap();
    let rows: Vec<_> = range.rows().collect();
    let header = rows
        .iter()
        .position(|r| r[0] == Data::String("Mã".into()))
        .unwrap();
    let names: Vec<String> = rows[header][..7].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        names,
        [
            "Mã",
            "Nội dung",
            "Điểm tối đa",
            "Phương pháp",
            "Cách chấm",
            "Tài liệu kiểm chứng",
            "Không áp dụng"
        ]
    );
    let leaf = rows
        .iter()
        .find(|r| r[0] == Data::String("1.1.2".into()))
        .unwrap();
    assert_eq!(leaf[2], Data::Float(1.5));
    assert_eq!(leaf[3], Data::String("Thẩm định".into()));
    let total = rows.last().unwrap();
    assert_eq!(
        (total[1].to_string(), &total[2]),
        ("Tổng cộng".into(), &Data::Float(100.0))
    );
}

/// A province's appendix: a merged title block, Roman-numeral areas, `1.1.a` codes, points
/// written `2,5`, blank spacer rows, a total row.
fn province_sheet(total: &str, extra_rows: &[[&str; 4]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Phụ lục II").unwrap();
    let bold = Format::new().set_bold();
    sheet.merge_range(0, 0, 0, 3, "PHỤ LỤC II", &bold).unwrap();
    sheet
        .merge_range(
            1,
            0,
            1,
            3,
            "BỘ TIÊU CHÍ XÁC ĐỊNH CHỈ SỐ CCHC CỦA UBND XÃ, PHƯỜNG NĂM 2025",
            &bold,
        )
        .unwrap();
    let header = [
        "STT",
        "Lĩnh vực/Tiêu chí/Tiêu chí thành phần",
        "Điểm tối đa",
        "Tài liệu kiểm chứng",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    let mut rows: Vec<[&str; 4]> = vec![
        ["I", "Công tác chỉ đạo, điều hành CCHC", "3", ""],
        ["1.1", "Kế hoạch CCHC", "3", ""],
        [
            "1.1.a",
            "Ban hành kế hoạch đúng hạn",
            "2,5",
            "Kế hoạch CCHC\nVăn bản hướng dẫn",
        ],
        ["1.1.b", "Báo cáo định kỳ", "0.5", "Báo cáo quý"],
        ["", "", "", ""],
        ["II", "Cải cách thủ tục hành chính", "7", ""],
        ["2.1", "Công khai thủ tục hành chính", "7", ""],
    ];
    rows.extend_from_slice(extra_rows);
    rows.push(["", "Tổng cộng", total, ""]);
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let row = 4 + i as u32;
            // Some provinces type numbers as numbers, some as text with a comma.
            match (c, v.parse::<f64>()) {
                (2, Ok(n)) => sheet.write_number(row, c as u16, n).unwrap(),
                _ => sheet.write_string(row, c as u16, *v).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_provinces_appendix_is_read_with_its_title_block_roman_areas_and_comma_points() {
    let imported = import_xlsx(&province_sheet("10", &[])).unwrap_or_else(|p| panic!("{p:#?}"));
    let set = imported.set;
    assert_eq!(set.areas.len(), 2);
    assert_eq!(
        set.areas
            .iter()
            .map(|a| a.code.as_str())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    let leaves: Vec<(&str, String)> = set
        .leaves()
        .iter()
        .map(|l| (l.code.as_str(), l.max_points.to_string()))
        .collect();
    assert_eq!(
        leaves,
        [
            ("1.1.a", "2.5".into()),
            ("1.1.b", "0.5".into()),
            ("2.1", "7".into())
        ]
    );
    assert_eq!(set.max_total().to_string(), "10");
    assert_eq!(set.year, Some(2025));
    assert_eq!(set.unit_type, "ubnd_cap_xa");
    assert!(set.title.contains("BỘ TIÊU CHÍ"), "{}", set.title);
    let a = set.leaves()[0].leaf.clone().unwrap();
    assert_eq!(a.evidence, ["Kế hoạch CCHC", "Văn bản hướng dẫn"]);
    // And it goes out to the template and back unchanged.
    let again = import_xlsx(&export_xlsx(imported.json.as_bytes()).unwrap()).unwrap();
    assert_eq!(again.set.id, set.id);
}

fn problems(bytes: &[u8]) -> Vec<SheetProblem> {
    import_xlsx(bytes).expect_err("refused")
}

#[test]
fn a_wrong_total_is_refused_naming_its_row() {
    let p = problems(&province_sheet("12", &[]));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (
            p[0].sheet.as_str(),
            p[0].row,
            p[0].column.as_deref(),
            p[0].code.as_str()
        ),
        ("Phụ lục II", Some(12), Some("C"), "total-mismatch")
    );
    assert!(p[0].to_string().contains("dòng 12, cột C"), "{}", p[0]);
}

#[test]
fn every_bad_cell_is_listed_at_once_with_sheet_row_and_column() {
    let p = problems(&province_sheet(
        "10",
        &[
            ["2.2", "Tiêu chí ghi điểm sai", "abc", ""],
            ["3.1", "Mục không có lĩnh vực cha", "1", ""],
            ["", "Dòng có nội dung mà không có mã", "", ""],
        ],
    ));
    let found: Vec<(Option<usize>, Option<&str>, &str)> = p
        .iter()
        .map(|p| (p.row, p.column.as_deref(), p.code.as_str()))
        .collect();
    assert!(found.contains(&(Some(12), Some("C"), "bad-max")), "{p:#?}");
    assert!(
        found.contains(&(Some(13), Some("A"), "orphan-code")),
        "{p:#?}"
    );
    assert!(
        found.contains(&(Some(14), Some("A"), "missing-code")),
        "{p:#?}"
    );
    assert_eq!(p.len(), 3, "each bad cell once: {p:#?}");
}

#[test]
fn a_file_that_is_not_a_workbook_is_refused_plainly() {
    let p = problems(b"%PDF-1.4 not a spreadsheet");
    assert_eq!(p[0].code, "not-a-workbook");
}

/// Found by `make fuzz`: a cell reference that overflows inside calamine panicked; it is now a
/// damaged file like any other, for criteria sets, unit lists and survey sheets alike.
#[test]
fn a_workbook_that_makes_the_reader_panic_is_refused_as_damaged() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz-findings/calamine-cell-reference-overflow.xlsx"),
    )
    .unwrap();
    let p = problems(&bytes);
    assert_eq!(p[0].code, "not-a-workbook", "{p:?}");
    assert!(p[0].message.contains("hỏng"), "{p:?}");
    let units = thamdinh_core::units::parse_unit_list(&bytes).unwrap_err();
    assert!(units[0].to_string().contains("hỏng"), "{units:?}");
}

/// A province's appendix that only marks the criteria that may be exempted ("x" in a «Không áp
/// dụng» column): read as the usual rule (the max leaves the attainable total) and listed, while
/// words in the cell still say how a criterion counts.
#[test]
fn a_not_applicable_mark_reads_as_the_usual_rule_and_is_listed() {
    use thamdinh_core::criteria::NotApplicable;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Phụ lục").unwrap();
    let rows: [[&str; 4]; 7] = [
        ["STT", "Nội dung", "Điểm tối đa", "Không áp dụng"],
        ["I", "Công tác chỉ đạo, điều hành CCHC", "4", ""],
        ["1.1", "Kế hoạch CCHC", "4", ""],
        ["1.1.a", "Ban hành kế hoạch đúng hạn", "2", "x"],
        ["1.1.b", "Báo cáo định kỳ", "1", "Được điểm tối đa"],
        ["1.1.c", "Tuyên truyền CCHC", "1", "X"],
        ["", "Tổng cộng", "4", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let imported =
        import_xlsx(&book.save_to_buffer().unwrap()).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(imported.na_marked, ["1.1.a", "1.1.c"]);
    let na = |code: &str| {
        imported
            .set
            .leaves()
            .iter()
            .find(|l| l.code == code)
            .and_then(|l| l.leaf.as_ref())
            .map(|l| l.not_applicable)
    };
    assert_eq!(na("1.1.a"), Some(NotApplicable::ReduceMax));
    assert_eq!(na("1.1.b"), Some(NotApplicable::AwardMax), "words win");
    assert_eq!(na("1.1.c"), Some(NotApplicable::ReduceMax));
}

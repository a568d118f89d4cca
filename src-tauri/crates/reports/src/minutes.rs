//! Biên bản thẩm định: the appraisal minutes of one visit as PDF. The data goes to the typst
//! template as one JSON document (every figure already written the Vietnamese way) plus the
//! selected photos' upright print copies; typst shapes the text, repeats the table header on every
//! page, subsets and embeds Noto Serif (never a system font).
use std::path::Path;

use serde::Serialize;
use thamdinh_core::conclusions::ConclusionKind;
use thamdinh_core::mistake::Missing;
use thamdinh_core::number::format_vi;
use thamdinh_core::store::Store;
use thamdinh_core::{Error, Result};
use typst::foundations::{Array, Bytes, Dict, IntoValue, Str};
use typst::layout::PagedDocument;
use typst_as_lib::TypstEngine;

use crate::table::{Row, VisitReport, total_text, visit_report};

/// The template, versioned with the app (`assets/reports/`).
pub const TEMPLATE: &str = include_str!("../../../../assets/reports/bien-ban-tham-dinh.typ");
pub(crate) const FONTS: [&[u8]; 4] = [
    include_bytes!("../../../../assets/fonts/NotoSerif-Regular.ttf"),
    include_bytes!("../../../../assets/fonts/NotoSerif-Bold.ttf"),
    include_bytes!("../../../../assets/fonts/NotoSerif-Italic.ttf"),
    include_bytes!("../../../../assets/fonts/NotoSerif-BoldItalic.ttf"),
];

/// Which photos the minutes show.
#[derive(Debug, Clone, Default)]
pub enum PhotoChoice {
    /// Those linked to a leaf or an evidence item (the default).
    #[default]
    Linked,
    /// These, by SHA-256, in this order.
    Chosen(Vec<String>),
    None,
}

#[derive(Serialize)]
struct Doc {
    issuer_top: String,
    issuer: String,
    place_date: String,
    subtitle: String,
    campaign: String,
    set_name: String,
    set_id: String,
    unit: String,
    delegation: Vec<Person>,
    participants: Vec<Person>,
    rows: Vec<DocRow>,
    self_total: String,
    appraised_total: String,
    deductions: Vec<Deduction>,
    explanations: Vec<Explanation>,
    photos: Vec<DocPhoto>,
    leader: String,
    secretary: String,
    unit_representative: String,
    bundle_sha256: Option<String>,
    status: String,
    /// The unit's drawn acknowledgement (its image goes in as `sys.inputs.acknowledgement`).
    acknowledgement: Option<AckLine>,
    strengths: Vec<String>,
    shortcomings: Vec<String>,
    recommendations: Vec<String>,
}

#[derive(Serialize)]
struct AckLine {
    name: String,
    title: String,
    at: String,
}

#[derive(Serialize)]
struct Person {
    name: String,
    title: String,
    role: String,
}

#[derive(Serialize)]
struct DocRow {
    kind: &'static str,
    code: String,
    title: String,
    max: String,
    self_assessed: String,
    appraised: String,
    difference: String,
    reason: String,
    evidence: String,
}

#[derive(Serialize)]
struct Deduction {
    code: String,
    title: String,
    appraised: String,
    max: String,
    reason: String,
}

#[derive(Serialize)]
struct Explanation {
    code: String,
    request: String,
    answer: String,
}

#[derive(Serialize)]
struct DocPhoto {
    caption: String,
    taken: String,
    flags: String,
}

fn row(r: &Row) -> DocRow {
    let text = |v: Option<crate::table::Value>| v.map(|v| v.text()).unwrap_or_default();
    DocRow {
        kind: r.kind,
        code: r.code.clone(),
        title: r.title.clone(),
        max: format_vi(r.max),
        self_assessed: text(r.self_assessed),
        appraised: text(r.appraised),
        difference: r
            .difference
            .filter(|d| !d.is_zero())
            .map(|d| {
                if d.is_sign_positive() {
                    format!("+{}", format_vi(d))
                } else {
                    format!("-{}", format_vi(-d))
                }
            })
            .unwrap_or_default(),
        reason: r.reason.clone(),
        evidence: if r.kind == "leaf" && r.evidence > 0 {
            r.evidence.to_string()
        } else {
            String::new()
        },
    }
}

/// "UBND TỈNH HÀ TĨNH" (the province's name given with or without "tỉnh"/"thành phố").
pub fn province_authority(province: &str) -> String {
    let p = province.trim();
    let lower = p.to_lowercase();
    if p.is_empty() {
        "SỞ NỘI VỤ".into()
    } else if lower.starts_with("tỉnh ") || lower.starts_with("thành phố ") {
        format!("UBND {}", p.to_uppercase())
    } else {
        format!("UBND TỈNH {}", p.to_uppercase())
    }
}

/// "Hà Tĩnh, ngày 14 tháng 10 năm 2025".
pub fn place_date(place: &str, iso_date: &str) -> String {
    let date = chrono::NaiveDate::parse_from_str(iso_date, "%Y-%m-%d").ok();
    let when = match date {
        Some(d) => {
            use chrono::Datelike;
            format!(
                "ngày {:02} tháng {:02} năm {}",
                d.day(),
                d.month(),
                d.year()
            )
        }
        None => "ngày … tháng … năm …".into(),
    };
    if place.trim().is_empty() {
        when
    } else {
        format!("{}, {when}", place.trim())
    }
}

/// A photo as the minutes list it: caption with its criteria, when taken, what is flagged.
fn doc_photo(p: &thamdinh_core::gallery::Photo) -> DocPhoto {
    let mut flags = Vec::new();
    if p.no_time {
        flags.push("không có thời điểm chụp".to_string());
    }
    if p.other_day {
        flags.push("chụp ngày khác ngày thẩm định".to_string());
    }
    if p.far {
        flags.push(format!(
            "cách trụ sở đơn vị {} km",
            format_vi(
                rust_decimal::Decimal::from_f64_retain(p.distance_km.unwrap_or_default())
                    .unwrap_or_default()
                    .round_dp(1)
            )
        ));
    }
    let taken = p
        .meta
        .taken_at
        .as_deref()
        .and_then(|t| {
            chrono::NaiveDateTime::parse_from_str(&t[..19.min(t.len())], "%Y-%m-%dT%H:%M:%S").ok()
        })
        .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default();
    let leaves = if p.leaves.is_empty() {
        String::new()
    } else {
        format!(" (tiêu chí {})", p.leaves.join(", "))
    };
    DocPhoto {
        caption: format!("{}{leaves}", p.caption),
        taken,
        flags: flags.join("; "),
    }
}

/// The unit's drawn acknowledgement as the minutes name it: who, and when (local time).
fn ack_line(a: thamdinh_core::acknowledgement::Acknowledgement) -> AckLine {
    AckLine {
        name: a.name,
        title: a.title,
        at: chrono::DateTime::parse_from_rfc3339(&a.at)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%d/%m/%Y %H:%M")
                    .to_string()
            })
            .unwrap_or(a.at),
    }
}

fn document(
    store: &Store,
    report: &VisitReport,
    photos: &[thamdinh_core::gallery::Photo],
) -> Result<Doc> {
    let v = &report.view;
    let c = &v.campaign;
    let by_role = |role: &str| {
        report
            .members
            .iter()
            .find(|m| m.role == role)
            .map(|m| m.name.clone())
    };
    let leader = by_role("leader")
        .or_else(|| Some(c.delegation_leader.clone()).filter(|l| !l.is_empty()))
        .unwrap_or_default();
    let bundle_sha256 = match store.latest_bundle_file(&v.visit.id)? {
        Some(f) => Some(thamdinh_core::digest::sha256_hex(&std::fs::read(f)?)),
        None => None,
    };
    let place = if v.visit.place.trim().is_empty() {
        c.province.clone()
    } else {
        v.visit.place.clone()
    };
    let title_of = |code: &str| {
        report
            .rows
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.title.clone())
            .unwrap_or_default()
    };
    Ok(Doc {
        issuer_top: province_authority(&c.province),
        issuer: if c.delegation_name.trim().is_empty() {
            "ĐOÀN THẨM ĐỊNH".into()
        } else {
            c.delegation_name.trim().to_uppercase()
        },
        place_date: place_date(&place, &v.visit.visit_date),
        subtitle: format!(
            "Kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {} của {}",
            c.year, v.unit.name
        ),
        campaign: c.name.clone(),
        set_name: report.set_title.clone(),
        set_id: v.set_id.clone(),
        unit: format!("{} ({})", v.unit.name, v.unit.code),
        delegation: report
            .members
            .iter()
            .map(|m| Person {
                name: m.name.clone(),
                title: m.title.clone(),
                role: match m.role.as_str() {
                    "leader" => "Trưởng đoàn".into(),
                    "secretary" => "Thư ký".into(),
                    "member" => "Thành viên".into(),
                    other => other.into(),
                },
            })
            .collect(),
        participants: v
            .visit
            .participants
            .iter()
            .map(|p| Person {
                name: p.name.clone(),
                title: p.title.clone(),
                role: String::new(),
            })
            .collect(),
        rows: report.rows.iter().map(row).collect(),
        self_total: total_text(&v.totals.self_assessed.total),
        appraised_total: total_text(&v.totals.appraised.total),
        deductions: report
            .rows
            .iter()
            .filter(|r| r.kind == "leaf" && !r.reason.is_empty())
            .map(|r| Deduction {
                code: r.code.clone(),
                title: r.title.clone(),
                appraised: r.appraised.map(|a| a.text()).unwrap_or_default(),
                max: format_vi(r.max),
                reason: r.reason.clone(),
            })
            .collect(),
        explanations: v
            .leaves
            .iter()
            .filter(|l| !l.explanation_request.is_empty() || !l.explanation_answer.is_empty())
            .map(|l| Explanation {
                code: format!("{} {}", l.code, title_of(&l.code)),
                request: l.explanation_request.clone(),
                answer: l.explanation_answer.clone(),
            })
            .collect(),
        photos: photos.iter().map(doc_photo).collect(),
        leader,
        secretary: by_role("secretary").unwrap_or_default(),
        unit_representative: v
            .visit
            .participants
            .first()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        bundle_sha256,
        strengths: conclusions(store, &v.visit.id, ConclusionKind::Strength)?,
        shortcomings: conclusions(store, &v.visit.id, ConclusionKind::Shortcoming)?,
        recommendations: conclusions(store, &v.visit.id, ConclusionKind::Recommendation)?,
        acknowledgement: store.acknowledgement(&v.visit.id)?.map(ack_line),
        status: match v.visit.status {
            thamdinh_core::visit::VisitStatus::Locked => "đã chốt".into(),
            thamdinh_core::visit::VisitStatus::Draft => "chưa chốt (bản nháp)".into(),
        },
    })
}

/// A visit's conclusions of one kind as the minutes write them: the text, the criteria it
/// concerns, the deadline.
fn conclusions(store: &Store, visit_id: &str, kind: ConclusionKind) -> Result<Vec<String>> {
    Ok(store
        .conclusions(visit_id)?
        .into_iter()
        .filter(|c| c.kind == kind)
        .map(|c| {
            let mut line = c.text;
            if !c.leaves.is_empty() {
                line.push_str(&format!(" (tiêu chí {})", c.leaves.join(", ")));
            }
            if let Some(d) = c
                .deadline
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            {
                line.push_str(&format!(" — thời hạn khắc phục: {}", d.format("%d/%m/%Y")));
            }
            line
        })
        .collect())
}

/// The minutes of a visit as PDF bytes.
pub fn minutes_pdf(store: &Store, visit_id: &str, choice: &PhotoChoice) -> Result<Vec<u8>> {
    let doc = lay_out(store, visit_id, choice)?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
        .map_err(|e| Error::internal(format!("không ghi được PDF: {e:?}")))
}

/// The minutes as .docx bytes: the same content as the PDF (photos named, not embedded), for
/// officials who edit in Word before signing.
pub fn minutes_docx(store: &Store, visit_id: &str, choice: &PhotoChoice) -> Result<Vec<u8>> {
    let (doc, _) = gather(store, visit_id, choice)?;
    let mut d = crate::docx::DocxBuilder::new();
    d.heading_block(&doc.issuer_top, &doc.issuer, &doc.place_date);
    d.title("BIÊN BẢN THẨM ĐỊNH", &doc.subtitle);
    d.para_bold_lead("Đợt thẩm định: ", &doc.campaign);
    d.para_bold_lead("Bộ tiêu chí: ", &doc.set_name);
    d.para_bold_lead(
        "Đơn vị được thẩm định: ",
        &format!("{} · Trạng thái phiếu: {}", doc.unit, doc.status),
    );
    d.heading("Thành phần");
    d.para_bold_lead("Đoàn thẩm định:", "");
    for p in &doc.delegation {
        d.para(&person(p));
    }
    d.para_bold_lead("Đại diện đơn vị:", "");
    for p in &doc.participants {
        d.para(&person(p));
    }
    d.heading("Kết quả chấm điểm");
    let head: Vec<String> = crate::visit_xlsx::HEADERS.map(String::from).to_vec();
    let rows: Vec<Vec<String>> = doc
        .rows
        .iter()
        .map(|r| {
            vec![
                r.code.clone(),
                r.title.clone(),
                r.max.clone(),
                r.self_assessed.clone(),
                r.appraised.clone(),
                r.difference.clone(),
                r.reason.clone(),
                r.evidence.clone(),
            ]
        })
        .collect();
    d.table(&head, &rows, &[]);
    d.para_bold_lead("Tổng điểm tự đánh giá: ", &doc.self_total);
    d.para_bold_lead("Tổng điểm thẩm định: ", &doc.appraised_total);
    if !doc.deductions.is_empty() {
        d.heading("Các tiêu chí bị trừ điểm");
        for x in &doc.deductions {
            d.para(&format!(
                "• {} {}: {} / {} — {}",
                x.code, x.title, x.appraised, x.max, x.reason
            ));
        }
    }
    if !doc.explanations.is_empty() {
        d.heading("Giải trình");
        for x in &doc.explanations {
            d.para(&format!(
                "• {}: đoàn đề nghị «{}» — đơn vị giải trình «{}»",
                x.code, x.request, x.answer
            ));
        }
    }
    for (title, items) in [
        ("Ưu điểm", &doc.strengths),
        ("Tồn tại", &doc.shortcomings),
        ("Kiến nghị", &doc.recommendations),
    ] {
        if !items.is_empty() {
            d.heading(title);
            for item in items {
                d.para(&format!("• {item}"));
            }
        }
    }
    if !doc.photos.is_empty() {
        d.heading("Ảnh hiện trường (trong bản PDF)");
        for p in &doc.photos {
            d.para(&format!("• {} {} {}", p.caption, p.taken, p.flags));
        }
    }
    if let Some(a) = &doc.acknowledgement {
        d.para(&format!("Đại diện đơn vị đã xác nhận bằng chữ ký vẽ trên máy: {}{} ({}) — hình chữ ký trong bản PDF.", a.name, if a.title.is_empty() { String::new() } else { format!(", {}", a.title) }, a.at));
    }
    d.signatures(&[
        ("ĐẠI DIỆN ĐƠN VỊ", &doc.unit_representative),
        ("THƯ KÝ", &doc.secretary),
        ("TRƯỞNG ĐOÀN", &doc.leader),
    ]);
    d.finish()
}

fn person(p: &Person) -> String {
    let mut s = format!("• {}", p.name);
    if !p.title.is_empty() {
        s.push_str(&format!(", {}", p.title));
    }
    if !p.role.is_empty() {
        s.push_str(&format!(" — {}", p.role));
    }
    s
}

/// The pages of the minutes as SVG, laid out exactly as the PDF's pages, for the app to show (page
/// by page, zoomed) before the person saves.
pub fn pages_svg(store: &Store, visit_id: &str, choice: &PhotoChoice) -> Result<Vec<String>> {
    let doc = lay_out(store, visit_id, choice)?;
    if doc.pages.is_empty() {
        return Err(Error::internal("biên bản không có trang nào"));
    }
    Ok(doc.pages.iter().map(typst_svg::svg).collect())
}

/// Gathers the visit's data and photos and lays the minutes out in pages.
fn lay_out(store: &Store, visit_id: &str, choice: &PhotoChoice) -> Result<PagedDocument> {
    let (doc, photos) = gather(store, visit_id, choice)?;
    typeset(store, &doc, &photos, visit_id)
}

/// The minutes' data and the photos chosen for them (one gathering for the PDF and the .docx).
fn gather(
    store: &Store,
    visit_id: &str,
    choice: &PhotoChoice,
) -> Result<(Doc, Vec<thamdinh_core::gallery::Photo>)> {
    let report = visit_report(store, visit_id)?;
    let all = store.photos(visit_id)?;
    let photos: Vec<thamdinh_core::gallery::Photo> = match choice {
        PhotoChoice::Linked => all
            .into_iter()
            .filter(|p| !p.leaves.is_empty() || !p.evidence.is_empty())
            .collect(),
        PhotoChoice::Chosen(shas) => {
            let mut out = Vec::new();
            for sha in shas {
                let p = all
                    .iter()
                    .find(|p| p.meta.sha256.starts_with(sha.as_str()))
                    .ok_or_else(|| Error::NotFound(Missing::PhotoInVisit(sha.clone())))?;
                out.push(p.clone());
            }
            out
        }
        PhotoChoice::None => Vec::new(),
    };
    Ok((document(store, &report, &photos)?, photos))
}

/// The minutes in pages, with the photos' print copies and the drawn acknowledgement.
fn typeset(
    store: &Store,
    doc: &Doc,
    photos: &[thamdinh_core::gallery::Photo],
    visit_id: &str,
) -> Result<PagedDocument> {
    let photos_dir = store.photos_dir()?;
    let mut images = Array::new();
    for file in print_copies(&photos_dir, photos)? {
        images.push(Bytes::new(std::fs::read(file)?).into_value());
    }
    let json = serde_json::to_string(doc).map_err(Error::internal)?;
    let mut inputs = Dict::new();
    inputs.insert(Str::from("data"), Str::from(json).into_value());
    inputs.insert(Str::from("photos"), images.into_value());
    if let Some(png) = store.acknowledgement_image(visit_id)? {
        inputs.insert(Str::from("acknowledgement"), Bytes::new(png).into_value());
    }
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(FONTS)
        .build();
    engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| Error::internal(format!("không dàn trang được biên bản: {e:?}")))
}

/// The printed copy of each photo, in order; those not made yet are made on every core at once
/// (a 12 MP JPEG takes tens of milliseconds even at 1/4 scale).
fn print_copies(
    photos_dir: &Path,
    photos: &[thamdinh_core::gallery::Photo],
) -> Result<Vec<std::path::PathBuf>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = photos.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = photos
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| {
                            // A stored photo that no longer decodes is the disk's fault.
                            thamdinh_core::photo::ensure_print(photos_dir, &p.meta.sha256).map_err(
                                |e| {
                                    Error::Io(std::io::Error::new(
                                        std::io::ErrorKind::InvalidData,
                                        format!("ảnh {}: {e}", p.meta.sha256),
                                    ))
                                },
                            )
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(photos.len());
        for handle in handles {
            out.extend(
                handle
                    .join()
                    .map_err(|_| Error::internal("không chuẩn bị được ảnh để in"))??,
            );
        }
        Ok(out)
    })
}

/// Writes the minutes to `out` (temp file beside it, then rename).
pub fn write_minutes(
    store: &Store,
    visit_id: &str,
    choice: &PhotoChoice,
    out: &Path,
) -> Result<usize> {
    let pdf = minutes_pdf(store, visit_id, choice)?;
    thamdinh_core::files::write_atomic(out, &pdf)?;
    Ok(pdf.len())
}

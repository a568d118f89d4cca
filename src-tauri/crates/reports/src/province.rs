//! The province's report (báo cáo kết quả xác định Chỉ số CCHC): the summary, the ranking table
//! per group with bands and the areas' sub-indices, the ranking bars and the heat map with their
//! legends, the weakest criteria and the shortcomings delegations concluded, the disagreements and
//! how they were decided, the source bundles, and the appendix laid out as a decision's appendix.
//! One set of data (every figure written the Vietnamese way), two documents: PDF (typst) and .docx
//! (officials edit it in Word before signing).
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;
use thamdinh_core::hq::merge::{ConflictKind, Role};
use thamdinh_core::hq::results::UnitResult;
use thamdinh_core::number::{format_vi, format_vi_2dp, round_half_up};
use thamdinh_core::store::Store;
use thamdinh_core::{Error, Result};
use typst::foundations::{Dict, IntoValue, Str};
use typst_as_lib::TypstEngine;

use crate::docx::{DocxBuilder, heat_hex};
use crate::minutes::{place_date, province_authority};

pub const TEMPLATE: &str = include_str!("../../../../assets/reports/bao-cao-tong-hop.typ");

#[derive(Serialize)]
pub struct ProvinceDoc {
    pub title: String,
    pub issuer: String,
    pub issuer_name: String,
    pub place_date: String,
    pub year: i32,
    pub decision_year: i32,
    pub campaign: String,
    pub set_title: String,
    pub summary: Summary,
    pub areas: Vec<AreaHead>,
    pub groups: Vec<Group>,
    pub heatmap: Vec<RankRow>,
    pub weakest: Vec<Weak>,
    pub shortcomings: Vec<Shortcoming>,
    pub disagreements: Vec<Disagreement>,
    pub sources: Vec<Source>,
}

#[derive(Serialize)]
pub struct Summary {
    pub planned: usize,
    pub appraised: usize,
    pub ranked: usize,
    pub mean_index: String,
    pub bands: Vec<BandCount>,
}

#[derive(Serialize)]
pub struct BandCount {
    pub label: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct AreaHead {
    pub code: String,
    pub title: String,
}

#[derive(Serialize)]
pub struct Group {
    pub name: String,
    pub rows: Vec<RankRow>,
}

#[derive(Serialize, Clone)]
pub struct RankRow {
    pub rank: String,
    pub code: String,
    pub name: String,
    pub areas: Vec<AreaCell>,
    pub points: String,
    pub index: String,
    pub band: String,
    /// The index as a number for the bars (−1: not ranked).
    pub bar: f64,
}

#[derive(Serialize, Clone)]
pub struct AreaCell {
    pub index: String,
    /// 0–100 for the heat map's colour (−1: no value).
    pub heat: f64,
}

#[derive(Serialize)]
pub struct Weak {
    pub code: String,
    pub title: String,
    pub share: String,
    pub units_below_max: u32,
}

#[derive(Serialize)]
pub struct Shortcoming {
    pub code: String,
    pub title: String,
    pub units: String,
}

#[derive(Serialize)]
pub struct Disagreement {
    pub unit: String,
    pub code: String,
    pub sides: String,
    pub decided: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct Source {
    pub units: String,
    pub signer: String,
    pub revision: u32,
    pub sha256: String,
}

/// The provincial People's Committee as a decision names it: "Ủy ban nhân dân tỉnh Hà Tĩnh".
fn committee(province: &str) -> String {
    let p = province.trim();
    let lower = p.to_lowercase();
    if p.is_empty() {
        "Ủy ban nhân dân tỉnh".into()
    } else if lower.starts_with("tỉnh ") || lower.starts_with("thành phố ") {
        format!("Ủy ban nhân dân {p}")
    } else {
        format!("Ủy ban nhân dân tỉnh {p}")
    }
}

/// A group as people name it (the unit types' keys in Vietnamese).
fn group_name(group: &str) -> String {
    match group {
        "so_ban_nganh" => "Sở, ban, ngành".into(),
        "xa" => "Xã".into(),
        "phuong" => "Phường".into(),
        "dac_khu" => "Đặc khu".into(),
        "huyen" => "Huyện".into(),
        other => other.into(),
    }
}

fn percent(index: Option<&str>) -> String {
    index
        .and_then(|i| i.parse::<Decimal>().ok())
        .map(|d| format!("{} %", format_vi_2dp(d)))
        .unwrap_or_else(|| "—".into())
}

fn number(text: Option<&str>) -> f64 {
    text.and_then(|t| t.parse().ok()).unwrap_or(-1.0)
}

fn rank_row(u: &UnitResult) -> RankRow {
    RankRow {
        rank: u.rank.map_or("—".into(), |r| r.to_string()),
        code: u.code.clone(),
        name: u.name.clone(),
        areas: u
            .areas
            .iter()
            .map(|a| AreaCell {
                index: a
                    .index
                    .as_deref()
                    .filter(|_| !u.bundles.is_empty())
                    .and_then(|i| i.parse::<Decimal>().ok())
                    .map(|d| format_vi(round_half_up(d, 1)))
                    .unwrap_or_else(|| "—".into()),
                heat: if u.bundles.is_empty() {
                    -1.0
                } else {
                    number(a.index.as_deref())
                },
            })
            .collect(),
        points: if u.bundles.is_empty() {
            "—".into()
        } else {
            u.points
                .parse::<Decimal>()
                .map(format_vi)
                .unwrap_or_default()
        },
        index: if u.rank.is_some() {
            percent(u.index.as_deref())
        } else {
            "—".into()
        },
        band: u.band.clone().unwrap_or_default(),
        bar: if u.rank.is_some() {
            number(u.index.as_deref())
        } else {
            -1.0
        },
    }
}

/// Gathers the report's data from the store: what the results, the conflicts and the bundles say.
pub fn province_doc(store: &Store, campaign_id: &str) -> Result<ProvinceDoc> {
    let campaign = store.campaign(campaign_id)?;
    let set = store.criteria_set(&campaign.criteria_set_id)?;
    let results = store.hq_results(campaign_id)?;
    let today = chrono::Local::now().date_naive();
    let issuer = province_authority(&campaign.province);
    Ok(ProvinceDoc {
        title: format!(
            "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
            campaign.year
        ),
        issuer_name: committee(&campaign.province),
        issuer,
        place_date: place_date(&campaign.province, &today.format("%Y-%m-%d").to_string()),
        year: campaign.year,
        decision_year: chrono::Datelike::year(&today),
        campaign: campaign.name.clone(),
        set_title: set.title.clone(),
        summary: summary_of(store, campaign_id, &results)?,
        areas: set
            .areas
            .iter()
            .map(|a| AreaHead {
                code: a.code.clone(),
                title: a.title.clone(),
            })
            .collect(),
        groups: groups_of(&results),
        heatmap: results
            .iter()
            .filter(|u| !u.bundles.is_empty())
            .map(rank_row)
            .collect(),
        weakest: weakest_of(store, campaign_id)?,
        shortcomings: shortcomings_of(store, campaign_id)?,
        disagreements: disagreements_of(store, campaign_id)?,
        sources: sources_of(store, campaign_id)?,
    })
}

/// The summary: units planned, appraised and ranked, the mean index, the counts per band.
fn summary_of(store: &Store, campaign_id: &str, results: &[UnitResult]) -> Result<Summary> {
    let ranked: Vec<&UnitResult> = results.iter().filter(|u| u.rank.is_some()).collect();
    let mean = if ranked.is_empty() {
        "—".into()
    } else {
        let sum: Decimal = ranked
            .iter()
            .filter_map(|u| u.index.as_deref()?.parse::<Decimal>().ok())
            .sum();
        format!(
            "{} %",
            format_vi_2dp(round_half_up(sum / Decimal::from(ranked.len()), 2))
        )
    };
    let bands = store
        .hq_bands(campaign_id)?
        .iter()
        .map(|b| BandCount {
            label: b.label.clone(),
            count: ranked
                .iter()
                .filter(|u| u.band.as_deref() == Some(b.label.as_str()))
                .count(),
        })
        .collect();
    Ok(Summary {
        planned: results.len(),
        appraised: results.iter().filter(|u| !u.bundles.is_empty()).count(),
        ranked: ranked.len(),
        mean_index: mean,
        bands,
    })
}

/// The ranking tables, one per group: ranked units by rank, then the others.
fn groups_of(results: &[UnitResult]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut names: Vec<&str> = results.iter().map(|u| u.group.as_str()).collect();
    names.sort();
    names.dedup();
    for g in names {
        let mut rows: Vec<&UnitResult> = results.iter().filter(|u| u.group == g).collect();
        rows.sort_by_key(|u| (u.rank.is_none(), u.rank, u.code.clone()));
        groups.push(Group {
            name: group_name(g),
            rows: rows.into_iter().map(rank_row).collect(),
        });
    }
    groups
}

fn weakest_of(store: &Store, campaign_id: &str) -> Result<Vec<Weak>> {
    Ok(store
        .hq_weakest(campaign_id, 10)?
        .into_iter()
        .map(|w| Weak {
            code: w.code,
            title: w.title,
            share: percent(w.share.as_deref()),
            units_below_max: w.units_below_max,
        })
        .collect())
}

fn shortcomings_of(store: &Store, campaign_id: &str) -> Result<Vec<Shortcoming>> {
    Ok(store
        .hq_shortcomings(campaign_id)?
        .into_iter()
        .map(|s| Shortcoming {
            code: s.code,
            title: s.title,
            units: s
                .units
                .iter()
                .map(|u| format!("{} ({})", u.name, u.text))
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect())
}

/// The disagreements and how they were decided (a fork is a disagreement on a whole visit).
fn disagreements_of(store: &Store, campaign_id: &str) -> Result<Vec<Disagreement>> {
    Ok(store
        .hq_conflicts(campaign_id)?
        .into_iter()
        .map(|c| Disagreement {
            unit: c.unit.clone(),
            code: if c.kind == ConflictKind::Fork {
                "rẽ nhánh".into()
            } else {
                c.code.clone()
            },
            sides: c
                .sides
                .iter()
                .map(|s| {
                    format!(
                        "{} ({}, bản {})",
                        s.value.replace('.', ","),
                        s.signer_name,
                        s.revision
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            decided: c.resolution.as_ref().map_or("chưa quyết định".into(), |r| {
                r.value.replace('.', ",")
            }),
            reason: c
                .resolution
                .as_ref()
                .map(|r| r.reason.clone())
                .unwrap_or_default(),
        })
        .collect())
}

/// The bundles counted: what the figures trace to.
fn sources_of(store: &Store, campaign_id: &str) -> Result<Vec<Source>> {
    Ok(store
        .hq_bundles(campaign_id)?
        .into_iter()
        .filter(|b| b.role == Role::Counted)
        .map(|b| Source {
            units: b.units.join(", "),
            signer: b.signer_name,
            revision: b.revision,
            sha256: b.file_sha256,
        })
        .collect())
}

/// The report as PDF bytes.
pub fn report_pdf(doc: &ProvinceDoc) -> Result<Vec<u8>> {
    let json = serde_json::to_string(doc).map_err(Error::internal)?;
    let mut inputs = Dict::new();
    inputs.insert(Str::from("data"), Str::from(json).into_value());
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(crate::minutes::FONTS)
        .build();
    let paged: typst::layout::PagedDocument = engine
        .compile_with_input(inputs)
        .output
        .map_err(|e| Error::internal(format!("không dàn trang được báo cáo: {e:?}")))?;
    typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default())
        .map_err(|e| Error::internal(format!("không ghi được PDF: {e:?}")))
}

/// The same report as .docx bytes.
pub fn report_docx(doc: &ProvinceDoc) -> Result<Vec<u8>> {
    let mut d = DocxBuilder::new();
    d.heading_block(&doc.issuer, "SỞ NỘI VỤ", &doc.place_date);
    d.title("BÁO CÁO", &doc.title);
    d.para_bold_lead("Đợt thẩm định: ", &doc.campaign);
    d.para_bold_lead("Bộ tiêu chí: ", &doc.set_title);
    docx_summary(&mut d, doc);
    docx_ranking(&mut d, doc);
    docx_charts(&mut d, doc);
    docx_findings(&mut d, doc);
    docx_appendix(&mut d, doc);
    d.finish()
}

/// 1. The summary: units planned, appraised, ranked; the mean index; counts per band.
fn docx_summary(d: &mut DocxBuilder, doc: &ProvinceDoc) {
    d.heading("1. Tổng quan");
    let s = &doc.summary;
    d.para(&format!(
        "Số đơn vị trong kế hoạch: {}; đã có kết quả thẩm định: {}; được xếp hạng: {}. Chỉ số trung bình của các đơn vị được xếp hạng: {}.",
        s.planned, s.appraised, s.ranked, s.mean_index
    ));
    if !s.bands.is_empty() {
        d.para(&format!(
            "Xếp loại: {}.",
            s.bands
                .iter()
                .map(|b| format!("{}: {}", b.label, b.count))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
}

/// 2. The ranking table per group, with bands and the areas' sub-indices.
fn docx_ranking(d: &mut DocxBuilder, doc: &ProvinceDoc) {
    d.heading("2. Kết quả xếp hạng theo nhóm");
    for g in &doc.groups {
        d.subheading(&format!("Nhóm: {} ({} đơn vị)", g.name, g.rows.len()));
        let mut head = vec!["Hạng".to_string(), "Mã".into(), "Đơn vị".into()];
        head.extend(doc.areas.iter().map(|a| a.code.clone()));
        head.extend(["Tổng điểm".into(), "Chỉ số".into(), "Xếp loại".into()]);
        let rows = g
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.rank.clone(), r.code.clone(), r.name.clone()];
                cells.extend(r.areas.iter().map(|a| a.index.clone()));
                cells.extend([r.points.clone(), r.index.clone(), r.band.clone()]);
                cells
            })
            .collect::<Vec<_>>();
        d.table(&head, &rows, &[]);
    }
    d.small(&format!(
        "Cột lĩnh vực: chỉ số thành phần (%) — {}.",
        doc.areas
            .iter()
            .map(|a| format!("{}. {}", a.code, a.title))
            .collect::<Vec<_>>()
            .join("; ")
    ));
}

/// 3. The ranking bars per group and the heat map, with their scales.
fn docx_charts(d: &mut DocxBuilder, doc: &ProvinceDoc) {
    d.heading("3. Biểu đồ");
    // A group with no ranked unit has no bars (as in the PDF).
    for g in doc
        .groups
        .iter()
        .filter(|g| g.rows.iter().any(|r| r.bar >= 0.0))
    {
        d.subheading(&format!(
            "Xếp hạng — nhóm {} (chỉ số %, thang 0–100)",
            g.name
        ));
        for r in g.rows.iter().filter(|r| r.bar >= 0.0) {
            d.bar(&format!("{}. {}", r.rank, r.name), r.bar, &r.index);
        }
    }
    d.subheading("Bản đồ nhiệt: đơn vị × lĩnh vực (chỉ số thành phần %; màu đậm: chỉ số cao)");
    let mut head = vec!["Mã".to_string(), "Đơn vị".into()];
    head.extend(doc.areas.iter().map(|a| a.code.clone()));
    let rows: Vec<Vec<String>> = doc
        .heatmap
        .iter()
        .map(|r| {
            let mut cells = vec![r.code.clone(), r.name.clone()];
            cells.extend(r.areas.iter().map(|a| a.index.clone()));
            cells
        })
        .collect();
    let fills: Vec<Vec<Option<String>>> = doc
        .heatmap
        .iter()
        .map(|r| {
            let mut f = vec![None, None];
            f.extend(r.areas.iter().map(|a| Some(heat_hex(a.heat))));
            f
        })
        .collect();
    d.table(&head, &rows, &fills);
    d.legend();
}

/// 4–6. The weakest criteria and shortcomings, the disagreements and decisions, the sources.
fn docx_findings(d: &mut DocxBuilder, doc: &ProvinceDoc) {
    d.heading("4. Tiêu chí đạt thấp nhất");
    d.table(
        &[
            "Mã".into(),
            "Tiêu chí".into(),
            "Tỷ lệ đạt".into(),
            "Số đơn vị bị trừ".into(),
        ],
        &doc.weakest
            .iter()
            .map(|w| {
                vec![
                    w.code.clone(),
                    w.title.clone(),
                    w.share.clone(),
                    w.units_below_max.to_string(),
                ]
            })
            .collect::<Vec<_>>(),
        &[],
    );
    if !doc.shortcomings.is_empty() {
        d.para_bold_lead("Tồn tại các đoàn đã kết luận:", "");
        for s in &doc.shortcomings {
            d.para(&format!("• {} {}: {}", s.code, s.title, s.units));
        }
    }
    d.heading("5. Ý kiến khác nhau giữa các đoàn và cách giải quyết");
    if doc.disagreements.is_empty() {
        d.para("Không có.");
    } else {
        d.table(
            &[
                "Đơn vị".into(),
                "Tiêu chí".into(),
                "Các bên".into(),
                "Quyết định".into(),
                "Lý do".into(),
            ],
            &doc.disagreements
                .iter()
                .map(|x| {
                    vec![
                        x.unit.clone(),
                        x.code.clone(),
                        x.sides.clone(),
                        x.decided.clone(),
                        x.reason.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
            &[],
        );
    }
    d.heading("6. Nguồn số liệu: các gói kết quả đã ký được tính");
    d.table(
        &[
            "Đơn vị".into(),
            "Đoàn (người ký)".into(),
            "Bản".into(),
            "SHA-256 của gói".into(),
        ],
        &doc.sources
            .iter()
            .map(|s| {
                vec![
                    s.units.clone(),
                    s.signer.clone(),
                    s.revision.to_string(),
                    s.sha256.clone(),
                ]
            })
            .collect::<Vec<_>>(),
        &[],
    );
}

/// The appendix, laid out as a decision's appendix.
fn docx_appendix(d: &mut DocxBuilder, doc: &ProvinceDoc) {
    d.page_break();
    d.title(
        "Phụ lục",
        &format!(
            "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {}",
            doc.year
        ),
    );
    d.centered_italic(&format!(
        "(Kèm theo Quyết định số ......../QĐ-UBND ngày ..../..../{} của {})",
        doc.decision_year, doc.issuer_name
    ));
    for g in &doc.groups {
        d.subheading(&g.name);
        d.table(
            &[
                "STT".into(),
                "Đơn vị".into(),
                "Tổng điểm".into(),
                "Chỉ số CCHC (%)".into(),
                "Xếp hạng".into(),
                "Xếp loại".into(),
            ],
            &g.rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        r.name.clone(),
                        r.points.clone(),
                        r.index.clone(),
                        r.rank.clone(),
                        r.band.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
            &[],
        );
    }
}

/// Writes the report: the PDF at `pdf`, and the .docx at `docx` when given. Returns the bytes
/// written of each.
pub fn write_report(
    store: &Store,
    campaign_id: &str,
    pdf: Option<&Path>,
    docx: Option<&Path>,
) -> Result<(usize, usize)> {
    let doc = province_doc(store, campaign_id)?;
    let mut sizes = (0, 0);
    if let Some(out) = pdf {
        let bytes = report_pdf(&doc)?;
        thamdinh_core::files::write_atomic(out, &bytes)?;
        sizes.0 = bytes.len();
    }
    if let Some(out) = docx {
        let bytes = report_docx(&doc)?;
        thamdinh_core::files::write_atomic(out, &bytes)?;
        sizes.1 = bytes.len();
    }
    Ok(sizes)
}

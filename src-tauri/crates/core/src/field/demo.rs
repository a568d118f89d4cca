//! The demo campaign: a commune-level campaign on the built-in xã 2025 set, a delegation, five
//! units and one partly scored visit with evidence, so a newcomer sees something real at once.
use crate::Result;
use crate::criteria::{Method, NotApplicable};
use crate::evidence::NewEvidence;
use crate::store::{NewCampaign, Store};
use crate::units::NewUnit;
use crate::visit::{LeafField, Participant, Visit};

pub const DEMO_CAMPAIGN_NAME: &str =
    "Thẩm định Chỉ số CCHC năm 2025 — khối xã, phường (dữ liệu mẫu)";

/// The built-in set the demo uses unless told otherwise.
pub const DEMO_SET: &str = "xa-2025";

/// Creates the demo campaign on a built-in set (slug or id) and returns its partly scored visit.
/// One transaction: a demo killed half-way leaves nothing.
pub fn create_demo(store: &mut Store, set: &str) -> Result<Visit> {
    store.in_one_transaction(|s| build_demo(s, set))
}

/// The demo, unless the store already has a campaign (then `None`). Checked inside the demo's
/// own transaction, so two of these started at once make one demo.
pub fn create_demo_if_empty(store: &mut Store, set: &str) -> Result<Option<Visit>> {
    store.in_one_transaction(|s| {
        if s.campaigns()?.is_empty() {
            build_demo(s, set).map(Some)
        } else {
            Ok(None)
        }
    })
}

fn build_demo(store: &mut Store, set: &str) -> Result<Visit> {
    let json = crate::builtin::json(set)?;
    let campaign = store.create_campaign(&NewCampaign {
        name: DEMO_CAMPAIGN_NAME,
        year: 2025,
        province: "Tỉnh mẫu",
        unit_group: "Xã, phường, đặc khu",
        criteria_set_json: json,
        delegation_name: "Đoàn thẩm định số 1",
        delegation_leader: "Nguyễn Văn An",
    })?;
    store.add_member(
        &campaign.id,
        "Nguyễn Văn An",
        "Phó Giám đốc Sở Nội vụ",
        "leader",
    )?;
    store.add_member(
        &campaign.id,
        "Trần Thị Bình",
        "Chuyên viên Sở Nội vụ",
        "member",
    )?;
    store.add_member(
        &campaign.id,
        "Lê Văn Cường",
        "Chuyên viên Sở Tư pháp",
        "secretary",
    )?;
    if store.setting(crate::store::USER_NAME)?.is_none() {
        store.set_setting(crate::store::USER_NAME, "Trần Thị Bình")?;
    }
    let units = [
        ("XA001", "Xã Thạch Lạc", "xa", Some((18.3583, 105.8877))),
        ("XA002", "Xã Đồng Tiến", "xa", None),
        (
            "PH001",
            "Phường Thành Sen",
            "phuong",
            Some((18.3428, 105.9057)),
        ),
        ("PH002", "Phường Bắc Hồng Lĩnh", "phuong", None),
        ("DK001", "Đặc khu Hòn Ngư", "dac_khu", None),
    ];
    let mut first = None;
    for (code, name, kind, location) in units {
        let unit = store.add_unit(
            &campaign.id,
            &NewUnit {
                code: code.into(),
                name: name.into(),
                unit_type: kind.into(),
                latitude: location.map(|l| l.0),
                longitude: location.map(|l| l.1),
                group: None,
            },
        )?;
        first.get_or_insert(unit);
    }
    let unit = first.expect("five units were added");
    let visit = store.create_visit(
        &unit.id,
        "15/01/2026",
        "Hội trường UBND xã Thạch Lạc",
        &[
            Participant {
                name: "Phạm Văn Dũng".into(),
                title: "Chủ tịch UBND xã".into(),
            },
            Participant {
                name: "Hoàng Thị Em".into(),
                title: "Công chức Văn phòng - Thống kê".into(),
            },
        ],
    )?;
    score_demo_visit(store, &visit.id)?;
    Ok(visit)
}

/// Scores the first two dozen appraised leaves (a few deducted, one N/A), some survey leaves, and
/// registers three evidence items.
fn score_demo_visit(store: &mut Store, visit_id: &str) -> Result<()> {
    let set = store.visit_set(visit_id)?;
    let mut scored = Vec::new();
    let mut na_done = false;
    for (i, node) in set
        .leaves()
        .into_iter()
        .filter(|n| {
            n.leaf
                .as_ref()
                .is_some_and(|l| l.method == Method::ThamDinh)
        })
        .take(24)
        .enumerate()
    {
        let leaf = node.leaf.as_ref().expect("filtered leaves");
        let max = node.max_points.normalize().to_string();
        if !na_done && leaf.not_applicable == NotApplicable::ReduceMax {
            store.set_field(visit_id, &node.code, LeafField::SelfAssessed, "NA")?;
            store.set_field(visit_id, &node.code, LeafField::Appraised, "NA")?;
            store.set_field(
                visit_id,
                &node.code,
                LeafField::NaReason,
                "Trong năm không phát sinh nhiệm vụ này",
            )?;
            na_done = true;
            continue;
        }
        store.set_field(visit_id, &node.code, LeafField::SelfAssessed, &max)?;
        let lower = leaf
            .rule
            .levels
            .iter()
            .map(|l| l.points)
            .find(|p| *p < node.max_points);
        match lower {
            Some(points) if i % 5 == 2 => {
                store.set_field(
                    visit_id,
                    &node.code,
                    LeafField::Appraised,
                    &points.normalize().to_string(),
                )?;
                store.set_field(
                    visit_id,
                    &node.code,
                    LeafField::DeductionReason,
                    "Văn bản ban hành chậm so với thời hạn; tài liệu kiểm chứng chưa đầy đủ",
                )?;
                store.set_field(
                    visit_id,
                    &node.code,
                    LeafField::ExplanationRequest,
                    "Đề nghị bổ sung văn bản gốc",
                )?;
            }
            _ => store.set_field(visit_id, &node.code, LeafField::Appraised, &max)?,
        }
        scored.push(node.code.clone());
    }
    for node in set
        .leaves()
        .into_iter()
        .filter(|n| {
            n.leaf
                .as_ref()
                .is_some_and(|l| l.method == Method::DieuTraXhh)
        })
        .take(4)
    {
        let points = (node.max_points * rust_decimal::Decimal::new(8, 1)).round_dp(2);
        store.set_field(
            visit_id,
            &node.code,
            LeafField::Appraised,
            &points.normalize().to_string(),
        )?;
    }
    demo_evidence(store, visit_id, &scored)
}

/// Three documents of the demo, linked to the leaves scored first.
fn demo_evidence(store: &mut Store, visit_id: &str, scored: &[String]) -> Result<()> {
    let items = [
        (
            "52/KH-UBND",
            "10/01/2025",
            "UBND xã Thạch Lạc",
            "Kế hoạch cải cách hành chính năm 2025",
            "toàn văn",
            0..4,
        ),
        (
            "118/BC-UBND",
            "15/12/2025",
            "UBND xã Thạch Lạc",
            "Báo cáo kết quả công tác cải cách hành chính năm 2025",
            "tr. 3–7",
            4..9,
        ),
        (
            "07/QĐ-UBND",
            "20/02/2025",
            "Chủ tịch UBND xã",
            "Quyết định ban hành Kế hoạch kiểm tra công tác CCHC năm 2025",
            "Điều 1",
            9..12,
        ),
    ];
    for (number, date, issuer, summary, pages, range) in items {
        let leaves = scored
            .get(range)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        store.add_evidence(
            visit_id,
            &NewEvidence {
                number: number.into(),
                issued_on: date.into(),
                issuer: issuer.into(),
                summary: summary.into(),
                pages: pages.into(),
                leaves,
            },
            None,
        )?;
    }
    Ok(())
}

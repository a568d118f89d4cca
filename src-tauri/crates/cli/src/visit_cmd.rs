//! `thamdinh visit …`: a visit's values, lock, members' partial bundles, acknowledgement,
//! conclusions, and what the store holds of it.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use serde::Serialize;
use thamdinh_core::number::{format_vi, format_vi_2dp};
use thamdinh_core::scoring::{ColumnTotals, NodeTotals, Tally};
use thamdinh_core::store::Store;
use thamdinh_core::visit::{LeafField, VisitStatus};

use crate::{format_date, open_store, read, read_scores, render_totals};

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Starts a visit of a unit (by code); prints the visit id.
    New {
        #[arg(long, value_name = "ID")]
        campaign: String,
        #[arg(long, value_name = "CODE")]
        unit: String,
        /// dd/mm/yyyy.
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "")]
        place: String,
    },
    /// Corrects a visit's date or place while it is not locked (each change audited, with the
    /// reason); what is not given stays as it is.
    Edit {
        #[arg(long, value_name = "ID")]
        visit: String,
        /// dd/mm/yyyy.
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Reads a unit's filled self-assessment form into its visit: the self-assessment and the
    /// documents only, all or nothing, every bad cell named; prints what changed.
    ImportSelf {
        #[arg(long, value_name = "ID")]
        visit: String,
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Writes the explanation form (giải trình) of a visit: the leaves whose appraisal differs
    /// from the self-assessment or that the delegation asked about, with an answer column.
    ExplainForm {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
    },
    /// Records the unit's answers of its explanation form as audited explanation entries.
    ImportExplain {
        #[arg(long, value_name = "ID")]
        visit: String,
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Applies a score sheet (CSV `code,self,appraised[,reason]`) to a visit: all rows or none,
    /// every change audited.
    Score {
        #[arg(long, value_name = "ID")]
        visit: String,
        scores: PathBuf,
    },
    /// Locks (chốt) a visit.
    Lock {
        #[arg(long, value_name = "ID")]
        visit: String,
    },
    /// Unlocks a locked visit; the reason is recorded.
    Unlock {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        reason: String,
    },
    /// Lists every visit with its self-assessed and appraised totals.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Shows a visit's totals per area and overall, self-assessed and appraised.
    Show {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        json: bool,
    },
    /// Sets one field of one leaf, as typed in the app (`1,5`, `NA`, a reason; empty clears it).
    Set {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        code: String,
        /// self_assessed, appraised, na_reason, deduction_reason, explanation_request,
        /// explanation_answer, round1 or round2.
        #[arg(long, default_value = "appraised")]
        field: String,
        #[arg(long, allow_hyphen_values = true)]
        value: String,
    },
    /// Checks the hash chain of a visit's audit log.
    VerifyAudit {
        #[arg(long, value_name = "ID")]
        visit: String,
    },
    /// Leader: merges members' partial bundles (`bundle export --areas`) into a visit. Values
    /// arrive under their authors' names; a leaf appraised differently is a conflict to resolve.
    MergePartial {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(required = true, value_name = "PART.zip")]
        files: Vec<PathBuf>,
        /// One JSON line per leaf conflict: {"visit","code","ours","theirs","bundle_id","author"}.
        #[arg(long)]
        json: bool,
    },
    /// Settles a conflict on one leaf with the appraised value decided and the reason (audited).
    Resolve {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long, value_name = "LEAF")]
        code: String,
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        reason: String,
    },
    /// Records the unit's acknowledgement: its representative's name, title and a signature
    /// drawn on screen (a PNG) — a drawn acknowledgement, not a digital signature.
    Acknowledge {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long, value_name = "SIGNATURE.png")]
        image: PathBuf,
    },
    /// Adds one of the delegation's conclusions: a strength, a shortcoming (optionally tied to
    /// criteria) or a recommendation with its remediation deadline (audited; in the minutes and
    /// the bundle).
    Conclude {
        #[arg(long, value_name = "ID")]
        visit: String,
        /// strength, shortcoming or recommendation (ưu điểm, tồn tại, kiến nghị).
        #[arg(long)]
        kind: String,
        #[arg(long)]
        text: String,
        /// Leaf codes it concerns, e.g. `1.2.1,2.3.1`.
        #[arg(long, value_delimiter = ',')]
        leaves: Vec<String>,
        /// dd/mm/yyyy.
        #[arg(long)]
        deadline: Option<String>,
    },
    /// The conflicts of a visit not yet resolved.
    Conflicts {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: VisitCommand, data_dir: &Path) -> Result<ExitCode> {
    match command {
        VisitCommand::New {
            campaign,
            unit,
            date,
            place,
        } => new_visit(data_dir, campaign, unit, date, place),
        VisitCommand::Edit {
            visit,
            date,
            place,
            reason,
        } => edit(data_dir, visit, date, place, reason),
        VisitCommand::ImportSelf { visit, file, json } => import_self(data_dir, visit, file, json),
        VisitCommand::ExplainForm { visit, out } => {
            let store = open_store(data_dir)?;
            let listed = store.write_explain_form(&visit, &out)?;
            println!(
                "{}: {} tiêu chí cần giải trình ({})",
                out.display(),
                listed.len(),
                listed.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::ImportExplain { visit, file, json } => {
            import_explain(data_dir, visit, file, json)
        }
        VisitCommand::Score { visit, scores } => score(data_dir, visit, scores),
        VisitCommand::Lock { visit } => {
            open_store(data_dir)?.lock_visit(&visit)?;
            println!("Đã chốt phiếu {visit}");
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Unlock { visit, reason } => {
            open_store(data_dir)?.unlock_visit(&visit, &reason)?;
            println!("Đã mở khóa phiếu {visit}");
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::MergePartial { visit, files, json } => {
            merge_partials(&mut open_store(data_dir)?, &visit, &files, json)
        }
        VisitCommand::Resolve {
            visit,
            code,
            value,
            reason,
        } => {
            let mut store = open_store(data_dir)?;
            store.resolve_leaf(&visit, &code, &value, &reason)?;
            println!("Đã giải quyết xung đột ở tiêu chí {code}: {value}");
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Acknowledge {
            visit,
            name,
            title,
            image,
        } => acknowledge(data_dir, visit, name, title, image),
        VisitCommand::Conclude {
            visit,
            kind,
            text,
            leaves,
            deadline,
        } => conclude(data_dir, visit, kind, text, leaves, deadline),
        VisitCommand::Conflicts { visit, json } => conflicts(data_dir, visit, json),
        VisitCommand::List { json } => {
            let store = open_store(data_dir)?;
            let visits = store.visits(None)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&visits)?);
            } else if visits.is_empty() {
                println!("Chưa có buổi thẩm định nào.");
            } else {
                print_visits(&visits);
            }
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Show { visit, json } => show(&open_store(data_dir)?, &visit, json),
        VisitCommand::Set {
            visit,
            code,
            field,
            value,
        } => {
            let field =
                LeafField::parse(&field).with_context(|| format!("không có trường {field:?}"))?;
            let mut store = open_store(data_dir)?;
            store.set_field(&visit, &code, field, &value)?;
            let view = store.visit_view(&visit)?;
            println!("{}", short_tally(&view.totals.appraised.total));
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::VerifyAudit { visit } => {
            let store = open_store(data_dir)?;
            let n = store.verify_audit(&visit)?;
            println!("OK: {n} mục nhật ký, chuỗi băm nguyên vẹn");
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Serialize)]
struct VisitReport<'a> {
    visit_id: &'a str,
    unit_code: &'a str,
    unit_name: &'a str,
    visit_date: &'a str,
    status: VisitStatus,
    set_id: &'a str,
    self_assessed: &'a ColumnTotals,
    appraised: &'a ColumnTotals,
    areas: Vec<&'a NodeTotals>,
}

fn short_tally(t: &Tally) -> String {
    let index = t
        .index
        .map(|i| format!("{} %", format_vi_2dp(i)))
        .unwrap_or_else(|| "—".into());
    format!("{}/{} ({index})", format_vi(t.points), format_vi(t.max))
}

fn print_conflicts(conflicts: &[thamdinh_core::teamwork::LeafConflict]) {
    let show = |v: &Option<String>| v.as_deref().unwrap_or("—").replace('.', ",");
    for c in conflicts {
        println!(
            "  xung đột {}: phiếu {} — {} chấm {} (gói {})",
            c.code,
            show(&c.ours),
            c.author,
            show(&c.theirs),
            c.bundle_id
        );
    }
}

/// Merges members' partial bundles into the leader's visit, one after the other.
fn merge_partials(
    store: &mut Store,
    visit: &str,
    files: &[PathBuf],
    json: bool,
) -> Result<ExitCode> {
    let keys = store.verification_keys()?;
    for f in files {
        let o = store.merge_partial(visit, f, &keys)?;
        if json {
            for c in &o.conflicts {
                println!("{}", serde_json::to_string(c)?);
            }
            continue;
        }
        if o.status == "duplicate" {
            println!(
                "{}: gói {} đã được gộp trước đây — không làm gì thêm",
                o.file, o.bundle_id
            );
            continue;
        }
        println!(
            "{}: đã gộp gói {} của {} ({}{}), lĩnh vực {}: {} giá trị, {} tài liệu, {} ảnh, {} xung đột",
            o.file,
            o.bundle_id,
            o.author,
            o.author_key_id,
            if o.author_trusted {
                ""
            } else {
                ", khóa chưa có trong danh sách tin cậy"
            },
            o.areas.join(", "),
            o.values,
            o.evidence,
            o.photos,
            o.conflicts.len()
        );
        print_conflicts(&o.conflicts);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_visits(visits: &[thamdinh_core::visit::VisitSummary]) {
    for v in visits {
        let status = match v.status {
            VisitStatus::Draft => "đang thẩm định",
            VisitStatus::Locked => "đã chốt",
        };
        println!(
            "{}  {}  {} {}  [{status}]  tự đánh giá {}  thẩm định {}  ({})",
            v.id,
            format_date(&v.visit_date),
            v.unit_code,
            v.unit_name,
            short_tally(&v.self_total),
            short_tally(&v.appraised_total),
            v.campaign_name
        );
    }
}

/// A visit's totals: as JSON for scripts, or as the tree of areas for people.
/// One unit's filled form into its visit; prints what changed.
fn import_self(data_dir: &Path, visit: String, file: PathBuf, json: bool) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let bytes = crate::read(&file)?;
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let done = store.import_self_form(&visit, &bytes, folder)?;
    if json {
        println!("{}", serde_json::to_string(&done)?);
    } else {
        for c in &done.changes {
            println!(
                "{}: {} → {}",
                c.code,
                c.old.as_deref().unwrap_or("∅").replace('.', ","),
                c.new.as_deref().unwrap_or("∅").replace('.', ",")
            );
        }
        println!(
            "{}: {} điểm tự đánh giá đổi, {} tài liệu thêm (biểu SHA-256 {})",
            done.unit_code,
            done.changes.len(),
            done.documents_added,
            done.form_sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A score sheet applied to a visit, all rows or none.
fn score(data_dir: &Path, visit: String, scores: PathBuf) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let set = store.visit_set(&visit)?;
    let rows = match read_scores(&set, &scores) {
        Ok(rows) => rows,
        Err(errors) => {
            eprintln!("{}: {} lỗi, không ghi gì", scores.display(), errors.len());
            for e in errors {
                eprintln!("  {e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let changed = store.set_scores(&visit, &rows)?;
    let view = store.visit_view(&visit)?;
    println!(
        "{} dòng, {changed} giá trị thay đổi; thẩm định {}",
        rows.len(),
        short_tally(&view.totals.appraised.total)
    );
    Ok(ExitCode::SUCCESS)
}

/// One of the delegation's conclusions, audited.
fn conclude(
    data_dir: &Path,
    visit: String,
    kind: String,
    text: String,
    leaves: Vec<String>,
    deadline: Option<String>,
) -> Result<ExitCode> {
    let kind = thamdinh_core::conclusions::ConclusionKind::parse(&kind).ok_or_else(|| {
        anyhow::anyhow!(
            "--kind «{kind}»: ghi strength (ưu điểm), shortcoming (tồn tại) hoặc recommendation (kiến nghị)"
        )
    })?;
    let c =
        open_store(data_dir)?.add_conclusion(&visit, kind, &text, &leaves, deadline.as_deref())?;
    println!("Đã ghi kết luận {}", c.id);
    Ok(ExitCode::SUCCESS)
}

/// The visit's start fields corrected (audited).
fn edit(
    data_dir: &Path,
    visit: String,
    date: Option<String>,
    place: Option<String>,
    reason: String,
) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let old = store.visit(&visit)?;
    let date = date.unwrap_or(old.visit_date);
    let place = place.unwrap_or(old.place);
    let edited = store.edit_visit(&visit, &date, &place, &old.participants, &reason)?;
    println!(
        "{} · {}",
        crate::format_date(&edited.visit_date),
        edited.place
    );
    Ok(ExitCode::SUCCESS)
}

/// A visit of a unit (by code) started; prints its id.
fn new_visit(
    data_dir: &Path,
    campaign: String,
    unit: String,
    date: String,
    place: String,
) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let unit = store
        .units(&store.campaign(&campaign)?.id)?
        .into_iter()
        .find(|u| u.code == thamdinh_core::text::nfc(&unit))
        .with_context(|| format!("không có đơn vị mã {unit} trong đợt thẩm định này"))?;
    let visit = store.create_visit(&unit.id, &date, &place, &[])?;
    println!("{}", visit.id);
    Ok(ExitCode::SUCCESS)
}

/// The unit's answers of its explanation form recorded.
fn import_explain(data_dir: &Path, visit: String, file: PathBuf, json: bool) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let done = store.import_explain_form(&visit, &crate::read(&file)?)?;
    if json {
        println!("{}", serde_json::to_string(&done)?);
    } else {
        println!(
            "Đã ghi giải trình của đơn vị cho {} tiêu chí ({}); biểu SHA-256 {}",
            done.answered.len(),
            done.answered.join(", "),
            done.form_sha256
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A visit's conflicts not yet resolved, one line (or JSON line) each.
fn conflicts(data_dir: &Path, visit: String, json: bool) -> Result<ExitCode> {
    let conflicts = open_store(data_dir)?.visit_conflicts(&visit)?;
    if json {
        for c in &conflicts {
            println!("{}", serde_json::to_string(c)?);
        }
    } else if conflicts.is_empty() {
        println!("Không còn xung đột.");
    } else {
        print_conflicts(&conflicts);
    }
    Ok(ExitCode::SUCCESS)
}

/// The unit's drawn acknowledgement recorded.
fn acknowledge(
    data_dir: &Path,
    visit: String,
    name: String,
    title: String,
    image: PathBuf,
) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let a = store.acknowledge(&visit, &name, &title, &read(&image)?)?;
    println!(
        "Đã ghi xác nhận của đơn vị: {} — chữ ký vẽ (không phải chữ ký số), SHA-256 {}",
        a.name, a.image_sha256
    );
    Ok(ExitCode::SUCCESS)
}

fn show(store: &Store, visit: &str, json: bool) -> Result<ExitCode> {
    let view = store.visit_view(visit)?;
    if json {
        let report = VisitReport {
            visit_id: &view.visit.id,
            unit_code: &view.unit.code,
            unit_name: &view.unit.name,
            visit_date: &view.visit.visit_date,
            status: view.visit.status,
            set_id: &view.set_id,
            self_assessed: &view.totals.self_assessed,
            appraised: &view.totals.appraised,
            areas: view.totals.areas().collect(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let set = store.criteria_set(&view.set_id)?;
        println!(
            "{} — {} {}, {}",
            view.campaign.name,
            view.unit.code,
            view.unit.name,
            format_date(&view.visit.visit_date)
        );
        print!("{}", render_totals(&set, &view.totals));
    }
    Ok(ExitCode::SUCCESS)
}

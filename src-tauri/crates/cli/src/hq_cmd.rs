//! `thamdinh hq …`: Sở Nội vụ's half — trust list, import of bundles, conflicts, survey points,
//! results.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use clap::Subcommand;
use thamdinh_core::hq::import::{ImportOutcome, import_bundles};
use thamdinh_core::hq::results::results_csv;
use thamdinh_core::number::format_vi_2dp;
use thamdinh_core::store::Store;

use crate::open_store;

#[derive(Subcommand)]
pub enum HqCommand {
    /// The trust list: add a delegation's public key, list, revoke.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Imports bundles (files or folders of .zip): each verified completely first, then stored in
    /// one transaction. One line per bundle with its outcome.
    Import {
        #[arg(required = true, value_name = "FILE_OR_FOLDER")]
        paths: Vec<PathBuf>,
        /// One JSON line per bundle: {"file","status","code","message",…}.
        #[arg(long)]
        json: bool,
    },
    /// The bundles received for a campaign, with what each is now (counted, superseded…).
    Bundles {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Leaves on which delegations disagree, with their resolutions.
    Conflicts {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        /// One JSON line per conflict.
        #[arg(long)]
        json: bool,
    },
    /// Settles a disagreement on one leaf of one unit, with the reason (an audited HQ decision).
    Resolve {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, value_name = "CODE")]
        unit: String,
        #[arg(long, value_name = "LEAF")]
        code: String,
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        #[arg(long)]
        reason: String,
    },
    /// Chooses which bundle of a fork counts, with the reason.
    Choose {
        #[arg(long, value_name = "BUNDLE_ID")]
        bundle: String,
        #[arg(long)]
        reason: String,
    },
    /// Decides on a bundle flagged for review (its key was revoked): keep it, or set it aside.
    Review {
        #[arg(long, value_name = "BUNDLE_ID")]
        bundle: String,
        #[arg(long)]
        keep: bool,
        #[arg(long)]
        reason: String,
    },
    /// Imports survey points (.xlsx or .csv; wide or long sheet); replaces the previous sheet.
    Survey {
        file: PathBuf,
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
    },
    /// Results: per unit total, max, index, rank within its group, band, status.
    Results {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long)]
        json: bool,
        /// Also write the province workbook.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Also write the results as CSV.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// One unit's leaf table (merged values, reasons, disputes) with the evidence and photos the
    /// counted bundles carried.
    Unit {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, value_name = "CODE")]
        unit: String,
        #[arg(long)]
        json: bool,
    },
    /// The weakest criteria and areas across units (lowest share of their max), with the
    /// deduction reasons grouped.
    Weakest {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, default_value_t = 10)]
        top: usize,
        #[arg(long)]
        json: bool,
    },
    /// The campaign's classification bands: shows them, or sets them with
    /// `--set "90=Xuất sắc, 80=Tốt, 70=Khá, 50=Trung bình, 0=Yếu"` (recorded as an HQ decision).
    Bands {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, value_name = "BANDS")]
        set: Option<String>,
    },
    /// Checks the hash chain of a campaign's HQ decision log.
    VerifyLog {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
    },
    /// The province's report: summary, ranking per group with bands and sub-indices, charts,
    /// weakest criteria and shortcomings, disagreements and decisions, source bundles, and the
    /// appendix as a decision's appendix — as PDF, and as .docx with --docx.
    Report {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        #[arg(long, value_name = "FILE.docx")]
        docx: Option<PathBuf>,
    },
    /// The shortcomings delegations concluded, per criterion across units (most shared first).
    Shortcomings {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Publishes the results signed with the HQ key: results JSON, the province workbook, the
    /// decisions and the list of source bundles (id, revision, SHA-256).
    Publish {
        #[arg(long, value_name = "ID")]
        campaign: Option<String>,
        /// Sở Nội vụ's encrypted minisign secret key.
        #[arg(long, value_name = "HQKEY")]
        key: PathBuf,
        #[arg(long, value_name = "RESULTS.zip")]
        out: PathBuf,
        /// Replace an existing file at --out (never a key file).
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Recomputes published results independently from the source bundles in a folder, in a
    /// store of its own: exit 0 when they match byte for byte, 1 with the differences otherwise.
    Recompute {
        #[arg(value_name = "RESULTS.zip")]
        results: PathBuf,
        #[arg(value_name = "BUNDLES_DIR")]
        bundles: PathBuf,
        /// The HQ public key expected to have signed the results: the whole key must match
        /// (else the signing key's id and fingerprint are printed to compare by phone or on paper).
        #[arg(long, value_name = "PUB")]
        trust: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Trusts a public key (.pub); bundles it signed that wait in quarantine are counted. A
    /// different key with the id of a trusted one is refused.
    Add {
        #[arg(value_name = "PUB")]
        file: PathBuf,
        #[arg(long, default_value = "")]
        name: String,
        /// Makes the key a member of this delegation: members may revise and co-sign each
        /// other's bundles (without it the key revises no other key's).
        #[arg(long, value_name = "D")]
        delegation: Option<String>,
    },
    /// Makes a trusted key a member of a delegation (a decision in the HQ log).
    Assign {
        #[arg(value_name = "KEYID")]
        key_id: String,
        #[arg(long, value_name = "D")]
        delegation: String,
    },
    /// Lists the trust list.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revokes a key: its later bundles are refused, those imported are flagged for review.
    Revoke {
        #[arg(value_name = "KEYID")]
        key_id: String,
        #[arg(long)]
        reason: String,
    },
}

/// ", thành viên «Đoàn 1»", or nothing for a key of no delegation.
fn member_of(delegation: &str) -> String {
    if delegation.is_empty() {
        String::new()
    } else {
        format!(", thành viên «{delegation}»")
    }
}

fn print_outcomes(outcomes: &[ImportOutcome], json: bool) -> Result<()> {
    for o in outcomes {
        if json {
            println!("{}", serde_json::to_string(o)?);
        } else {
            println!("{}  [{}] {}", o.file, o.code, o.message);
        }
    }
    Ok(())
}

/// `"88.09"` → `88,09 %`, as the provinces' reports write an index.
fn percent(decimal: Option<&str>) -> Option<String> {
    decimal
        .and_then(|d| d.parse().ok())
        .map(|d| format!("{} %", format_vi_2dp(d)))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    thamdinh_core::files::write_atomic(path, bytes)
        .with_context(|| format!("không ghi được {}", path.display()))
}

pub fn run(command: HqCommand, data_dir: &Path) -> Result<ExitCode> {
    if let HqCommand::Recompute {
        results,
        bundles,
        trust,
        json,
    } = command
    {
        // Needs no data dir: it works in a store of its own.
        return recompute(&results, &bundles, trust.as_deref(), json);
    }
    let mut store = open_store(data_dir)?;
    match command {
        HqCommand::Trust(TrustCommand::Add {
            file,
            name,
            delegation,
        }) => trust_add(&mut store, &file, &name, delegation.as_deref())?,
        HqCommand::Trust(TrustCommand::Assign { key_id, delegation }) => {
            let entry = store.hq_trust_assign(&key_id, &delegation)?;
            println!(
                "Khóa {} ({}){}",
                entry.key_id,
                entry.label,
                member_of(&entry.delegation)
            );
        }
        HqCommand::Trust(TrustCommand::List { json }) => list_trusted(&store, json)?,
        HqCommand::Trust(TrustCommand::Revoke { key_id, reason }) => {
            let flagged = store.hq_trust_revoke(&key_id, &reason)?;
            println!("Đã thu hồi khóa {key_id}; {flagged} gói đã nhập được đánh dấu cần xem xét");
        }
        HqCommand::Import { paths, json } => return import(&mut store, &paths, json),
        HqCommand::Bundles { campaign, json } => {
            let campaign = store.hq_campaign(campaign.as_deref())?;
            let bundles = store.hq_bundles(&campaign.id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&bundles)?);
            } else {
                print_bundles(&bundles);
            }
        }
        HqCommand::Conflicts { campaign, json } => conflicts(&store, campaign.as_deref(), json)?,
        HqCommand::Resolve {
            campaign,
            unit,
            code,
            value,
            reason,
        } => {
            let campaign = store.hq_campaign(campaign.as_deref())?;
            store.hq_resolve(&campaign.id, &unit, &code, &value, &reason)?;
            println!("Đã quyết định {unit} {code} = {value}");
        }
        HqCommand::Choose { bundle, reason } => {
            store.choose_fork(&bundle, &reason)?;
            println!("Gói {bundle} được tính");
        }
        HqCommand::Review {
            bundle,
            keep,
            reason,
        } => {
            store.hq_review(&bundle, keep, &reason)?;
            println!("Đã ghi quyết định về gói {bundle}");
        }
        HqCommand::Survey { file, campaign } => {
            return survey(&mut store, &file, campaign.as_deref());
        }
        HqCommand::Report {
            campaign,
            out,
            docx,
        } => report(&store, campaign.as_deref(), &out, docx.as_deref())?,
        HqCommand::Results {
            campaign,
            json,
            xlsx,
            csv,
        } => results(
            &store,
            campaign.as_deref(),
            json,
            xlsx.as_deref(),
            csv.as_deref(),
        )?,
        HqCommand::Unit {
            campaign,
            unit,
            json,
        } => unit_detail(&store, campaign.as_deref(), &unit, json)?,
        HqCommand::Weakest {
            campaign,
            top,
            json,
        } => weakest(&store, campaign.as_deref(), top, json)?,
        HqCommand::Bands { campaign, set } => {
            bands(&mut store, campaign.as_deref(), set.as_deref())?
        }
        HqCommand::VerifyLog { campaign } => {
            let campaign = store.hq_campaign(campaign.as_deref())?;
            let n = store.verify_hq_log(&campaign.id)?;
            println!("OK: {n} quyết định, chuỗi băm nguyên vẹn");
        }
        HqCommand::Publish {
            campaign,
            key,
            out,
            force,
            json,
        } => publish(&store, campaign.as_deref(), &key, &out, force, json)?,
        HqCommand::Shortcomings { campaign, json } => {
            shortcomings(&store, campaign.as_deref(), json)?
        }
        HqCommand::Recompute { .. } => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The trust list: each key with its label, delegation, fingerprint and revocation.
fn list_trusted(store: &Store, json: bool) -> Result<()> {
    let keys = store.trusted_keys()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&keys)?);
    } else {
        for k in keys {
            let revoked = k
                .revoked_at
                .map(|at| {
                    format!(
                        "  [thu hồi {}: {}]",
                        thamdinh_core::hq::import::local_time(&at),
                        k.revoke_reason
                    )
                })
                .unwrap_or_default();
            println!(
                "{}  {}{}{revoked}\n  dấu vân tay: {}",
                k.key_id,
                k.label,
                member_of(&k.delegation),
                k.fingerprint
            );
        }
    }
    Ok(())
}

/// Imports files and folders of bundles: one outcome line each; exit 1 when none was found.
fn import(store: &mut Store, paths: &[PathBuf], json: bool) -> Result<ExitCode> {
    let outcomes = import_bundles(store, paths, &|_, _| {}, &AtomicBool::new(false))?;
    if outcomes.is_empty() {
        let given: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "không có gói kết quả (.zip) nào trong {}: không nhập gì",
            given.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    // Every bundle's outcome is in the output (a refusal is an outcome, not a failure of
    // the command): exit 0 once all were handled.
    print_outcomes(&outcomes, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Imports survey points: all or nothing, every bad cell said; exit 1 when refused.
fn survey(store: &mut Store, file: &Path, campaign: Option<&str>) -> Result<ExitCode> {
    let campaign = store.hq_campaign(campaign)?;
    let bytes = crate::read(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    match store.hq_import_survey(&campaign.id, &bytes, &name)? {
        Ok(n) => println!("Đã nhập {n} điểm điều tra XHH từ {}", file.display()),
        Err(problems) => {
            eprintln!("{}: {} lỗi, không nhập gì", file.display(), problems.len());
            for p in problems {
                eprintln!("  {p}");
            }
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The province's report, PDF and (with --docx) Word.
fn report(store: &Store, campaign: Option<&str>, out: &Path, docx: Option<&Path>) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let (pdf_bytes, docx_bytes) =
        thamdinh_reports::province::write_report(store, &campaign.id, Some(out), docx)?;
    println!("Đã ghi báo cáo ({pdf_bytes} byte) → {}", out.display());
    if let Some(d) = docx {
        println!("Đã ghi báo cáo .docx ({docx_bytes} byte) → {}", d.display());
    }
    Ok(())
}

/// The results, and the workbook or CSV when asked.
fn results(
    store: &Store,
    campaign: Option<&str>,
    json: bool,
    xlsx: Option<&Path>,
    csv: Option<&Path>,
) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let results = store.hq_results(&campaign.id)?;
    if let Some(path) = xlsx {
        write_file(path, &store.hq_workbook(&campaign.id)?)?;
    }
    if let Some(path) = csv {
        let set = store.criteria_set(&campaign.criteria_set_id)?;
        write_file(path, &results_csv(&set, &results))?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print_results(&campaign.name, &results);
    }
    Ok(())
}

/// Publishes the results signed with the HQ key.
fn publish(
    store: &Store,
    campaign: Option<&str>,
    key: &Path,
    out: &Path,
    force: bool,
    json: bool,
) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    thamdinh_core::bundle::export::check_target(out, force, &[key])?;
    let key_text = std::fs::read_to_string(key)
        .with_context(|| format!("không đọc được {}", key.display()))?;
    let s = thamdinh_core::hq::publish::publish_results(
        store,
        &campaign.id,
        &key_text,
        &crate::bundle_cmd::passphrase(false)?,
        out,
    )?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!(
            "Đã công bố kết quả {} ({} đơn vị, {} đã xếp hạng, {} gói nguồn), ký bởi khóa Sở Nội vụ {} → {}",
            s.results_id, s.units, s.ranked, s.sources, s.key_id, s.file
        );
    }
    Ok(())
}

/// The disagreements, one line (or JSON line) each.
fn conflicts(store: &Store, campaign: Option<&str>, json: bool) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let conflicts = store.hq_conflicts(&campaign.id)?;
    for c in &conflicts {
        if json {
            println!("{}", serde_json::to_string(c)?);
        } else {
            print_conflict(c);
        }
    }
    if !json && conflicts.is_empty() {
        println!("Không có xung đột.");
    }
    Ok(())
}

/// One unit's leaf table as the counted bundles carried it.
fn unit_detail(store: &Store, campaign: Option<&str>, unit: &str, json: bool) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let detail = store.hq_unit_detail(&campaign.id, unit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&detail)?);
    } else {
        print_unit_detail(&detail);
    }
    Ok(())
}

/// The weakest criteria and areas, with their reasons.
fn weakest(store: &Store, campaign: Option<&str>, top: usize, json: bool) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let weakest = store.hq_weakest(&campaign.id, top)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&weakest)?);
    } else {
        print_weakest(&weakest);
    }
    Ok(())
}

/// Shows the bands, or sets them (an HQ decision).
fn bands(store: &mut Store, campaign: Option<&str>, set: Option<&str>) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let bands = match set {
        Some(text) => store.hq_set_bands(&campaign.id, text)?,
        None => store.hq_bands(&campaign.id)?,
    };
    for b in bands {
        println!(
            "≥ {} %  {}",
            b.min_index.normalize().to_string().replace('.', ","),
            b.label
        );
    }
    Ok(())
}

/// The shortcomings delegations concluded, most shared first.
fn shortcomings(store: &Store, campaign: Option<&str>, json: bool) -> Result<()> {
    let campaign = store.hq_campaign(campaign)?;
    let list = store.hq_shortcomings(&campaign.id)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print_shortcomings(&list);
    }
    Ok(())
}

/// Trusts a delegation's key (its fingerprint said back); the bundles it signed count at once.
fn trust_add(store: &mut Store, file: &Path, name: &str, delegation: Option<&str>) -> Result<()> {
    let text = thamdinh_core::hq::trust::read_public_key(file)?;
    let (entry, released) = store.hq_trust_add(&text, name, delegation)?;
    println!(
        "Đã tin cậy khóa {} ({}){}\n  dấu vân tay: {}",
        entry.key_id,
        entry.label,
        member_of(&entry.delegation),
        entry.fingerprint
    );
    print_outcomes(&released, false)?;
    Ok(())
}

fn recompute(results: &Path, bundles: &Path, trust: Option<&Path>, json: bool) -> Result<ExitCode> {
    let expected = trust
        .map(thamdinh_core::hq::trust::read_public_key)
        .transpose()?;
    let r = thamdinh_core::hq::publish::recompute(
        results,
        bundles,
        expected.as_deref(),
        &AtomicBool::new(false),
    )?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!(
            "Kết quả {} của «{}», ký bởi khóa Sở Nội vụ {} (dấu vân tay {}){}: {} gói nguồn, {} đơn vị",
            r.results_id,
            r.campaign_name,
            r.hq_key_id,
            r.hq_fingerprint,
            if expected.is_some() {
                ", đúng khóa đã cho"
            } else {
                " — hãy đối chiếu dấu vân tay với Sở Nội vụ"
            },
            r.sources,
            r.units
        );
        for f in &r.unlisted_files {
            println!("  bỏ qua (không có trong danh sách nguồn): {f}");
        }
        if r.matches {
            println!("KHỚP: tính lại từ đúng các gói nguồn cho cùng kết quả, từng byte");
        } else {
            println!("KHÔNG KHỚP:");
            for d in &r.differences {
                println!("  {d}");
            }
        }
    }
    Ok(if r.matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_bundles(bundles: &[thamdinh_core::hq::merge::HqBundle]) {
    for b in bundles {
        println!(
            "{}  bản {}  {}  {}  {}",
            b.id,
            b.revision,
            b.role.label_vi(),
            b.signer_key_id,
            b.units.join(",")
        );
    }
}

fn print_conflict(c: &thamdinh_core::hq::merge::Conflict) {
    if c.kind == thamdinh_core::hq::merge::ConflictKind::Fork {
        let sides: Vec<String> = c
            .sides
            .iter()
            .map(|s| format!("{} bản {} ({})", s.bundle_id, s.revision, s.signer_name))
            .collect();
        println!(
            "{} rẽ nhánh: {} — chưa chọn (thamdinh hq choose GÓI --reason …)",
            c.unit,
            sides.join(" / ")
        );
        return;
    }
    let sides: Vec<String> = c
        .sides
        .iter()
        .map(|s| {
            format!(
                "{} ({} bản {})",
                s.value.replace('.', ","),
                s.signer_name,
                s.revision
            )
        })
        .collect();
    let state = match &c.resolution {
        Some(r) => format!("đã quyết định {}: {}", r.value.replace('.', ","), r.reason),
        None if c.reopened => {
            "chưa giải quyết (quyết định trước đây không còn áp dụng: một bên đã thay đổi)".into()
        }
        None => "chưa giải quyết".into(),
    };
    println!("{} {}: {} — {state}", c.unit, c.code, sides.join(" / "));
}

fn print_results(campaign_name: &str, results: &[thamdinh_core::hq::results::UnitResult]) {
    println!(
        "{campaign_name} — xếp hạng theo nhóm, đồng hạng khi chỉ số (2 chữ số thập phân) bằng nhau (1, 1, 3)"
    );
    for u in results {
        let index = percent(u.index.as_deref()).unwrap_or_else(|| "—".into());
        let rank = u
            .rank
            .map(|r| format!("hạng {r:02}/{:02}", u.ranked_in_group))
            .unwrap_or_else(|| u.status_label.clone());
        println!(
            "{:<8} {:<32} {:<14} {:>8} / {:<6} {:>9}  {}{}",
            u.code,
            u.name,
            u.group,
            u.points.replace('.', ","),
            u.max.replace('.', ","),
            index,
            rank,
            u.band
                .as_ref()
                .map(|b| format!(" · {b}"))
                .unwrap_or_default()
        );
    }
}

fn print_unit_detail(detail: &thamdinh_core::hq::results::UnitDetail) {
    let r = &detail.result;
    println!(
        "{} {} — {} / {} điểm — {}",
        r.code,
        r.name,
        r.points.replace('.', ","),
        r.max.replace('.', ","),
        r.status_label
    );
    for l in &detail.lines {
        let value = l
            .appraised
            .as_deref()
            .map(|v| v.replace('.', ","))
            .unwrap_or_default();
        let dispute = if l.disputed { " [xung đột]" } else { "" };
        println!(
            "{}{} {}  {}{dispute}  {}",
            "  ".repeat(l.depth as usize),
            l.code,
            if l.is_leaf {
                value
            } else {
                l.points.replace('.', ",")
            },
            l.title,
            l.deduction_reason
        );
    }
    println!(
        "Tài liệu kiểm chứng: {} · Ảnh: {}",
        detail.evidence.len(),
        detail.photos.len()
    );
}

fn print_weakest(weakest: &[thamdinh_core::hq::results::WeakCriterion]) {
    for w in weakest {
        let share = percent(w.share.as_deref()).unwrap_or_default();
        let kind = if w.is_area {
            "Lĩnh vực"
        } else {
            "Tiêu chí"
        };
        println!(
            "{kind} {} {}: {share} ({} / {} điểm, {} đơn vị chưa đạt tối đa)",
            w.code,
            w.title,
            w.points.replace('.', ","),
            w.max.replace('.', ","),
            w.units_below_max
        );
        for r in &w.reasons {
            println!("    {} — {} đơn vị", r.reason, r.units);
        }
    }
}

fn print_shortcomings(list: &[thamdinh_core::hq::results::CommonShortcoming]) {
    for g in list {
        let head = if g.code.is_empty() {
            "Chung (không gắn tiêu chí)".to_string()
        } else {
            format!("{} {}", g.code, g.title)
        };
        println!("{head} — {} đơn vị", g.units.len());
        for u in &g.units {
            println!("  {} {}: {}", u.unit, u.name, u.text);
        }
    }
}

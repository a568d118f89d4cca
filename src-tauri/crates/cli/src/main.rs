//! `thamdinh`: the command line of Thẩm Định. Every subcommand calls the same core functions as
//! the app; the tests and automation use it as the contract.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

mod bundle_cmd;
mod campaign_cmd;
mod evidence_cmd;
mod hq_cmd;
mod report_cmd;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Serialize;
use thamdinh_core::Error;
use thamdinh_core::criteria::{CriteriaSet, Method, Node, NotApplicable};
use thamdinh_core::number::{format_vi, format_vi_2dp};
use thamdinh_core::scoring::{self, ColumnTotals, NodeTotals, Scores, SetTotals, Tally};
use thamdinh_core::store::Store;
use thamdinh_core::visit::{LeafField, VisitStatus};

#[derive(Parser)]
#[command(
    name = "thamdinh",
    version,
    about = "Thẩm Định: appraisal of the PAR Index (Chỉ số CCHC), offline"
)]
struct Cli {
    /// Data folder of the store (default: the app's own data dir, or $THAMDINH_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Criteria sets (bộ tiêu chí): validate, show, score.
    #[command(subcommand)]
    Criteria(CriteriaCommand),
    /// Creates the demo campaign with a partly scored visit; prints the visit id on the last line.
    Demo {
        /// Built-in criteria set to use (so-2025, xa-2025, huyen-2024).
        #[arg(long, default_value = thamdinh_core::demo::DEMO_SET)]
        set: String,
        /// Do nothing when the store already holds a campaign (for `make run`).
        #[arg(long)]
        if_empty: bool,
    },
    /// Campaigns (đợt thẩm định): create, plan files.
    #[command(subcommand)]
    Campaign(campaign_cmd::CampaignCommand),
    /// Units (đơn vị) of a campaign: import a list.
    #[command(subcommand)]
    Unit(campaign_cmd::UnitCommand),
    /// Visits (buổi thẩm định): start, score, lock, list, show totals, verify the audit log.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Sở Nội vụ: trust list, import of bundles, conflicts, survey points, results.
    #[command(subcommand)]
    Hq(hq_cmd::HqCommand),
    /// Photos as evidence.
    #[command(subcommand)]
    Photos(PhotosCommand),
    /// Signing keys (minisign format, secret key encrypted with a passphrase).
    #[command(subcommand)]
    Key(bundle_cmd::KeyCommand),
    /// Signed result bundles: export, verify.
    #[command(subcommand)]
    Bundle(bundle_cmd::BundleCommand),
    /// Documents to file and sign: the appraisal minutes (PDF), the visit's workbook.
    #[command(subcommand)]
    Report(report_cmd::ReportCommand),
    /// Evidence documents (tài liệu kiểm chứng) of a visit.
    #[command(subcommand)]
    Evidence(evidence_cmd::EvidenceCommand),
    /// Backs up the data folder (database by SQLite's backup API, photos, files, keys) to one
    /// file with a manifest of SHA-256 hashes.
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
    },
    /// Restores a backup: every hash checked and the database opened (older schemas migrate)
    /// before the data folder is swapped; the data that was there is kept beside it.
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum PhotosCommand {
    /// Ingests photos (files or folders) into a photo store: one JSON line per file with its
    /// sha256, upright width/height, EXIF time, GPS, orientation and thumbnail, or its error.
    Ingest {
        /// The photo store folder (originals/, thumbs/, previews/ inside).
        #[arg(long, value_name = "DIR")]
        store: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Adds photos (files or folders) to a visit of the store, as the app's gallery does; prints
    /// the same JSON lines as `ingest`.
    Add {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum VisitCommand {
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

#[derive(Subcommand)]
enum CriteriaCommand {
    /// Checks a criteria-set file and lists every problem found.
    Validate { file: PathBuf },
    /// Prints the tree with maxima and totals.
    Show { file: PathBuf },
    /// Computes totals from a CSV of values (columns code,self,appraised).
    Score {
        file: PathBuf,
        scores: PathBuf,
        /// Print the totals as JSON (decimals as strings).
        #[arg(long)]
        json: bool,
    },
    /// Reads a criteria set from Excel (the app's template or a province's appendix) and writes
    /// its JSON; lists every problem (sheet, row, column) and writes nothing when there is one.
    ImportXlsx {
        file: PathBuf,
        #[arg(long, value_name = "SET.json")]
        out: PathBuf,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
        /// Problems as one JSON line each: {"sheet","row","column","code","message"}.
        #[arg(long)]
        json: bool,
    },
    /// Writes a criteria set as the Excel template (imports back to the same set id).
    ExportXlsx {
        file: PathBuf,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Only store-touching subcommands read it; resolving it here keeps one default for all.
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(thamdinh_core::store::default_data_dir);
    match run(cli.command, &data_dir) {
        Ok(code) => code,
        Err(e) => {
            // The core's errors carry a stable code for scripts (`[mã: wrong_passphrase]`).
            match e
                .chain()
                .find_map(|c| c.downcast_ref::<thamdinh_core::Error>())
            {
                Some(core) => eprintln!("lỗi: {e:#} [mã: {}]", core.code()),
                None => eprintln!("lỗi: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// One JSON line per file of an import: the photo's record with the file it came from, or the
/// file and why it was refused. Returns the lines and whether any file failed.
fn ingest_lines(ingested: &thamdinh_core::photo::Ingested) -> Result<(Vec<String>, bool)> {
    let mut failed = false;
    let mut lines = Vec::new();
    for (file, result) in &ingested.files {
        let line = match result {
            Ok(meta) => {
                let mut v = serde_json::to_value(meta)?;
                v["file"] = file.display().to_string().into();
                v
            }
            Err(e) => {
                failed = true;
                serde_json::json!({ "file": file.display().to_string(), "error": e.to_string() })
            }
        };
        lines.push(line.to_string());
    }
    Ok((lines, failed))
}

fn ingest(dir: &Path, files: &[PathBuf], workers: usize) -> thamdinh_core::photo::Ingested {
    let never = std::sync::atomic::AtomicBool::new(false);
    thamdinh_core::photo::ingest_paths(dir, files, workers, &never, &|_, _| {})
}

fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub(crate) fn open_store(data_dir: &Path) -> Result<Store> {
    Store::open_dir(data_dir)
        .with_context(|| format!("không mở được kho dữ liệu ở {}", data_dir.display()))
}

fn run(command: Command, data_dir: &Path) -> Result<ExitCode> {
    match command {
        Command::Key(c) => bundle_cmd::run_key(c),
        Command::Campaign(c) => campaign_cmd::run_campaign(c, data_dir),
        Command::Unit(c) => campaign_cmd::run_unit(c, data_dir),
        Command::Hq(c) => hq_cmd::run(c, data_dir),
        Command::Visit(VisitCommand::New {
            campaign,
            unit,
            date,
            place,
        }) => {
            let mut store = open_store(data_dir)?;
            let unit = store
                .units(&store.campaign(&campaign)?.id)?
                .into_iter()
                .find(|u| u.code == unit.trim())
                .with_context(|| format!("không có đơn vị mã {unit} trong đợt thẩm định này"))?;
            let visit = store.create_visit(&unit.id, &date, &place, &[])?;
            println!("{}", visit.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Score { visit, scores }) => {
            let mut store = open_store(data_dir)?;
            let set = store.visit_set(&visit)?;
            let rows = match read_scores(&set, &scores) {
                Ok(rows) => rows,
                Err(errors) => {
                    eprintln!(
                        "{}: {} dòng lỗi, không ghi gì",
                        scores.display(),
                        errors.len()
                    );
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
        Command::Visit(VisitCommand::Lock { visit }) => {
            open_store(data_dir)?.lock_visit(&visit)?;
            println!("Đã chốt phiếu {visit}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Unlock { visit, reason }) => {
            open_store(data_dir)?.unlock_visit(&visit, &reason)?;
            println!("Đã mở khóa phiếu {visit}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::MergePartial { visit, files, json }) => {
            let mut store = open_store(data_dir)?;
            let keys = store.verification_keys()?;
            for f in &files {
                let o = store.merge_partial(&visit, f, &keys)?;
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
        Command::Visit(VisitCommand::Resolve {
            visit,
            code,
            value,
            reason,
        }) => {
            let mut store = open_store(data_dir)?;
            store.resolve_leaf(&visit, &code, &value, &reason)?;
            println!("Đã giải quyết xung đột ở tiêu chí {code}: {value}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Acknowledge {
            visit,
            name,
            title,
            image,
        }) => {
            let mut store = open_store(data_dir)?;
            let a = store.acknowledge(&visit, &name, &title, &read(&image)?)?;
            println!(
                "Đã ghi xác nhận của đơn vị: {} — chữ ký vẽ (không phải chữ ký số), SHA-256 {}",
                a.name, a.image_sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Conclude {
            visit,
            kind,
            text,
            leaves,
            deadline,
        }) => {
            let kind = thamdinh_core::conclusions::ConclusionKind::parse(&kind).ok_or_else(|| {
                anyhow::anyhow!(
                    "--kind «{kind}»: ghi strength (ưu điểm), shortcoming (tồn tại) hoặc recommendation (kiến nghị)"
                )
            })?;
            let c = open_store(data_dir)?.add_conclusion(
                &visit,
                kind,
                &text,
                &leaves,
                deadline.as_deref(),
            )?;
            println!("Đã ghi kết luận {}", c.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Conflicts { visit, json }) => {
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
        Command::Bundle(c) => bundle_cmd::run_bundle(c, data_dir),
        Command::Report(c) => report_cmd::run(c, data_dir),
        Command::Evidence(c) => evidence_cmd::run(c, data_dir),
        Command::Backup { out, force } => {
            let store = open_store(data_dir)?;
            let key = store.signing_key_path()?;
            thamdinh_core::bundle::export::check_target(&out, force, &[&key])?;
            let s = store.backup(&out, &|_, _| {}, &AtomicBool::new(false))?;
            println!(
                "Đã sao lưu {} tệp ({} byte, lược đồ {}) → {}",
                s.files, s.bytes, s.schema_version, s.file
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let s = thamdinh_core::backup::restore(&file, data_dir, &AtomicBool::new(false))?;
            println!(
                "Đã khôi phục {} tệp ({} byte) vào {}{}",
                s.files,
                s.bytes,
                data_dir.display(),
                if s.schema_from < s.schema_to {
                    format!(" (nâng lược đồ {} → {})", s.schema_from, s.schema_to)
                } else {
                    String::new()
                }
            );
            if let Some(kept) = s.previous_kept_at {
                println!("Dữ liệu trước khi khôi phục được giữ lại ở {kept}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { set, if_empty } => {
            let mut store = open_store(data_dir)?;
            let visit = if if_empty {
                thamdinh_core::demo::create_demo_if_empty(&mut store, &set)?
            } else {
                Some(thamdinh_core::demo::create_demo(&mut store, &set)?)
            };
            let Some(visit) = visit else {
                println!(
                    "Kho dữ liệu ở {} đã có đợt thẩm định; không thêm dữ liệu mẫu.",
                    data_dir.display()
                );
                return Ok(ExitCode::SUCCESS);
            };
            let view = store.visit_view(&visit.id)?;
            println!(
                "Đợt thẩm định mẫu: {} ({})",
                view.campaign.name, view.campaign.id
            );
            println!(
                "Buổi thẩm định: {} {} — {}",
                view.unit.code,
                view.unit.name,
                format_date(&view.visit.visit_date)
            );
            println!("{}", visit.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Photos(PhotosCommand::Ingest { store, jobs, files }) => {
            let workers = jobs.unwrap_or_else(thamdinh_core::photo::default_workers);
            let (lines, failed) = ingest_lines(&ingest(&store, &files, workers))?;
            lines.iter().for_each(|l| println!("{l}"));
            Ok(exit_code(!failed))
        }
        Command::Photos(PhotosCommand::Add { visit, files }) => {
            let mut store = open_store(data_dir)?;
            let dir = store.photo_folder_for(&visit)?;
            let ingested = ingest(&dir, &files, thamdinh_core::photo::default_workers());
            let (lines, failed) = ingest_lines(&ingested)?;
            // Success is said only once the photos are committed to the visit.
            store.record_ingested(&visit, &ingested)?;
            lines.iter().for_each(|l| println!("{l}"));
            Ok(exit_code(!failed))
        }
        Command::Visit(VisitCommand::List { json }) => {
            let store = open_store(data_dir)?;
            let visits = store.visits(None)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&visits)?);
            } else if visits.is_empty() {
                println!("Chưa có buổi thẩm định nào.");
            } else {
                for v in &visits {
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::Show { visit, json }) => {
            let store = open_store(data_dir)?;
            let view = store.visit_view(&visit)?;
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
        Command::Visit(VisitCommand::Set {
            visit,
            code,
            field,
            value,
        }) => {
            let field =
                LeafField::parse(&field).with_context(|| format!("không có trường {field:?}"))?;
            let mut store = open_store(data_dir)?;
            store.set_field(&visit, &code, field, &value)?;
            let view = store.visit_view(&visit)?;
            println!("{}", short_tally(&view.totals.appraised.total));
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(VisitCommand::VerifyAudit { visit }) => {
            let store = open_store(data_dir)?;
            let n = store.verify_audit(&visit)?;
            println!("OK: {n} mục nhật ký, chuỗi băm nguyên vẹn");
            Ok(ExitCode::SUCCESS)
        }
        Command::Criteria(CriteriaCommand::Validate { file }) => validate(&file),
        Command::Criteria(CriteriaCommand::Show { file }) => {
            let set = load_set(&file)?;
            print!("{}", render_tree(&set));
            Ok(ExitCode::SUCCESS)
        }
        Command::Criteria(CriteriaCommand::Score { file, scores, json }) => {
            score(&file, &scores, json)
        }
        Command::Criteria(CriteriaCommand::ImportXlsx {
            file,
            out,
            force,
            json,
        }) => {
            thamdinh_core::bundle::export::check_target(&out, force, &[])?;
            match thamdinh_core::criteria_xlsx::import_xlsx(&read(&file)?) {
                Ok(imported) => {
                    thamdinh_core::files::write_atomic(&out, imported.json.as_bytes())
                        .with_context(|| format!("không ghi được {}", out.display()))?;
                    println!(
                        "Đã đọc bộ tiêu chí «{}»: {} lĩnh vực, {} tiêu chí thành phần, tối đa {} điểm, mã {} → {}",
                        imported.set.title,
                        imported.set.areas.len(),
                        imported.set.leaves().len(),
                        format_vi(imported.set.max_total()),
                        imported.set.id,
                        out.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    if json {
                        for p in &problems {
                            println!("{}", serde_json::to_string(p)?);
                        }
                    } else {
                        eprintln!("{}: {} lỗi, chưa ghi gì:", file.display(), problems.len());
                        for p in &problems {
                            eprintln!("  {p}");
                        }
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Criteria(CriteriaCommand::ExportXlsx { file, out, force }) => {
            thamdinh_core::bundle::export::check_target(&out, force, &[])?;
            let bytes = thamdinh_core::criteria_xlsx::export_xlsx(&read(&file)?)?;
            thamdinh_core::files::write_atomic(&out, &bytes)
                .with_context(|| format!("không ghi được {}", out.display()))?;
            println!("Đã ghi mẫu Excel của bộ tiêu chí → {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn read(file: &Path) -> Result<Vec<u8>> {
    std::fs::read(file).map_err(|e| {
        anyhow::anyhow!(
            "không đọc được {}: {}",
            file.display(),
            thamdinh_core::error::io_text(&e)
        )
    })
}

fn load_set(file: &Path) -> Result<CriteriaSet> {
    match CriteriaSet::from_json(&read(file)?) {
        Ok(set) => Ok(set),
        Err(Error::InvalidCriteria(problems)) => {
            let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            anyhow::bail!(
                "{} không phải bộ tiêu chí hợp lệ ({} lỗi); xem chi tiết bằng `thamdinh criteria validate`:\n{}",
                file.display(),
                problems.len(),
                list.join("\n")
            )
        }
        Err(e) => Err(e.into()),
    }
}

fn validate(file: &Path) -> Result<ExitCode> {
    match CriteriaSet::from_json(&read(file)?) {
        Ok(set) => {
            let leaves = set.leaves();
            let survey = leaves
                .iter()
                .filter(|n| {
                    n.leaf
                        .as_ref()
                        .is_some_and(|l| l.method == Method::DieuTraXhh)
                })
                .count();
            println!(
                "OK {}: {} areas, {} leaves ({} survey), max {}, id {}",
                file.display(),
                set.areas.len(),
                leaves.len(),
                survey,
                format_vi(set.max_total()),
                set.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::InvalidCriteria(problems)) => {
            println!("INVALID {}: {} problem(s)", file.display(), problems.len());
            for p in &problems {
                println!("  {p}");
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

fn render_tree(set: &CriteriaSet) -> String {
    let mut out = String::new();
    let draft = if set.draft {
        " [BẢN NHÁP / DRAFT]"
    } else {
        ""
    };
    out.push_str(&format!("{}{}\n", set.title, draft));
    let year = set
        .year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "-".into());
    out.push_str(&format!(
        "unit_type {} · year {} · id {}\n",
        set.unit_type, year, set.id
    ));
    out.push_str(&format!("{:<12} {:>7}  {}\n", "Mã", "Tối đa", "Nội dung"));
    fn walk(node: &Node, depth: usize, out: &mut String) {
        let code = format!("{}{}", "  ".repeat(depth), node.code);
        let mut line = format!(
            "{:<12} {:>7}  {}",
            code,
            format_vi(node.max_points),
            node.title
        );
        if let Some(leaf) = &node.leaf {
            let method = match leaf.method {
                Method::ThamDinh => "thẩm định",
                Method::DieuTraXhh => "ĐTXHH",
            };
            let na = match leaf.not_applicable {
                NotApplicable::NotAllowed => "",
                NotApplicable::ReduceMax => ", KAD: giảm điểm tối đa",
                NotApplicable::AwardMax => ", KAD: được điểm tối đa",
            };
            line.push_str(&format!("  [{method}, {}{na}]", leaf.rule.kind));
        }
        out.push_str(&line);
        out.push('\n');
        for c in &node.children {
            walk(c, depth + 1, out);
        }
    }
    for area in &set.areas {
        walk(area, 0, &mut out);
    }
    let totals = scoring::totals(set, &Scores::new());
    let part = |t: &Tally| format!("{} ({} TCTP)", format_vi(t.max), t.leaves);
    out.push_str(&format!(
        "Tổng điểm tối đa: {} = thẩm định {} + ĐTXHH {}\n",
        format_vi(set.max_total()),
        part(&totals.appraised.tham_dinh),
        part(&totals.appraised.survey)
    ));
    if let Some(bp) = &set.bonus_penalty {
        out.push_str(&format!(
            "{} {} (ngoài thang điểm): thưởng tối đa {}, trừ tối đa {}\n",
            bp.code,
            bp.title,
            format_vi(bp.bonus_max),
            format_vi(bp.penalty_max)
        ));
        for leaf in &bp.leaves {
            let kind = leaf
                .leaf
                .as_ref()
                .map(|l| l.rule.kind.as_str())
                .unwrap_or_default();
            out.push_str(&format!(
                "{:<12} {:>7}  {}  [{kind}]\n",
                format!("  {}", leaf.code),
                format_vi(leaf.max_points),
                leaf.title
            ));
        }
    }
    out
}

/// Reads `code,self,appraised[,reason]` rows; every bad row is reported with its line number.
fn read_scores(
    set: &CriteriaSet,
    file: &Path,
) -> Result<Vec<thamdinh_core::score_sheet::ScoreRow>, Vec<String>> {
    let bytes = read(file).map_err(|e| vec![format!("{e:#}")])?;
    thamdinh_core::score_sheet::parse(set, &bytes)
        .map_err(|mistakes| mistakes.iter().map(ToString::to_string).collect())
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

/// yyyy-mm-dd → dd/mm/yyyy.
fn format_date(iso: &str) -> String {
    thamdinh_core::number::parse_date(iso)
        .map_or_else(|| iso.to_string(), |d| d.format("%d/%m/%Y").to_string())
}

fn short_tally(t: &Tally) -> String {
    let index = t
        .index
        .map(|i| format!("{} %", format_vi_2dp(i)))
        .unwrap_or_else(|| "—".into());
    format!("{}/{} ({index})", format_vi(t.points), format_vi(t.max))
}

#[derive(Serialize)]
struct ScoreReport<'a> {
    set_id: &'a str,
    title: &'a str,
    self_assessed: &'a ColumnTotals,
    appraised: &'a ColumnTotals,
    areas: Vec<&'a NodeTotals>,
}

fn score(file: &Path, scores_file: &Path, json: bool) -> Result<ExitCode> {
    let set = load_set(file)?;
    let scores = match read_scores(&set, scores_file) {
        Ok(rows) => thamdinh_core::score_sheet::to_scores(&rows),
        Err(errors) => {
            eprintln!("{}: {} dòng sai", scores_file.display(), errors.len());
            for e in errors {
                eprintln!("  {e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let totals = scoring::totals(&set, &scores);
    if json {
        let report = ScoreReport {
            set_id: &set.id,
            title: &set.title,
            self_assessed: &totals.self_assessed,
            appraised: &totals.appraised,
            areas: totals.areas().collect(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_totals(&set, &totals));
    }
    Ok(ExitCode::SUCCESS)
}

/// `86,33 / 98 điểm, chỉ số 88,09 %` — as in the provinces' reports.
fn tally_text(t: &Tally) -> String {
    let index = t
        .index
        .map(|i| format!("{} %", format_vi_2dp(i)))
        .unwrap_or_else(|| "—".into());
    format!(
        "{} / {} điểm, chỉ số {} (đã chấm {}/{})",
        format_vi(t.points),
        format_vi(t.max),
        index,
        t.scored,
        t.leaves
    )
}

fn render_totals(set: &CriteriaSet, totals: &SetTotals) -> String {
    let mut out = format!("{}\n", set.title);
    for (label, col) in [
        ("Tự đánh giá", &totals.self_assessed),
        ("Thẩm định", &totals.appraised),
    ] {
        out.push_str(&format!("{label}\n"));
        out.push_str(&format!(
            "  Phần thẩm định: {}\n",
            tally_text(&col.tham_dinh)
        ));
        out.push_str(&format!("  ĐTXHH:          {}\n", tally_text(&col.survey)));
        if set.bonus_penalty.is_some() {
            out.push_str(&format!(
                "  Điểm thưởng: {} · Điểm trừ: {}\n",
                format_vi(col.bonus),
                format_vi(col.penalty)
            ));
        }
        out.push_str(&format!("  Toàn bộ:        {}\n", tally_text(&col.total)));
    }
    out.push_str("Lĩnh vực\n");
    for area in totals.areas() {
        out.push_str(&format!("  {} {}\n", area.code, area.title));
        out.push_str(&format!(
            "    Tự đánh giá: {}\n",
            tally_text(&area.self_assessed)
        ));
        out.push_str(&format!(
            "    Thẩm định:   {}\n",
            tally_text(&area.appraised)
        ));
    }
    out
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

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
mod visit_cmd;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Serialize;
use thamdinh_core::Error;
use thamdinh_core::criteria::{CriteriaSet, Method, Node, NotApplicable};
use thamdinh_core::number::{format_vi, format_vi_2dp};
use thamdinh_core::scoring::{self, ColumnTotals, NodeTotals, Scores, SetTotals, Tally};
use thamdinh_core::store::Store;
use visit_cmd::VisitCommand;

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
    /// Removes a photo from a visit not locked (a stray or private one), with the reason
    /// (audited); it is in no later bundle. Its files go once no visit holds it.
    Remove {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(value_name = "SHA256")]
        sha256: String,
        #[arg(long)]
        reason: String,
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
    quiet_on_closed_pipe();
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
                Some(core) => eprintln!("lỗi: {} [mã: {}]", said(&e), core.code()),
                None => eprintln!("lỗi: {}", said(&e)),
            }
            ExitCode::FAILURE
        }
    }
}

/// `thamdinh visit list | head -1`: the reader went away. Rust ignores SIGPIPE, so `println!`
/// panics on the closed pipe; end quietly instead, as a Unix tool killed by SIGPIPE does (141).
/// (Restoring SIGPIPE itself takes `unsafe`, which the workspace denies.)
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// An error as a person reads it: our context, then the core's sentence (which already says
/// what its causes mean) — never a cause twice, nor the system's English for a file error.
fn said(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => thamdinh_core::error::io_text(io),
            None => cause.to_string(),
        };
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        if cause.downcast_ref::<thamdinh_core::Error>().is_some() {
            break;
        }
    }
    parts.join(": ")
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
        Command::Restore { file } => restore(data_dir, file),
        Command::Demo { set, if_empty } => demo(data_dir, set, if_empty),
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
        Command::Photos(PhotosCommand::Remove {
            visit,
            sha256,
            reason,
        }) => {
            let mut store = open_store(data_dir)?;
            store.remove_photo(&visit, &sha256, &reason)?;
            println!("Đã gỡ ảnh {} khỏi phiếu", sha256.trim());
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
        }) => import_criteria_xlsx(file, out, force, json),
        Command::Criteria(CriteriaCommand::ExportXlsx { file, out, force }) => {
            thamdinh_core::bundle::export::check_target(&out, force, &[])?;
            let bytes = thamdinh_core::criteria_xlsx::export_xlsx(&read(&file)?)?;
            thamdinh_core::files::write_atomic(&out, &bytes)
                .with_context(|| format!("không ghi được {}", out.display()))?;
            println!("Đã ghi mẫu Excel của bộ tiêu chí → {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Visit(c) => visit_cmd::run(c, data_dir),
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

/// Restores a backup (verified first) into the data folder, which no program may be using.
fn restore(data_dir: &Path, file: PathBuf) -> Result<ExitCode> {
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

/// The demo campaign and visit; prints the visit id.
fn demo(data_dir: &Path, set: String, if_empty: bool) -> Result<ExitCode> {
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

/// A criteria set read from a province's Excel appendix, every problem at once.
fn import_criteria_xlsx(file: PathBuf, out: PathBuf, force: bool, json: bool) -> Result<ExitCode> {
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
            if !imported.na_marked.is_empty() {
                println!(
                    "Cột «Không áp dụng» chỉ đánh dấu, không nói cách tính, ở {} tiêu chí ({}): đã đọc là «Giảm điểm tối đa» (tiêu chí được miễn không tính vào điểm tối đa)",
                    imported.na_marked.len(),
                    imported.na_marked.join(", ")
                );
            }
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
                "HỢP LỆ {}: {} lĩnh vực, {} tiêu chí thành phần ({} điều tra XHH), tối đa {} điểm, mã {}",
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
            println!("KHÔNG HỢP LỆ {}: {} lỗi", file.display(), problems.len());
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

/// yyyy-mm-dd → dd/mm/yyyy.
fn format_date(iso: &str) -> String {
    thamdinh_core::number::parse_date(iso)
        .map_or_else(|| iso.to_string(), |d| d.format("%d/%m/%Y").to_string())
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
            eprintln!("{}: {} lỗi", scores_file.display(), errors.len());
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

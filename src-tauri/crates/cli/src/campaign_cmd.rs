//! `thamdinh campaign …` and `thamdinh unit …`: campaigns, their plan files and unit lists.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use thamdinh_core::store::NewCampaign;

use crate::open_store;

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Creates a campaign; prints its id.
    New {
        #[arg(long)]
        name: String,
        #[arg(long)]
        year: i32,
        #[arg(long, default_value = "")]
        province: String,
        /// The group of units the campaign appraises (e.g. "Xã, phường, đặc khu").
        #[arg(long, default_value = "")]
        group: String,
        /// A built-in criteria set (so-2025, xa-2025, huyen-2024) or a criteria-set JSON file.
        #[arg(long, value_name = "SLUG_OR_FILE")]
        set: String,
        #[arg(long, default_value = "")]
        delegation: String,
        #[arg(long, default_value = "")]
        leader: String,
    },
    /// Lists the campaigns of the store.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Writes the campaign's plan (set, units, delegation) as a file signed with the HQ key.
    PlanExport {
        #[arg(long, value_name = "ID")]
        campaign: String,
        #[arg(long, value_name = "HQKEY")]
        key: PathBuf,
        #[arg(long, value_name = "PLAN.zip")]
        out: PathBuf,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
        /// How many members' co-signatures (besides the leader's) a bundle needs to count at
        /// HQ; kept with the campaign (0 when never set).
        #[arg(long, value_name = "N")]
        cosignatures: Option<u32>,
    },
    /// Deletes a campaign and everything in it (visits, scores, evidence, photos, bundles
    /// received). Without --yes it only says what would go and exits 1. Bundles already exported
    /// elsewhere are not touched.
    Delete {
        #[arg(long, value_name = "ID")]
        campaign: String,
        #[arg(long)]
        yes: bool,
    },
    /// Hides a campaign from the lists without deleting anything.
    Archive {
        #[arg(long, value_name = "ID")]
        campaign: String,
    },
    /// Shows an archived campaign in the lists again.
    Unarchive {
        #[arg(long, value_name = "ID")]
        campaign: String,
    },
    /// Writes a self-assessment form (.xlsx) per unit into a folder: the criteria tree, the cells
    /// a unit fills (checked by Excel as it types), the unit and campaign named inside.
    SelfForms {
        #[arg(long, value_name = "ID")]
        campaign: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only these units (codes); all when none.
        #[arg(long, value_name = "CODE")]
        unit: Vec<String>,
    },
    /// Reads a folder of filled self-assessment forms: one line per form; each into its unit's
    /// visit (started when the unit has none), all or nothing per form. Exit 1 if one is refused.
    ImportSelf {
        #[arg(long, value_name = "ID")]
        campaign: String,
        folder: PathBuf,
        /// One JSON line per form.
        #[arg(long)]
        json: bool,
    },
    /// Opens a plan file: the campaign, its set and units arrive with the same ids; prints the
    /// HQ key's id and fingerprint to compare by phone or on paper.
    PlanImport {
        file: PathBuf,
        /// The HQ public key received apart: the plan must be signed by this very key.
        #[arg(long, value_name = "PUB")]
        trust: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum UnitCommand {
    /// Imports units from CSV or XLSX (`code,name,type[,group,latitude,longitude]`): all or nothing.
    Import {
        #[arg(long, value_name = "ID")]
        campaign: String,
        file: PathBuf,
    },
    /// Removes a unit entered by mistake; refused while it has recorded work (a visit, a bundle
    /// received for it).
    Remove {
        #[arg(long, value_name = "ID")]
        campaign: String,
        #[arg(long, value_name = "CODE")]
        unit: String,
    },
}

/// A built-in set's JSON, or a file's.
fn set_json(set: &str) -> Result<String> {
    let path = Path::new(set);
    if path.is_file() {
        return String::from_utf8(crate::read(path)?)
            .with_context(|| format!("{set} không phải văn bản UTF-8"));
    }
    Ok(thamdinh_core::builtin::json(set)
        .with_context(|| format!("{set}: không phải bộ tiêu chí có sẵn, cũng không phải tệp"))?
        .to_string())
}

pub fn run_campaign(command: CampaignCommand, data_dir: &Path) -> Result<ExitCode> {
    match command {
        CampaignCommand::New {
            name,
            year,
            province,
            group,
            set,
            delegation,
            leader,
        } => new_campaign(
            data_dir,
            &set,
            &NewCampaign {
                name: &name,
                year,
                province: &province,
                unit_group: &group,
                delegation_name: &delegation,
                delegation_leader: &leader,
                ..Default::default()
            },
        ),
        CampaignCommand::List { json } => {
            let store = open_store(data_dir)?;
            let campaigns = store.campaigns()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&campaigns)?);
            } else {
                for c in campaigns {
                    let archived = if c.archived_at.is_some() {
                        "  (đã lưu trữ)"
                    } else {
                        ""
                    };
                    println!("{}  {}  {}  {}{archived}", c.id, c.year, c.province, c.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::Delete { campaign, yes } => {
            let mut store = open_store(data_dir)?;
            if !yes {
                let contents = store.campaign_contents(&campaign)?;
                println!("Sẽ xóa {}.", contents.said());
                println!("Gói kết quả đã xuất ra nơi khác không bị động đến. Thêm --yes để xóa.");
                return Ok(ExitCode::FAILURE);
            }
            let gone = store.delete_campaign(&campaign)?;
            println!("Đã xóa {}.", gone.said());
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::SelfForms {
            campaign,
            out,
            unit,
        } => {
            let store = open_store(data_dir)?;
            let written = store.write_self_forms(&campaign, &out, &unit)?;
            for file in &written {
                println!("{}", file.display());
            }
            eprintln!(
                "Đã tạo {} biểu tự đánh giá trong {}",
                written.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::ImportSelf {
            campaign,
            folder,
            json,
        } => import_self(data_dir, campaign, folder, json),
        CampaignCommand::Archive { campaign } => archive(data_dir, &campaign, true),
        CampaignCommand::Unarchive { campaign } => archive(data_dir, &campaign, false),
        CampaignCommand::PlanExport {
            campaign,
            key,
            out,
            force,
            cosignatures,
        } => plan_export(data_dir, campaign, key, out, force, cosignatures),
        CampaignCommand::PlanImport { file, trust } => {
            let mut store = open_store(data_dir)?;
            let expected = trust
                .map(|p| thamdinh_core::hq::trust::read_public_key(&p))
                .transpose()?;
            let imported =
                thamdinh_core::hq::plan::import_plan(&mut store, &file, expected.as_deref())?;
            println!(
                "Đã mở kế hoạch: {} ({} đơn vị). Khóa Sở Nội vụ: {}, dấu vân tay {}{}",
                imported.campaign_name,
                imported.units,
                imported.key_id,
                imported.fingerprint,
                if expected.is_some() {
                    " — đúng khóa đã cho."
                } else {
                    " — hãy đối chiếu dấu vân tay này với Sở Nội vụ qua điện thoại hoặc văn bản (mã khóa 16 ký tự thôi chưa đủ)."
                }
            );
            println!("{}", imported.campaign_id);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Hides a campaign from the lists (or shows it again); nothing is deleted.
fn archive(data_dir: &Path, campaign: &str, archived: bool) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    store.set_campaign_archived(campaign, archived)?;
    let name = store.campaign(campaign)?.name;
    if archived {
        println!("Đã lưu trữ đợt «{name}»: ẩn khỏi danh sách, không xóa gì");
    } else {
        println!("Đã đưa đợt «{name}» trở lại danh sách");
    }
    Ok(ExitCode::SUCCESS)
}

/// A campaign created on a set (built-in or a file); prints its id.
fn new_campaign(data_dir: &Path, set: &str, campaign: &NewCampaign<'_>) -> Result<ExitCode> {
    let json = set_json(set)?;
    let mut store = open_store(data_dir)?;
    let campaign = store.create_campaign(&NewCampaign {
        criteria_set_json: &json,
        ..*campaign
    })?;
    println!("{}", campaign.id);
    Ok(ExitCode::SUCCESS)
}

/// The campaign's plan, signed with the HQ key, for the delegations.
fn plan_export(
    data_dir: &Path,
    campaign: String,
    key: PathBuf,
    out: PathBuf,
    force: bool,
    cosignatures: Option<u32>,
) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let key_text = std::fs::read_to_string(&key)
        .with_context(|| format!("không đọc được {}", key.display()))?;
    thamdinh_core::bundle::export::check_target(&out, force, &[&key])?;
    if let Some(n) = cosignatures {
        store.set_required_cosignatures(&campaign, n)?;
    }
    let summary = thamdinh_core::hq::plan::export_plan(
        &store,
        &campaign,
        &key_text,
        &crate::bundle_cmd::passphrase(false)?,
        &out,
    )?;
    println!(
        "Đã xuất kế hoạch {} ký bởi khóa Sở Nội vụ {} → {}\n  dấu vân tay khóa: {}",
        summary.plan_id,
        summary.key_id,
        out.display(),
        summary.fingerprint
    );
    Ok(ExitCode::SUCCESS)
}

/// A folder of filled forms: one line per form; exit 1 if one is refused.
fn import_self(data_dir: &Path, campaign: String, folder: PathBuf, json: bool) -> Result<ExitCode> {
    let mut store = open_store(data_dir)?;
    let lines = store.import_self_forms(&campaign, &folder)?;
    for line in &lines {
        if json {
            println!("{}", serde_json::to_string(line)?);
        } else {
            println!("{}", self_line_text(line));
        }
    }
    let refused = lines.iter().filter(|l| l.status == "refused").count();
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn run_unit(command: UnitCommand, data_dir: &Path) -> Result<ExitCode> {
    match command {
        UnitCommand::Remove { campaign, unit } => {
            let mut store = open_store(data_dir)?;
            store.remove_unit(&campaign, &unit)?;
            println!("Đã xóa đơn vị {}", unit.trim());
            Ok(ExitCode::SUCCESS)
        }
        UnitCommand::Import { campaign, file } => {
            let mut store = open_store(data_dir)?;
            store.campaign(&campaign)?;
            let bytes = crate::read(&file)?;
            let result = thamdinh_core::units::parse_unit_list(&bytes)
                .map_err(thamdinh_core::Error::Mistakes)
                .and_then(|rows| store.import_units(&campaign, &rows));
            match result {
                Ok(units) => {
                    println!("Đã thêm {} đơn vị", units.len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(thamdinh_core::Error::Mistakes(mistakes)) => {
                    eprintln!(
                        "{}: {} lỗi, không thêm đơn vị nào",
                        file.display(),
                        mistakes.len()
                    );
                    for m in mistakes {
                        eprintln!("  {m}");
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(fault) => Err(fault.into()),
            }
        }
    }
}

/// One form's line, as people read it.
fn self_line_text(line: &thamdinh_core::self_form::SelfFormLine) -> String {
    let file = Path::new(&line.file)
        .file_name()
        .map_or(line.file.clone(), |n| n.to_string_lossy().into_owned());
    match line.status.as_str() {
        "refused" => format!(
            "{file}: bị từ chối, không ghi gì —\n  {}",
            line.problems.join("\n  ")
        ),
        "unchanged" => format!("{file}: {} — không có gì thay đổi", line.unit_code),
        _ => format!(
            "{file}: {} — {} điểm tự đánh giá đổi, {} tài liệu thêm{}",
            line.unit_code,
            line.changes,
            line.documents_added,
            if line.visit_created {
                " (đã mở phiếu mới cho đơn vị)"
            } else {
                ""
            }
        ),
    }
}

//! `thamdinh evidence …`: the documents (tài liệu kiểm chứng) recorded for a visit.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use thamdinh_core::evidence::NewEvidence;

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Records an evidence item (optionally with its file, kept by SHA-256 in the data folder),
    /// linked to leaves; audited. Prints the item's id once it is stored.
    Add {
        #[arg(long, value_name = "ID")]
        visit: String,
        /// Trích yếu: what the document is about.
        #[arg(long)]
        summary: String,
        /// Số, ký hiệu (e.g. 12/KH-UBND).
        #[arg(long, default_value = "")]
        number: String,
        /// Ngày ban hành, dd/mm/yyyy.
        #[arg(long, default_value = "")]
        issued_on: String,
        #[arg(long, default_value = "")]
        issuer: String,
        #[arg(long, default_value = "")]
        pages: String,
        /// A leaf the item supports; repeat for several.
        #[arg(long = "leaf", value_name = "CODE")]
        leaves: Vec<String>,
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Corrects an evidence item of a visit not locked: only the fields given change (an empty
    /// `--issued-on ""` clears the date; `--leaf` replaces the leaves); audited.
    Edit {
        #[arg(long, value_name = "ID")]
        id: String,
        #[arg(long)]
        summary: Option<String>,
        #[arg(long)]
        number: Option<String>,
        #[arg(long)]
        issued_on: Option<String>,
        #[arg(long)]
        issuer: Option<String>,
        #[arg(long)]
        pages: Option<String>,
        #[arg(long = "leaf", value_name = "CODE")]
        leaves: Option<Vec<String>>,
        /// Why (recorded in the audit log).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Removes an evidence item from a visit not locked, with the reason (audited); it is in no
    /// later bundle. Its file goes once no item refers to it.
    Remove {
        #[arg(long, value_name = "ID")]
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// The visit's evidence items.
    List {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: EvidenceCommand, data_dir: &Path) -> Result<ExitCode> {
    let mut store = crate::open_store(data_dir)?;
    match command {
        EvidenceCommand::Add {
            visit,
            summary,
            number,
            issued_on,
            issuer,
            pages,
            leaves,
            file,
        } => {
            let bytes = match &file {
                Some(path) => Some(
                    std::fs::read(path)
                        .with_context(|| format!("không đọc được {}", path.display()))?,
                ),
                None => None,
            };
            let name = file
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let new = NewEvidence {
                number,
                issued_on,
                issuer,
                summary,
                pages,
                leaves,
            };
            let item =
                store.add_evidence(&visit, &new, bytes.as_deref().map(|b| (name.as_str(), b)))?;
            println!("{}", item.id);
        }
        EvidenceCommand::Edit {
            id,
            summary,
            number,
            issued_on,
            issuer,
            pages,
            leaves,
            reason,
        } => {
            let edit = thamdinh_core::evidence::EvidenceEdit {
                number,
                issued_on,
                issuer,
                summary,
                pages,
                leaves,
            };
            let item = store.edit_evidence(&id, &edit, &reason)?;
            println!(
                "Đã sửa {}  {}  {}  [{}]",
                item.id,
                item.number,
                item.summary,
                item.leaves.join(", ")
            );
        }
        EvidenceCommand::Remove { id, reason } => {
            let item = store.remove_evidence(&id, &reason)?;
            println!(
                "Đã xóa tài liệu kiểm chứng {} {}",
                item.number, item.summary
            );
        }
        EvidenceCommand::List { visit, json } => {
            let items = store.evidence(&visit)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&items)?);
            } else if items.is_empty() {
                println!("Chưa có tài liệu kiểm chứng nào.");
            } else {
                for e in &items {
                    println!(
                        "{}  {}  {}  [{}]",
                        e.id,
                        e.number,
                        e.summary,
                        e.leaves.join(", ")
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `thamdinh report …`: the documents staff file and sign.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use thamdinh_reports::minutes::{PhotoChoice, write_minutes};

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The appraisal minutes (biên bản thẩm định) of a visit as PDF: header, participants, the
    /// scoring table (header repeated on every page), deductions with reasons, explanations,
    /// photos (those linked to leaves or evidence, or --photo), signature blocks, and the
    /// SHA-256 of the visit's signed bundle when it has been exported.
    Minutes {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long, value_name = "FILE.pdf", required_unless_present = "docx")]
        out: Option<PathBuf>,
        /// The same minutes as .docx, to edit in Word before signing.
        #[arg(long, value_name = "FILE.docx")]
        docx: Option<PathBuf>,
        /// A photo to show (SHA-256 or its start); repeat for several, in this order.
        #[arg(long = "photo", value_name = "SHA")]
        photos: Vec<String>,
        /// No photos at all.
        #[arg(long, conflicts_with = "photos")]
        no_photos: bool,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
    },
    /// A visit's scoring table as .xlsx (numbers as numbers, areas as groups with subtotals,
    /// reasons; the evidence list on a second sheet).
    VisitXlsx {
        #[arg(long, value_name = "ID")]
        visit: String,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        /// Replace an existing file at --out.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(command: ReportCommand, data_dir: &Path) -> Result<ExitCode> {
    let store = crate::open_store(data_dir)?;
    match command {
        ReportCommand::Minutes {
            visit,
            out,
            docx,
            photos,
            no_photos,
            force,
        } => {
            for target in out.iter().chain(docx.iter()) {
                thamdinh_core::bundle::export::check_target(target, force, &[])?;
            }
            let choice = if no_photos {
                PhotoChoice::None
            } else if photos.is_empty() {
                PhotoChoice::Linked
            } else {
                PhotoChoice::Chosen(photos)
            };
            if let Some(out) = &out {
                let bytes = write_minutes(&store, &visit, &choice, out)?;
                println!(
                    "Đã ghi biên bản thẩm định ({bytes} byte) → {}",
                    out.display()
                );
            }
            if let Some(docx) = &docx {
                let bytes = thamdinh_reports::minutes::minutes_docx(&store, &visit, &choice)?;
                thamdinh_core::files::write_atomic(docx, &bytes)?;
                println!(
                    "Đã ghi biên bản thẩm định .docx ({} byte) → {}",
                    bytes.len(),
                    docx.display()
                );
            }
        }
        ReportCommand::VisitXlsx { visit, out, force } => {
            thamdinh_core::bundle::export::check_target(&out, force, &[])?;
            let bytes = thamdinh_reports::visit_xlsx::visit_workbook(&store, &visit)?;
            thamdinh_core::files::write_atomic(&out, &bytes)?;
            println!("Đã ghi bảng điểm của phiếu → {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

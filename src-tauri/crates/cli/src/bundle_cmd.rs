//! `thamdinh key …` and `thamdinh bundle …`: signing keys and signed result bundles.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use thamdinh_core::bundle::{self, Limits, TrustedKey};

/// Where the passphrase comes from when not typed.
pub const PASSPHRASE_ENV: &str = "THAMDINH_PASSPHRASE";

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Creates an Ed25519 signing key in minisign's formats: the secret key, encrypted with a
    /// passphrase ($THAMDINH_PASSPHRASE, else asked twice), at PATH and the public key at PATH.pub.
    New {
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        /// Whose key it is (kept in the key file's comment).
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Shows the key id and public key of a `.pub` file, or of a secret key (asks the passphrase).
    Show { file: PathBuf },
}

#[derive(Subcommand)]
pub enum BundleCommand {
    /// Writes a signed result bundle (.zip) of one or more visits of one campaign.
    Export {
        /// A visit to include (repeat for several visits of the same campaign).
        #[arg(long = "visit", value_name = "ID", required = true)]
        visits: Vec<String>,
        /// The encrypted minisign secret key (passphrase from $THAMDINH_PASSPHRASE, else asked).
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing file at --out (never a key file).
        #[arg(long)]
        force: bool,
        /// A member's partial bundle of one visit: only these areas (lĩnh vực), e.g. `2,3`.
        #[arg(long, value_name = "CODES", value_delimiter = ',')]
        areas: Option<Vec<String>>,
    },
    /// Adds this key's signature (`signatures/<KEYID>.minisig`) to a bundle another member
    /// exported, after verifying it; no byte of the bag changes. Signing twice changes nothing.
    Cosign {
        file: PathBuf,
        /// The co-signer's encrypted minisign secret key.
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Verifies a bundle offline: exit 0 only for a complete, valid bag signed by a trusted key;
    /// otherwise exit 1 with the reason and the entry it concerns.
    Verify {
        file: PathBuf,
        /// A trusted public key (.pub in minisign's format); repeat for several.
        #[arg(long = "trust", value_name = "PUB")]
        trust: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

pub fn passphrase(confirm: bool) -> Result<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        // Piped, as minisign itself accepts: the first line is the passphrase.
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let p = rpassword::prompt_password("Mật khẩu khóa ký: ")?;
    if confirm && rpassword::prompt_password("Nhập lại: ")? != p {
        bail!("hai lần nhập mật khẩu không khớp");
    }
    Ok(p)
}

pub fn run_key(command: KeyCommand) -> Result<ExitCode> {
    match command {
        KeyCommand::New { out, name } => {
            let info = bundle::write_new_key(&out, &passphrase(true)?, &name)?;
            println!("Khóa ký: {}", info.key_id);
            println!("Dấu vân tay (đọc khi đối chiếu): {}", info.fingerprint);
            println!("Khóa bí mật (đã mã hóa): {}", out.display());
            println!(
                "Khóa công khai, gửi Sở Nội vụ: {}",
                bundle::keys::pub_path(&out).display()
            );
            println!("{}", info.public_key);
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Show { file } => {
            let text = read_text(&file)?;
            let info = match bundle::keys::public_key_info(&text) {
                Ok(info) => info,
                Err(_) => bundle::open_secret_key(&text, &passphrase(false)?)?.1,
            };
            println!("{}\n{}\n{}", info.key_id, info.public_key, info.fingerprint);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "không đọc được {}: {}",
            path.display(),
            thamdinh_core::error::io_text(&e)
        )
    })
}

pub fn run_bundle(command: BundleCommand, data_dir: &Path) -> Result<ExitCode> {
    match command {
        BundleCommand::Export {
            visits,
            key,
            out,
            force,
            areas,
        } => {
            // Said before the passphrase is asked (the export checks it again).
            bundle::export::check_target(&out, force, &[&key])?;
            let store = crate::open_store(data_dir)?;
            let request = bundle::ExportRequest {
                visit_ids: &visits,
                areas: areas.as_deref(),
                key: bundle::ExportKey::File(&key),
                passphrase: &passphrase(false)?,
                out: &out,
                overwrite: force,
            };
            let summary =
                bundle::export_to_file(&store, &request, &|_, _| {}, &AtomicBool::new(false))?;
            println!(
                "Đã xuất gói {} (bản {}{}), ký bởi khóa {}: {} tệp, {} byte dữ liệu → {}",
                summary.bundle_id,
                summary.revision,
                summary
                    .supersedes
                    .as_ref()
                    .map(|s| format!(", thay thế {s}"))
                    .unwrap_or_default(),
                summary.signer_key_id,
                summary.payload_files,
                summary.payload_bytes,
                summary.file
            );
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Cosign { file, key, json } => {
            let store = crate::open_store(data_dir)?;
            let key_text = read_text(&key)?;
            let summary = bundle::cosign_bundle(
                &file,
                &key_text,
                &passphrase(false)?,
                &bundle::signer_name(&store, &key_text)?,
                &store.verification_keys()?,
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!(
                    "{} gói {} bản {}: khóa {} ({})",
                    if summary.already_signed {
                        "Đã có chữ ký này, không đổi gì:"
                    } else {
                        "Đã đồng ký"
                    },
                    summary.bundle_id,
                    summary.revision,
                    summary.key_id,
                    summary.name
                );
                print_signatures(&summary.signatures);
            }
            Ok(ExitCode::SUCCESS)
        }
        BundleCommand::Verify { file, trust, json } => {
            let trusted = trust
                .iter()
                .map(|p| {
                    TrustedKey::parse(&read_text(p)?).with_context(|| format!("{}", p.display()))
                })
                .collect::<Result<Vec<_>>>()?;
            let outcome = bundle::verify_bundle(
                &file,
                &trusted,
                &Limits::default(),
                &|_, _| {},
                &AtomicBool::new(false),
            );
            match (outcome, json) {
                (Ok(v), true) => println!("{}", serde_json::to_string_pretty(&v)?),
                (Ok(v), false) => {
                    println!(
                        "Hợp lệ: gói {} bản {}, ký bởi {} ({}), {} — {} phiếu, {} tệp, {} byte",
                        v.bundle_id,
                        v.revision,
                        v.signer_name,
                        v.signer_key_id,
                        v.source_organization,
                        v.visits,
                        v.payload_files,
                        v.payload_bytes
                    );
                    print_signatures(&v.signatures);
                }
                (Err(r), true) => {
                    println!("{}", serde_json::json!({ "rejected": r }));
                    return Ok(ExitCode::FAILURE);
                }
                (Err(r), false) => {
                    eprintln!("Không hợp lệ: {r}");
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_signatures(signatures: &[bundle::Signature]) {
    for s in signatures {
        println!(
            "  {} {} {}: {}",
            if s.leader {
                "Ký xuất"
            } else {
                "Đồng ký"
            },
            s.key_id,
            s.name,
            if s.trusted {
                "tin cậy, chữ ký đúng"
            } else {
                "khóa không có trong danh sách tin cậy, chưa kiểm được"
            }
        );
    }
}

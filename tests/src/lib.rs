//! Helpers of the cross-crate tests (`tests/*.rs`) and of the fixture generator: a sample store
//! with photos and an evidence file, a raw zip writer that can write what no sane zip library
//! will (hostile archives), and re-signing of a modified bag with the test key.
use std::path::{Path, PathBuf};

use thamdinh_core::bundle::result::SignerDoc;
use thamdinh_core::bundle::{self, manifest_text, sign_tag_manifest};
use thamdinh_core::digest::sha256_hex;
use thamdinh_core::evidence::NewEvidence;
use thamdinh_core::store::Store;

/// The committed test keys are protected by this (they sign test fixtures, nothing else).
pub const TEST_PASSPHRASE: &str = "thamdinh-test";

/// `tests/bundles/`: fixtures, their cases and the test keys.
pub fn bundles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles")
}

pub fn test_key(name: &str) -> String {
    std::fs::read_to_string(bundles_dir().join("keys").join(format!("{name}.key")))
        .expect("committed test key")
}

/// A store in `dir` with the demo visit, two photos and an evidence item with a file.
pub fn sample_store(dir: &Path) -> (Store, String) {
    let mut store = Store::open_dir(dir).unwrap();
    let visit =
        thamdinh_core::demo::create_demo(&mut store, thamdinh_core::demo::DEMO_SET).unwrap();
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/fixtures/photos");
    let metas: Vec<_> = ["counter.jpg", "notice-board.jpg"]
        .iter()
        .map(|f| {
            thamdinh_core::photo::ingest_file(&store.photos_dir().unwrap(), &photos.join(f))
                .unwrap()
        })
        .collect();
    store.add_photos(&visit.id, &metas).unwrap();
    store
        .add_evidence(
            &visit.id,
            &NewEvidence {
                number: "52/KH-UBND".into(),
                issued_on: "15/01/2025".into(),
                issuer: "UBND xã".into(),
                summary: "Kế hoạch CCHC năm 2025".into(),
                pages: "1-3".into(),
                leaves: vec![],
            },
            Some(("kế hoạch.pdf", b"%PDF-1.4 sample plan\n")),
        )
        .unwrap();
    (store, visit.id)
}

/// One archive entry for [`write_zip`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub deflate: bool,
    /// Unix mode for the external attributes (e.g. `0o120777` for a symlink).
    pub unix_mode: u32,
    /// Overrides the uncompressed size written in the headers (to lie about it).
    pub declared_size: Option<u32>,
    /// Overrides the compression method written in the headers (e.g. 12, bzip2), data unchanged.
    pub method: Option<u16>,
    /// Bits added to the general-purpose flags (bit 0: encrypted).
    pub extra_flags: u16,
}

impl RawEntry {
    pub fn new(name: &str, data: &[u8]) -> Self {
        RawEntry {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            deflate: false,
            unix_mode: 0o100644,
            declared_size: None,
            method: None,
            extra_flags: 0,
        }
    }
}

/// Makes an entry a lying bomb: its headers keep the size they declare, its deflated stream
/// inflates to 8 MiB (reading must stop one byte past the declared size, and the CRC fails).
pub fn make_lying_bomb(entry: &mut RawEntry) {
    let declared = entry.data.len() as u32;
    entry.data.resize(8 << 20, b' ');
    entry.deflate = true;
    entry.declared_size = Some(declared);
}

/// Exports one visit signed with test key `key` (not cancelled, no progress shown).
pub fn export_signed(store: &Store, visit: &str, key: &str, out: &Path) -> bundle::ExportSummary {
    bundle::export_bundle(
        store,
        &[visit.to_string()],
        &test_key(key),
        TEST_PASSPHRASE,
        out,
        &|_, _| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap()
}

/// Writes a zip archive byte by byte (local headers, central directory, end record), with no
/// checks at all: the point is to write hostile archives.
pub fn write_zip(entries: &[RawEntry]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let crc = crc32fast::hash(&e.data);
        let stored = if e.deflate {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&e.data).unwrap();
            enc.finish().unwrap()
        } else {
            e.data.clone()
        };
        let usize_ = e.declared_size.unwrap_or(e.data.len() as u32);
        let method: u16 = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let flags: u16 = 0x0800 | e.extra_flags; // UTF-8 names
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend(flags.to_le_bytes());
            v.extend(method.to_le_bytes());
            v.extend(0u16.to_le_bytes()); // time
            v.extend(0x5b56u16.to_le_bytes()); // date 2025-10-22
            v.extend(crc.to_le_bytes());
            v.extend((stored.len() as u32).to_le_bytes());
            v.extend(usize_.to_le_bytes());
            v.extend((e.name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra length
        };
        out.extend(0x04034b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes());
        common(&mut out);
        out.extend(&e.name);
        out.extend(&stored);
        central.extend(0x02014b50u32.to_le_bytes());
        central.extend(((3u16 << 8) | 20).to_le_bytes()); // made by Unix
        central.extend(20u16.to_le_bytes());
        common(&mut central);
        central.extend(0u16.to_le_bytes()); // comment length
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend((e.unix_mode << 16).to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(&e.name);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The entries of a (well-formed) zip, in order.
pub fn read_zip(bytes: &[u8]) -> Vec<RawEntry> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            RawEntry {
                name: f.name_raw().to_vec(),
                deflate: f.compression() == zip::CompressionMethod::Deflated,
                data,
                unix_mode: f.unix_mode().unwrap_or(0o100644),
                ..RawEntry::new("", &[])
            }
        })
        .collect()
}

/// The bag's top folder (`thamdinh-<id>/`) of a list of entries.
pub fn root_of(entries: &[RawEntry]) -> String {
    let name = String::from_utf8(entries[0].name.clone()).unwrap();
    format!("{}/", name.split('/').next().unwrap())
}

/// Recomputes the manifests, Payload-Oxum and the signature after a change to the payload or
/// bag-info, as a dishonest but key-holding signer would: only the content checks can catch it.
pub fn resign(entries: &mut Vec<RawEntry>, secret_key_text: &str) {
    let root = root_of(entries);
    let payload: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| {
            let n = String::from_utf8(e.name.clone()).ok()?;
            let p = n.strip_prefix(&root)?;
            p.starts_with("data/")
                .then(|| (p.to_string(), sha256_hex(&e.data)))
        })
        .collect();
    let bytes: usize = entries
        .iter()
        .filter(|e| e.name.starts_with(format!("{root}data/").as_bytes()))
        .map(|e| e.data.len())
        .sum();
    let i = tag_index(entries, "bag-info.txt");
    let info: String = String::from_utf8(entries[i].data.clone())
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("Payload-Oxum:") {
                format!("Payload-Oxum: {bytes}.{}\n", payload.len())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    entries[i].data = info.into_bytes();
    let id = |info: &str, k: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
            .unwrap_or_default()
    };
    let info = String::from_utf8(entries[i].data.clone()).unwrap();
    let (bundle_id, revision) = (
        id(&info, "Bundle-Id:"),
        id(&info, "Bundle-Revision:").parse().unwrap_or(1),
    );
    let m = tag_index(entries, "manifest-sha256.txt");
    entries[m].data = manifest_text(&payload).into_bytes();
    retag_and_sign(entries, secret_key_text, &bundle_id, revision);
}

/// The index of the entry at `path` inside the bag folder (it must be there).
fn tag_index(entries: &[RawEntry], path: &str) -> usize {
    let name = format!("{}{path}", root_of(entries));
    entries
        .iter()
        .position(|e| e.name == name.as_bytes())
        .unwrap_or_else(|| panic!("{name} is not in the bag"))
}

/// Rewrites the tag manifest from the tag files as they are, then signs it.
pub fn retag_and_sign(
    entries: &mut Vec<RawEntry>,
    secret_key_text: &str,
    bundle_id: &str,
    revision: u32,
) {
    let tags: Vec<(String, String)> = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"]
        .iter()
        .map(|t| {
            (
                t.to_string(),
                sha256_hex(&entries[tag_index(entries, t)].data),
            )
        })
        .collect();
    let tm = tag_index(entries, "tagmanifest-sha256.txt");
    entries[tm].data = manifest_text(&tags).into_bytes();
    sign_bag(entries, secret_key_text, bundle_id, revision);
}

/// Signs the tag manifest as it is (replacing every signature).
pub fn sign_bag(
    entries: &mut Vec<RawEntry>,
    secret_key_text: &str,
    bundle_id: &str,
    revision: u32,
) {
    let root = root_of(entries);
    let tm = tag_index(entries, "tagmanifest-sha256.txt");
    let (sk, info) = bundle::open_secret_key(secret_key_text, TEST_PASSPHRASE).unwrap();
    let sig = sign_tag_manifest(
        &sk,
        &entries[tm].data,
        bundle_id,
        revision,
        &SignerDoc {
            key_id: info.key_id.clone(),
            name: "Người ký thử".into(),
        },
    )
    .unwrap();
    entries.retain(|e| !e.name.starts_with(format!("{root}signatures/").as_bytes()));
    entries.push(RawEntry::new(
        &format!("{root}signatures/{}.minisig", info.key_id),
        sig.as_bytes(),
    ));
}

/// A forger's signature: the tag manifest signed with `secret_key_text`'s own key, made to state
/// the key id of `claimed_pub` (the 8 bytes any key file may state), filed under that id.
pub fn sign_bag_claiming(
    entries: &mut Vec<RawEntry>,
    secret_key_text: &str,
    claimed_pub: &str,
    bundle_id: &str,
    revision: u32,
) {
    let root = root_of(entries);
    let tm = tag_index(entries, "tagmanifest-sha256.txt");
    let (sk, _) = bundle::open_secret_key(secret_key_text, TEST_PASSPHRASE).unwrap();
    let (claimed, claimed_id) = bundle::parse_public_key(claimed_pub).unwrap();
    // The key number sits after the algorithm, KDF and checksum names, salt and KDF limits; the
    // key is already opened, so it is marked as not encrypted (its checksum covers the number).
    let mut bytes = sk.to_bytes();
    bytes[2..4].copy_from_slice(&[0, 0]);
    bytes[54..62].copy_from_slice(claimed.keynum());
    let forged = minisign::SecretKey::from_bytes(&bytes).unwrap();
    let sig = sign_tag_manifest(
        &forged,
        &entries[tm].data,
        bundle_id,
        revision,
        &SignerDoc {
            key_id: claimed_id.clone(),
            name: "Người ký thử".into(),
        },
    )
    .unwrap();
    entries.retain(|e| !e.name.starts_with(format!("{root}signatures/").as_bytes()));
    entries.push(RawEntry::new(
        &format!("{root}signatures/{claimed_id}.minisig"),
        sig.as_bytes(),
    ));
}

/// Extracts a bag's zip with the zip crate into a fresh folder; returns the bag folder.
pub fn unzip_bag(file: &Path, into: &Path) -> PathBuf {
    let mut z = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    z.extract(into).unwrap();
    std::fs::read_dir(into)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// Runs the stock BagIt validator on an extracted bag and asserts it accepts it.
pub fn assert_bagit_py_validates(bag: &Path) {
    let out = std::process::Command::new("bagit.py")
        .arg("--validate")
        .arg(bag)
        .output()
        .expect("bagit.py (pip install bagit; `make test` installs it)");
    assert!(
        out.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A signature as a pad draws it (dark strokes on white), as PNG bytes; `seed` varies the stroke.
pub fn drawn_signature(seed: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(300, 100, |x, y| {
        let on_stroke = (x as i32 - 20 - (y as i32 * (2 + seed as i32) % 260)).abs() < 3;
        image::Rgba(if on_stroke {
            [20, 20, 60, 255]
        } else {
            [255, 255, 255, 255]
        })
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

//! Photos as evidence: ingest (hash, EXIF, oriented thumbnail and preview, store by SHA-256).
//!
//! Originals are kept byte for byte, never re-encoded, under `originals/<sha256>.<ext>`; the
//! thumbnail (~320 px, at ingest) and preview (~1600 px, on first view) are JPEGs under `thumbs/`
//! and `previews/`, turned upright by the EXIF orientation. JPEGs are decoded at reduced scale (DCT scaling, as vips does)
//! so a 12 MP photo never costs a full-size decode. Files are processed in parallel, one worker per
//! core; each file succeeds or fails on its own and a failed file leaves nothing behind.
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use image::{DynamicImage, ImageFormat, RgbImage};
use serde::Serialize;
use ts_rs::TS;

use crate::files::{write_atomic, write_atomic_cache};

/// Long side of the thumbnail, the preview and the printed copy, in pixels.
pub const THUMB_SIZE: u32 = 320;
pub const PREVIEW_SIZE: u32 = 1600;
pub const PRINT_SIZE: u32 = 1000;
/// Above this a header is taken as absurd (or hostile) rather than decoded.
pub const MAX_PIXELS: u64 = 120_000_000;
pub const MAX_SIDE: u32 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
}

/// What ingest learns of a photo.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct PhotoMeta {
    pub sha256: String,
    /// jpeg, png, webp or heic.
    pub format: String,
    pub size_bytes: u64,
    /// Upright width and height (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 applied to the decoded pixels (1 when absent, and for HEIC, whose
    /// decoder turns the pixels by the file's own rotation).
    pub orientation: u16,
    /// DateTimeOriginal as ISO 8601, with the offset when the camera recorded one.
    pub taken_at: Option<String>,
    pub gps: Option<Gps>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// Where the files are, relative to the photo store folder (`originals/<sha256>.<ext>`,
    /// `thumbs/…`, `previews/…`): the store can move (a restore on another laptop) without
    /// its records pointing to the old place.
    pub original: String,
    pub thumbnail: String,
    pub preview: String,
}

/// Why one file was not ingested; the message is for people (Vietnamese first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("tệp rỗng (0 byte)")]
    Empty,
    #[error("không phải ảnh JPEG, PNG, WebP hay HEIC")]
    Unsupported,
    #[error("kích thước khai báo bất thường: {0}×{1} điểm ảnh")]
    AbsurdSize(u32, u32),
    /// The decoder's own (English) words are kept for debugging, not shown: the person can only
    /// take the photo again.
    #[error("ảnh hỏng, không đọc được (tệp bị cắt cụt hoặc không đúng định dạng)")]
    Corrupt(String),
    #[error("lỗi đọc/ghi tệp: {0}")]
    Io(String),
    #[error("đã hủy")]
    Cancelled,
    #[error("không phải tệp thường (thư mục, thiết bị hay đường ống)")]
    NotAFile,
    #[error("tệp quá lớn cho một ảnh: {0} MB, tối đa {1} MB")]
    TooLarge(u64, u64),
}

impl PhotoError {
    /// A write to the photo folder that failed, said once ("lỗi đọc/ghi tệp: ổ đĩa đã đầy…").
    fn from_store(e: crate::Error) -> PhotoError {
        match e {
            crate::Error::Io(io) => PhotoError::Io(crate::error::io_text(&io)),
            other => PhotoError::Io(other.to_string()),
        }
    }
}

/// The photo formats taken in: what cameras and phones write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
    WebP,
    /// HEIC (HEVC in HEIF), iPhones' default; decoded by libheif.
    Heic,
}

impl Format {
    /// The extension of the stored original.
    fn ext(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Heic => "heic",
        }
    }

    /// The name in `PhotoMeta::format` and in bundles.
    fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Heic => "heic",
        }
    }

    /// The `image` crate's decoder for it (none for HEIC).
    fn image_format(self) -> Option<ImageFormat> {
        match self {
            Format::Jpeg => Some(ImageFormat::Jpeg),
            Format::Png => Some(ImageFormat::Png),
            Format::WebP => Some(ImageFormat::WebP),
            Format::Heic => None,
        }
    }
}

/// Every extension an original may be stored under.
const ORIGINAL_EXTENSIONS: [&str; 4] = ["jpg", "png", "webp", "heic"];

fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::WebP)
    } else if is_heic(bytes) {
        Some(Format::Heic)
    } else {
        None
    }
}

/// An ISO-BMFF `ftyp` box naming an HEVC-coded HEIF brand, as the major brand or (after the
/// generic `mif1`/`msf1`) a compatible one. AVIF shares the container but not the codec: refused.
fn is_heic(bytes: &[u8]) -> bool {
    const HEVC_BRANDS: [&[u8]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let box_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let brands = bytes.get(16..box_len.min(bytes.len())).unwrap_or_default();
    let major = &bytes[8..12];
    HEVC_BRANDS.contains(&major)
        || ((major == b"mif1" || major == b"msf1")
            && brands
                .chunks_exact(4)
                .any(|brand| HEVC_BRANDS.contains(&brand)))
}

/// Calls `f` with the primary image of an HEIC file. libheif applies the file's own rotation and
/// mirroring (`irot`, `imir`), so sizes and pixels come out upright; its EXIF orientation must not
/// be applied again (iPhones write both).
fn with_heic_primary<T>(
    bytes: &[u8],
    f: impl FnOnce(&libheif_rs::ImageHandle) -> Result<T, PhotoError>,
) -> Result<T, PhotoError> {
    let corrupt = |e: libheif_rs::HeifError| PhotoError::Corrupt(e.to_string());
    let context = libheif_rs::HeifContext::read_from_bytes(bytes).map_err(corrupt)?;
    f(&context.primary_image_handle().map_err(corrupt)?)
}

fn decode_heic(bytes: &[u8]) -> Result<DynamicImage, PhotoError> {
    use libheif_rs::{ColorSpace, RgbChroma};
    let image = with_heic_primary(bytes, |handle| {
        handle
            .decode(ColorSpace::Rgb(RgbChroma::Rgb), None)
            .map_err(|e| PhotoError::Corrupt(e.to_string()))
    })?;
    let plane = image
        .planes()
        .interleaved
        .ok_or_else(|| PhotoError::Corrupt("HEIC không có lớp ảnh RGB".into()))?;
    let (w, h, stride) = (plane.width, plane.height, plane.stride);
    let short = || PhotoError::Corrupt("HEIC: lớp ảnh ngắn hơn kích thước khai báo".into());
    let row_bytes = w as usize * 3;
    if stride < row_bytes {
        return Err(short());
    }
    let mut pixels = Vec::with_capacity(row_bytes * h as usize);
    for y in 0..h as usize {
        let row = plane
            .data
            .get(y * stride..y * stride + row_bytes)
            .ok_or_else(short)?;
        pixels.extend_from_slice(row);
    }
    RgbImage::from_raw(w, h, pixels)
        .map(DynamicImage::ImageRgb8)
        .ok_or_else(short)
}

/// EXIF fields read from the container (JPEG, PNG, WebP and HEIC all may carry them).
#[derive(Debug, Default)]
struct Exif {
    orientation: u16,
    taken_at: Option<String>,
    gps: Option<Gps>,
    make: Option<String>,
    model: Option<String>,
}

fn read_exif(bytes: &[u8]) -> Exif {
    use exif::{In, Tag, Value};
    let Ok(data) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return Exif {
            orientation: 1,
            ..Default::default()
        };
    };
    let ascii = |tag: Tag| -> Option<String> {
        match &data.get_field(tag, In::PRIMARY)?.value {
            Value::Ascii(parts) => parts
                .first()
                .map(|p| {
                    String::from_utf8_lossy(p)
                        .trim_matches(char::from(0))
                        .trim()
                        .to_string()
                })
                .filter(|s| !s.is_empty()),
            _ => None,
        }
    };
    let orientation = data
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    let taken_at = ascii(Tag::DateTimeOriginal).and_then(|text| {
        let dt = exif::DateTime::from_ascii(text.as_bytes()).ok()?;
        let base = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
        );
        let offset = ascii(Tag::OffsetTimeOriginal)
            .filter(|o| o.len() == 6 && (o.starts_with('+') || o.starts_with('-')));
        Some(offset.map_or(base.clone(), |o| format!("{base}{o}")))
    });
    let coordinate = |value: Tag, reference: Tag, negative: &str| -> Option<f64> {
        let Value::Rational(parts) = &data.get_field(value, In::PRIMARY)?.value else {
            return None;
        };
        let [d, m, s] = parts.get(0..3)? else {
            return None;
        };
        let degrees = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = if ascii(reference).is_some_and(|r| r.eq_ignore_ascii_case(negative)) {
            -1.0
        } else {
            1.0
        };
        degrees.is_finite().then_some(sign * degrees)
    };
    let gps = match (
        coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S"),
        coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W"),
    ) {
        (Some(latitude), Some(longitude)) => Some(Gps {
            latitude,
            longitude,
        }),
        _ => None,
    };
    Exif {
        orientation,
        taken_at,
        gps,
        make: ascii(Tag::Make),
        model: ascii(Tag::Model),
    }
}

/// The EXIF orientation still to apply to the decoded pixels: none for HEIC, which the decoder
/// has already turned by the file's own transformations.
fn orientation_to_apply(format: Format, exif: &Exif) -> u16 {
    if format == Format::Heic {
        1
    } else {
        exif.orientation
    }
}

/// Turns an image upright according to the EXIF orientation.
pub fn apply_orientation(img: DynamicImage, orientation: u16) -> DynamicImage {
    match orientation {
        2 => img.fliph(),
        3 => img.rotate180(),
        4 => img.flipv(),
        5 => img.rotate90().fliph(),
        6 => img.rotate90(),
        7 => img.rotate270().fliph(),
        8 => img.rotate270(),
        _ => img,
    }
}

/// Decodes at the smallest scale that still covers `long_side` (JPEG DCT scaling, by
/// libjpeg-turbo as vips does), else fully. JPEGs libjpeg-turbo cannot turn into RGB (CMYK) go
/// through the general decoder at full size.
fn decode_for(bytes: &[u8], format: Format, long_side: u32) -> Result<DynamicImage, PhotoError> {
    let corrupt = |e: &dyn std::fmt::Display| PhotoError::Corrupt(e.to_string());
    let Some(image_format) = format.image_format() else {
        return decode_heic(bytes);
    };
    if format == Format::Jpeg {
        let cmyk = turbojpeg::read_header(bytes).is_ok_and(|h| {
            matches!(
                h.colorspace,
                turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
            )
        });
        if !cmyk {
            // libjpeg-turbo's warnings (truncated or damaged data) are errors here.
            return decode_jpeg_scaled(bytes, long_side).map_err(|e| corrupt(&e));
        }
    }
    image::load_from_memory_with_format(bytes, image_format).map_err(|e| corrupt(&e))
}

fn decode_jpeg_scaled(bytes: &[u8], long_side: u32) -> Result<DynamicImage, turbojpeg::Error> {
    use turbojpeg::{Decompressor, Image, PixelFormat, ScalingFactor};
    let mut d = Decompressor::new()?;
    // A progressive JPEG with thousands of scans can take minutes to decode (CVE-2018-11813).
    d.set_scan_limit(500)?;
    let header = d.read_header(bytes)?;
    let long = header.width.max(header.height);
    let scale = [8, 4, 2]
        .into_iter()
        .map(|denom| ScalingFactor::new(1, denom))
        .find(|s| s.scale(long) >= long_side as usize)
        .unwrap_or(ScalingFactor::ONE);
    d.set_scaling_factor(scale)?;
    let (w, h) = (scale.scale(header.width), scale.scale(header.height));
    let mut pixels = vec![0u8; w * h * 3];
    d.decompress(
        bytes,
        Image {
            pixels: pixels.as_mut_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: PixelFormat::RGB,
        },
    )?;
    let rgb = RgbImage::from_raw(w as u32, h as u32, pixels).expect("buffer sized for w × h RGB");
    Ok(DynamicImage::ImageRgb8(rgb))
}

/// Width and height from the header only, before any decoding (for HEIC, already upright).
fn header_size(bytes: &[u8], format: Format) -> Result<(u32, u32), PhotoError> {
    let Some(image_format) = format.image_format() else {
        return with_heic_primary(bytes, |handle| Ok((handle.width(), handle.height())));
    };
    image::ImageReader::with_format(Cursor::new(bytes), image_format)
        .into_dimensions()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    img.to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|e| PhotoError::Io(e.to_string()))?;
    Ok(out)
}

/// Ingests one photo's bytes into `store_dir`. Everything is prepared in memory first, so a file
/// that fails leaves nothing behind; writes are atomic (temp file, fsync, rename).
pub fn ingest_bytes(store_dir: &Path, bytes: &[u8]) -> Result<PhotoMeta, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    let format = sniff(bytes).ok_or(PhotoError::Unsupported)?;
    let (w, h) = header_size(bytes, format)?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(PhotoError::AbsurdSize(w, h));
    }
    let exif = read_exif(bytes);
    let orientation = orientation_to_apply(format, &exif);
    let sha256 = crate::digest::sha256_hex(bytes);
    let original = store_dir
        .join("originals")
        .join(format!("{sha256}.{}", format.ext()));
    let thumbnail = thumbnail_path(store_dir, &sha256);
    // The same photo twice is one copy: only decode when something is missing. The preview is
    // made on first view (`ensure_preview`), so ingest decodes at 1/8 scale only.
    if !(original.exists() && thumbnail.exists()) {
        let decoded = decode_for(bytes, format, THUMB_SIZE)?;
        let thumb_img = apply_orientation(decoded, orientation).thumbnail(THUMB_SIZE, THUMB_SIZE);
        let thumb_bytes = encode_jpeg(&thumb_img)?;
        let io = PhotoError::from_store;
        write_atomic(&original, bytes).map_err(io)?;
        write_atomic_cache(&thumbnail, &thumb_bytes).map_err(io)?;
    }
    let (width, height) = if (5..=8).contains(&orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(PhotoMeta {
        format: format.name().into(),
        size_bytes: bytes.len() as u64,
        width,
        height,
        orientation,
        taken_at: exif.taken_at,
        gps: exif.gps,
        make: exif.make,
        model: exif.model,
        original: format!("originals/{sha256}.{}", format.ext()),
        thumbnail: format!("thumbs/{sha256}.jpg"),
        preview: format!("previews/{sha256}.jpg"),
        sha256,
    })
}

/// Where the thumbnail of a stored photo is (made at ingest).
pub fn thumbnail_path(store_dir: &Path, sha256: &str) -> PathBuf {
    store_dir.join("thumbs").join(format!("{sha256}.jpg"))
}

/// The JPEG bytes of a stored photo's thumbnail, or of its preview (made on first view). The
/// name must be a SHA-256, so no other file of the disk can be asked for.
pub fn image_bytes(store_dir: &Path, sha256: &str, preview: bool) -> Result<Vec<u8>, PhotoError> {
    if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(PhotoError::Io(format!(
            "{sha256:?} không phải mã SHA-256 của một ảnh"
        )));
    }
    let path = if preview {
        ensure_preview(store_dir, sha256)?
    } else {
        thumbnail_path(store_dir, sha256)
    };
    std::fs::read(&path).map_err(|e| PhotoError::Io(crate::error::io_text(&e)))
}

/// Where the original of a stored photo is (`originals/<sha256>.<ext>`), if it is there.
pub fn original_path(store_dir: &Path, sha256: &str) -> Option<PathBuf> {
    ORIGINAL_EXTENSIONS
        .iter()
        .map(|ext| store_dir.join("originals").join(format!("{sha256}.{ext}")))
        .find(|p| p.exists())
}

/// Makes the ~1600 px upright preview of a stored photo if it is not there yet; returns its path.
pub fn ensure_preview(store_dir: &Path, sha256: &str) -> Result<PathBuf, PhotoError> {
    ensure_scaled(store_dir, sha256, "previews", PREVIEW_SIZE)
}

/// The upright copy printed in the minutes (~1000 px: 300 dpi at the printed 8 cm), made on first
/// print under `prints/`. Its own size so a 12 MP JPEG decodes at 1/4 scale with no resize.
pub fn ensure_print(store_dir: &Path, sha256: &str) -> Result<PathBuf, PhotoError> {
    ensure_scaled(store_dir, sha256, "prints", PRINT_SIZE)
}

/// Caches under `store_dir/<folder>/` an upright JPEG of the original whose long side is at most
/// `long_side`, and returns its path.
fn ensure_scaled(
    store_dir: &Path,
    sha256: &str,
    folder: &str,
    long_side: u32,
) -> Result<PathBuf, PhotoError> {
    let scaled = store_dir.join(folder).join(format!("{sha256}.jpg"));
    if scaled.exists() {
        return Ok(scaled);
    }
    let original = original_path(store_dir, sha256)
        .ok_or_else(|| PhotoError::Io(format!("ảnh {sha256} không có trong kho")))?;
    let bytes = std::fs::read(&original).map_err(|e| PhotoError::Io(crate::error::io_text(&e)))?;
    let format = sniff(&bytes).ok_or(PhotoError::Unsupported)?;
    let upright = apply_orientation(
        decode_for(&bytes, format, long_side)?,
        orientation_to_apply(format, &read_exif(&bytes)),
    );
    let img = if upright.width().max(upright.height()) > long_side {
        upright.resize(long_side, long_side, image::imageops::FilterType::Triangle)
    } else {
        upright
    };
    write_atomic_cache(&scaled, &encode_jpeg(&img)?).map_err(PhotoError::from_store)?;
    Ok(scaled)
}

/// Ingests one file.
pub fn ingest_file(store_dir: &Path, path: &Path) -> Result<PhotoMeta, PhotoError> {
    use std::io::Read;
    let io = |e: std::io::Error| {
        PhotoError::Io(format!("{}: {}", path.display(), crate::error::io_text(&e)))
    };
    // Only regular files, never bigger than an original may be, and sniffed from a bounded read
    // before the whole file is read: a FIFO would hang, /dev/zero or a video would fill memory.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(PhotoError::NotAFile);
    }
    let cap = max_original_bytes();
    if meta.len() > cap {
        return Err(PhotoError::TooLarge(meta.len() >> 20, cap >> 20));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 16];
    let n = file.read(&mut head).map_err(io)?;
    if n == 0 {
        return Err(PhotoError::Empty);
    }
    sniff(&head[..n]).ok_or(PhotoError::Unsupported)?;
    let mut bytes = head[..n].to_vec();
    file.take(cap + 1 - n as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(PhotoError::TooLarge(bytes.len() as u64 >> 20, cap >> 20));
    }
    ingest_bytes(store_dir, &bytes)
}

/// The largest original accepted: 100 MB (a 50 MP RAW-less JPEG is ~25 MB), or
/// `THAMDINH_MAX_PHOTO_MB`.
pub fn max_original_bytes() -> u64 {
    std::env::var("THAMDINH_MAX_PHOTO_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .unwrap_or(100)
        << 20
}

/// Expands folders (recursively, sorted) into the files they hold, skipping hidden entries
/// (`.DS_Store`, `.thumbnails/`); files named explicitly stay as given.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                        .map(|e| e.path())
                        .collect()
                })
                .unwrap_or_default();
            entries.sort();
            out.extend(expand_paths(&entries));
        } else {
            out.push(path.clone());
        }
    }
    out
}

/// Ingests many files with `workers` threads. `on_done(done, total)` reports progress; setting
/// `cancel` stops before the next file (files already stored stay, each one whole). Results come
/// back in the order of `paths`.
pub fn ingest_all(
    store_dir: &Path,
    paths: &[PathBuf],
    workers: usize,
    cancel: &AtomicBool,
    on_done: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Result<PhotoMeta, PhotoError>> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<PhotoMeta, PhotoError>>>> =
        paths.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, paths.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let result = if cancel.load(Ordering::Relaxed) {
                        Err(PhotoError::Cancelled)
                    } else {
                        ingest_file(store_dir, path)
                    };
                    *results[i]
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
                    on_done(done.fetch_add(1, Ordering::Relaxed) + 1, paths.len());
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or(Err(PhotoError::Cancelled))
        })
        .collect()
}

/// What became of each file of one import: the photos stored (in the photo folder, not yet
/// recorded in a visit), the files refused with why, and whether the user stopped it.
#[derive(Debug)]
pub struct Ingested {
    pub files: Vec<(PathBuf, Result<PhotoMeta, PhotoError>)>,
    pub cancelled: bool,
}

impl Ingested {
    pub fn stored(&self) -> Vec<PhotoMeta> {
        self.files
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().cloned())
            .collect()
    }

    /// The files refused, with the reason (files skipped by a stop are not failures).
    pub fn failures(&self) -> Vec<IngestFailure> {
        self.files
            .iter()
            .filter_map(|(file, r)| match r {
                Err(PhotoError::Cancelled) | Ok(_) => None,
                Err(e) => Some(IngestFailure {
                    file: file.display().to_string(),
                    error: e.to_string(),
                }),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct IngestFailure {
    pub file: String,
    pub error: String,
}

/// Files or folders (as given on the command line or dropped on the window) into the photo store
/// folder `store_dir`: the first step of adding photos to a visit, done without holding the store
/// (it is long); [`crate::store::Store::record_ingested`] is the second.
pub fn ingest_paths(
    store_dir: &Path,
    paths: &[PathBuf],
    workers: usize,
    cancel: &AtomicBool,
    on_done: &(dyn Fn(usize, usize) + Sync),
) -> Ingested {
    let files = expand_paths(paths);
    let results = ingest_all(store_dir, &files, workers, cancel, on_done);
    Ingested {
        files: files.into_iter().zip(results).collect(),
        cancelled: cancel.load(Ordering::Relaxed),
    }
}

/// One worker per core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

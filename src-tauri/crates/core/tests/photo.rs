//! Photo ingest against files with EXIF written by exiftool (apt: libimage-exiftool-perl): the
//! values read must match exiftool's, thumbnails must be upright, bad files must fail alone.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use image::{Rgb, RgbImage};
use thamdinh_core::photo::{PhotoError, ingest_all, ingest_file};

/// 400×200, left half red, right half blue: where red ends up tells the rotation.
fn write_base_jpeg(path: &Path) {
    let img = RgbImage::from_fn(400, 200, |x, _| {
        if x < 200 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    img.save(path).unwrap();
}

fn exiftool(args: &[&str]) -> String {
    let out = Command::new("exiftool")
        .args(args)
        .output()
        .expect("exiftool is needed (apt: libimage-exiftool-perl)");
    assert!(
        out.status.success(),
        "exiftool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn photo_with_exif(dir: &Path, name: &str, tags: &[&str]) -> PathBuf {
    let path = dir.join(name);
    write_base_jpeg(&path);
    let mut args = vec!["-q", "-overwrite_original"];
    args.extend_from_slice(tags);
    args.push(path.to_str().unwrap());
    exiftool(&args);
    path
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 150 && p[2] < 100
}

#[test]
fn exif_values_match_exiftool() {
    let dir = tempfile::tempdir().unwrap();
    let path = photo_with_exif(
        dir.path(),
        "cam.jpg",
        &[
            "-DateTimeOriginal=2025:11:20 09:15:30",
            "-OffsetTimeOriginal=+07:00",
            "-GPSLatitude=18.3583",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=105.8877",
            "-GPSLongitudeRef=E",
            "-Make=Canon",
            "-Model=Canon EOS 90D",
            "-Orientation#=6",
        ],
    );
    let reference: serde_json::Value =
        serde_json::from_str(&exiftool(&["-n", "-j", path.to_str().unwrap()])).unwrap();
    let r = &reference[0];
    let meta = ingest_file(&dir.path().join("store"), &path).unwrap();
    assert_eq!(meta.taken_at.as_deref(), Some("2025-11-20T09:15:30+07:00"));
    assert_eq!(r["DateTimeOriginal"], "2025:11:20 09:15:30");
    let gps = meta.gps.unwrap();
    assert!(
        (gps.latitude - r["GPSLatitude"].as_f64().unwrap()).abs() < 1e-6,
        "{gps:?} vs {r}"
    );
    assert!(
        (gps.longitude - r["GPSLongitude"].as_f64().unwrap()).abs() < 1e-6,
        "{gps:?} vs {r}"
    );
    assert_eq!(meta.orientation, r["Orientation"].as_u64().unwrap() as u16);
    assert_eq!(meta.make.as_deref(), r["Make"].as_str());
    assert_eq!(meta.model.as_deref(), r["Model"].as_str());
    // Upright size: orientation 6 swaps width and height.
    assert_eq!((meta.width, meta.height), (200, 400));
    assert_eq!(meta.sha256.len(), 64);
}

#[test]
fn southern_and_western_coordinates_are_negative() {
    let dir = tempfile::tempdir().unwrap();
    let path = photo_with_exif(
        dir.path(),
        "sw.jpg",
        &[
            "-GPSLatitude=33.8688",
            "-GPSLatitudeRef=S",
            "-GPSLongitude=70.6693",
            "-GPSLongitudeRef=W",
            "-DateTimeOriginal=2025:01:02 03:04:05",
        ],
    );
    let meta = ingest_file(&dir.path().join("store"), &path).unwrap();
    let gps = meta.gps.unwrap();
    assert!(gps.latitude < -33.86 && gps.longitude < -70.66, "{gps:?}");
    assert_eq!(
        meta.taken_at.as_deref(),
        Some("2025-01-02T03:04:05"),
        "no offset recorded, none invented"
    );
}

/// The four quadrants of the stored pixels, and their colours.
const QUADRANT_COLOURS: [(&str, [u8; 3]); 4] = [
    ("top-left", [220, 20, 20]),
    ("top-right", [20, 20, 220]),
    ("bottom-left", [20, 200, 20]),
    ("bottom-right", [230, 220, 20]),
];

/// 400×200, a colour per quadrant: unlike two halves, no mirror image looks the same.
fn write_quadrant_jpeg(path: &Path) {
    let img = RgbImage::from_fn(400, 200, |x, y| {
        Rgb(QUADRANT_COLOURS[usize::from(y >= 100) * 2 + usize::from(x >= 200)].1)
    });
    img.save(path).unwrap();
}

/// Which stored quadrant a pixel shows (the nearest colour).
fn quadrant(p: &Rgb<u8>) -> &'static str {
    QUADRANT_COLOURS
        .iter()
        .min_by_key(|(_, c)| {
            (0..3)
                .map(|i| (i32::from(p[i]) - i32::from(c[i])).pow(2))
                .sum::<i32>()
        })
        .unwrap()
        .0
}

/// All eight EXIF orientations on a four-quadrant image. Expected places follow the EXIF
/// definition (where the stored first row and first column are shown), written out by hand, not
/// derived from the code under test: for each orientation, the stored quadrant shown at the
/// display's top-left, top-right, bottom-left and bottom-right.
#[test]
fn thumbnails_are_upright_for_all_eight_orientations() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(u16, [&str; 4]); 8] = [
        (1, ["top-left", "top-right", "bottom-left", "bottom-right"]),
        (2, ["top-right", "top-left", "bottom-right", "bottom-left"]),
        (3, ["bottom-right", "bottom-left", "top-right", "top-left"]),
        (4, ["bottom-left", "bottom-right", "top-left", "top-right"]),
        (5, ["top-left", "bottom-left", "top-right", "bottom-right"]),
        (6, ["bottom-left", "top-left", "bottom-right", "top-right"]),
        (7, ["bottom-right", "top-right", "bottom-left", "top-left"]),
        (8, ["top-right", "bottom-right", "top-left", "bottom-left"]),
    ];
    for (orientation, shown) in cases {
        let path = dir.path().join(format!("o{orientation}.jpg"));
        write_quadrant_jpeg(&path);
        exiftool(&[
            "-q",
            "-overwrite_original",
            &format!("-Orientation#={orientation}"),
            path.to_str().unwrap(),
        ]);
        let store = dir.path().join("store");
        let meta = ingest_file(&store, &path).unwrap();
        let preview =
            image::open(thamdinh_core::photo::ensure_preview(&store, &meta.sha256).unwrap())
                .unwrap()
                .to_rgb8();
        let thumb = image::open(store.join(&meta.thumbnail)).unwrap().to_rgb8();
        let turned = orientation >= 5;
        assert_eq!(
            (meta.width, meta.height),
            if turned { (200, 400) } else { (400, 200) },
            "orientation {orientation}"
        );
        for (name, img, size) in [
            (
                "thumbnail",
                &thumb,
                if turned { (160, 320) } else { (320, 160) },
            ),
            (
                "preview",
                &preview,
                if turned { (200, 400) } else { (400, 200) },
            ),
        ] {
            assert_eq!(img.dimensions(), size, "{name}, orientation {orientation}");
            let (w, h) = img.dimensions();
            let corners = [
                (w / 4, h / 4),
                (w * 3 / 4, h / 4),
                (w / 4, h * 3 / 4),
                (w * 3 / 4, h * 3 / 4),
            ]
            .map(|(x, y)| quadrant(img.get_pixel(x, y)));
            assert_eq!(corners, shown, "{name}, orientation {orientation}");
        }
    }
}

#[test]
fn originals_are_kept_byte_for_byte_and_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = photo_with_exif(dir.path(), "a.jpg", &["-Make=Nikon"]);
    let b = dir.path().join("copy-of-a.jpg");
    std::fs::copy(&a, &b).unwrap();
    let store = dir.path().join("store");
    let m1 = ingest_file(&store, &a).unwrap();
    let m2 = ingest_file(&store, &b).unwrap();
    assert_eq!(m1.sha256, m2.sha256);
    assert_eq!(
        std::fs::read(store.join(&m1.original)).unwrap(),
        std::fs::read(&a).unwrap()
    );
    assert_eq!(
        std::fs::read_dir(store.join("originals")).unwrap().count(),
        1
    );
}

/// A PNG whose header claims 100 000 × 100 000 pixels, with valid CRCs.
fn absurd_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [
        ihdr,
        b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01".to_vec(),
        b"IEND".to_vec(),
    ] {
        png.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn bad_files_fail_alone_with_a_clear_message_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = photo_with_exif(dir.path(), "good.jpg", &["-Make=Sony"]);
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, b"not an image at all").unwrap();
    let truncated = dir.path().join("truncated.jpg");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, absurd_png()).unwrap();
    let gif = dir.path().join("anim.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();

    let store = dir.path().join("store");
    let paths = vec![empty, text, good.clone(), truncated, huge, gif];
    let results = ingest_all(&store, &paths, 2, &AtomicBool::new(false), &|_, _| {});
    assert!(matches!(results[0], Err(PhotoError::Empty)));
    assert!(matches!(results[1], Err(PhotoError::Unsupported)));
    assert!(
        results[2].is_ok(),
        "the good file goes on: {:?}",
        results[2]
    );
    assert!(
        matches!(results[3], Err(PhotoError::Corrupt(_))),
        "{:?}",
        results[3]
    );
    assert!(
        matches!(results[4], Err(PhotoError::AbsurdSize(100_000, 100_000))),
        "{:?}",
        results[4]
    );
    assert!(matches!(results[5], Err(PhotoError::Unsupported)));
    assert_eq!(
        results[0].as_ref().unwrap_err().to_string(),
        "tệp rỗng (0 byte)"
    );
    // Only the good photo is stored, with its two derivatives, and no temp file is left over.
    for sub in ["originals", "thumbs"] {
        let names: Vec<_> = std::fs::read_dir(store.join(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{sub}: {names:?}");
    }
}

#[test]
fn png_and_webp_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let img = RgbImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let png = dir.path().join("a.png");
    img.save(&png).unwrap();
    let webp = dir.path().join("a.webp");
    img.save_with_format(&webp, image::ImageFormat::WebP)
        .unwrap();
    for (path, format) in [(png, "png"), (webp, "webp")] {
        let meta = ingest_file(&dir.path().join("store"), &path).unwrap();
        assert_eq!(
            (meta.format.as_str(), meta.width, meta.height),
            (format, 64, 32)
        );
        assert!(meta.original.ends_with(&format!(
            ".{}",
            if format == "png" { "png" } else { "webp" }
        )));
    }
}

/// An iPhone-like HEIC (tests/fixtures/iphone-like.heic, 1,4 KB): 400×200 pixels, left half red,
/// stored with an `irot` rotation of 90° clockwise *and* EXIF orientation 6, as iPhones write both;
/// EXIF capture time, GPS and camera. Made once with libheif's encoder (`image_orientation` =
/// rotate 90° CW, `heif_context_add_exif_metadata` with a block written by exiftool).
/// The original is kept byte for byte, the EXIF read as exiftool reads it, and the thumbnail and
/// preview are upright — turned once, not twice.
#[test]
fn iphone_heic_is_ingested_upright_with_its_exif() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iphone-like.heic");
    let store = dir.path().join("store");
    let meta = ingest_file(&store, &fixture).unwrap();
    assert_eq!(meta.format, "heic");
    assert!(meta.original.ends_with(".heic"), "{}", meta.original);
    assert_eq!(
        std::fs::read(store.join(&meta.original)).unwrap(),
        std::fs::read(&fixture).unwrap()
    );
    let reference: serde_json::Value =
        serde_json::from_str(&exiftool(&["-n", "-j", fixture.to_str().unwrap()])).unwrap();
    let r = &reference[0];
    assert_eq!(
        r["Orientation"], 6,
        "the fixture carries EXIF orientation 6"
    );
    assert_eq!(meta.taken_at.as_deref(), Some("2026-01-12T08:45:10"));
    assert_eq!(r["DateTimeOriginal"], "2026:01:12 08:45:10");
    let gps = meta.gps.unwrap();
    assert!((gps.latitude - r["GPSLatitude"].as_f64().unwrap()).abs() < 1e-6);
    assert!((gps.longitude - r["GPSLongitude"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(meta.model.as_deref(), Some("iPhone 13"));
    assert_eq!((meta.width, meta.height), (200, 400), "upright: portrait");
    assert_eq!(meta.orientation, 1, "the decoder already turned it");

    let check_upright = |file: &str, (w, h): (u32, u32)| {
        let img = image::open(file).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (w, h), "{file}");
        assert!(is_red(img.get_pixel(w / 2, h / 4)), "red on top in {file}");
        assert!(
            !is_red(img.get_pixel(w / 2, h * 3 / 4)),
            "blue below in {file}"
        );
    };
    check_upright(store.join(&meta.thumbnail).to_str().unwrap(), (160, 320));
    let preview = thamdinh_core::photo::ensure_preview(&store, &meta.sha256).unwrap();
    check_upright(preview.to_str().unwrap(), (200, 400));
}

/// Not every ISO-BMFF file is a HEIC: an AVIF (same container, AV1 codec) and a truncated HEIC
/// are refused by name, and leave nothing behind.
#[test]
fn avif_and_damaged_heic_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let heic = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iphone-like.heic"),
    )
    .unwrap();
    // Major and compatible brands alike say AV1: nothing in the ftyp box says HEVC.
    let mut avif = heic.clone();
    let ftyp_len = u32::from_be_bytes([heic[0], heic[1], heic[2], heic[3]]) as usize;
    avif[8..12].copy_from_slice(b"avif");
    for brand in (16..ftyp_len).step_by(4) {
        avif[brand..brand + 4].copy_from_slice(b"avif");
    }
    let store = dir.path().join("store");
    assert_eq!(
        thamdinh_core::photo::ingest_bytes(&store, &avif),
        Err(PhotoError::Unsupported)
    );
    let truncated = &heic[..heic.len() / 2];
    assert!(matches!(
        thamdinh_core::photo::ingest_bytes(&store, truncated),
        Err(PhotoError::Corrupt(_))
    ));
    assert!(
        !store.join("originals").exists()
            || std::fs::read_dir(store.join("originals")).unwrap().count() == 0
    );
}

/// CMYK JPEGs (from scanners and print workflows) are decoded by the general decoder; the
/// thumbnail keeps its colours.
#[test]
fn cmyk_jpegs_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // Left half red, right half blue, in CMYK as TurboJPEG takes it (Adobe style: 255 − ink).
    let (w, h) = (64usize, 32usize);
    let pixels: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w < w / 2 {
                [255, 25, 25, 255]
            } else {
                [25, 25, 255, 255]
            }
        })
        .collect();
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: w,
        pitch: w * 4,
        height: h,
        format: turbojpeg::PixelFormat::CMYK,
    };
    let mut c = turbojpeg::Compressor::new().unwrap();
    c.set_subsamp(turbojpeg::Subsamp::None).unwrap();
    let jpeg = c.compress_to_vec(image).unwrap();
    let path = dir.path().join("scan.jpg");
    std::fs::write(&path, &jpeg).unwrap();
    assert!(matches!(
        turbojpeg::read_header(&jpeg).unwrap().colorspace,
        turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK
    ));
    let store = dir.path().join("store");
    let meta = ingest_file(&store, &path).unwrap();
    assert_eq!(
        (meta.format.as_str(), meta.width, meta.height),
        ("jpeg", 64, 32)
    );
    let thumb = image::open(store.join(&meta.thumbnail)).unwrap().to_rgb8();
    let (tw, th) = thumb.dimensions();
    assert_eq!(tw, th * 2, "aspect kept");
    let left = thumb.get_pixel(tw / 8, th / 2);
    let right = thumb.get_pixel(tw * 7 / 8, th / 2);
    assert!(left[0] > 150 && left[2] < 100, "left is red: {left:?}");
    assert!(right[2] > 150 && right[0] < 100, "right is blue: {right:?}");
}

#[test]
fn cancelling_stops_before_the_next_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = photo_with_exif(dir.path(), "a.jpg", &["-Make=A"]);
    let cancel = AtomicBool::new(true);
    let results = ingest_all(&dir.path().join("store"), &[a], 1, &cancel, &|_, _| {});
    assert!(matches!(results[0], Err(PhotoError::Cancelled)));
    assert!(!dir.path().join("store").join("originals").exists());
}

/// Stop pressed while files are being read: the files done stay done, every later one is
/// reported cancelled, and nothing of a cancelled file is stored.
#[test]
fn cancelling_mid_way_keeps_what_was_done_and_stores_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..6)
        .map(|i| photo_with_exif(dir.path(), &format!("p{i}.jpg"), &[&format!("-Make=M{i}")]))
        .collect();
    let store = dir.path().join("store");
    let cancel = AtomicBool::new(false);
    // One worker, so "after the second file" is a precise moment.
    let results = ingest_all(&store, &files, 1, &cancel, &|done, _| {
        if done == 2 {
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    assert!(results[..2].iter().all(Result::is_ok), "{results:?}");
    assert!(
        results[2..]
            .iter()
            .all(|r| matches!(r, Err(PhotoError::Cancelled))),
        "{results:?}"
    );
    let stored = std::fs::read_dir(store.join("originals")).unwrap().count();
    assert_eq!(stored, 2, "only the two files done are stored");
}

#[test]
fn gallery_sorts_by_capture_time_and_flags_day_and_distance() {
    use thamdinh_core::store::{NewCampaign, Store};
    use thamdinh_core::units::NewUnit;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(&dir.path().join("data")).unwrap();
    let c = store
        .create_campaign(&NewCampaign {
            name: "Đợt",
            year: 2025,
            criteria_set_json: thamdinh_core::builtin::json("xa-2025").unwrap(),
            ..Default::default()
        })
        .unwrap();
    let unit = store
        .add_unit(
            &c.id,
            &NewUnit {
                code: "X1".into(),
                name: "Xã A".into(),
                unit_type: "xã".into(),
                latitude: Some(18.3583),
                longitude: Some(105.8877),
                group: None,
            },
        )
        .unwrap();
    let visit = store.create_visit(&unit.id, "20/11/2025", "", &[]).unwrap();
    let near = photo_with_exif(
        dir.path(),
        "near.jpg",
        &[
            "-DateTimeOriginal=2025:11:20 10:00:00",
            "-GPSLatitude=18.3590",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=105.8880",
            "-GPSLongitudeRef=E",
        ],
    );
    let far = photo_with_exif(
        dir.path(),
        "far.jpg",
        &[
            "-DateTimeOriginal=2025:11:19 08:00:00",
            "-GPSLatitude=21.0278",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=105.8342",
            "-GPSLongitudeRef=E",
        ],
    );
    let photos_dir = store.photos_dir().unwrap();
    let metas: Vec<_> = [&near, &far, &near]
        .iter()
        .map(|p| ingest_file(&photos_dir, p).unwrap())
        .collect();
    assert_eq!(
        store.add_photos(&visit.id, &metas).unwrap(),
        2,
        "the same photo twice is recorded once"
    );
    let photos = store.photos(&visit.id).unwrap();
    assert_eq!(photos.len(), 2);
    // Sorted by capture time: the photo from the day before comes first, and is flagged.
    assert!(photos[0].other_day && photos[0].far, "{:?}", photos[0]);
    assert!(photos[0].distance_km.unwrap() > 250.0);
    assert!(!photos[1].other_day && !photos[1].far);
    assert!(photos[1].distance_km.unwrap() < 0.2);
    store
        .link_photo(&visit.id, &photos[1].meta.sha256, "1.1.1", true)
        .unwrap();
    store
        .set_photo_caption(&visit.id, &photos[1].meta.sha256, "Bảng niêm yết TTHC")
        .unwrap();
    let again = store.photos(&visit.id).unwrap();
    assert_eq!(again[1].leaves, vec!["1.1.1".to_string()]);
    assert_eq!(again[1].caption, "Bảng niêm yết TTHC");
    assert!(
        store
            .link_photo(&visit.id, &photos[1].meta.sha256, "1.1", true)
            .is_err()
    );
    // A photo illustrates an evidence item of the same visit; an unknown item or photo is refused.
    let ev = store
        .add_evidence(
            &visit.id,
            &thamdinh_core::evidence::NewEvidence {
                summary: "Quyết định công bố TTHC".into(),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    let sha1 = &photos[1].meta.sha256;
    store
        .link_photo_evidence(&visit.id, sha1, &ev.id, true)
        .unwrap();
    assert_eq!(
        store.photos(&visit.id).unwrap()[1].evidence,
        vec![ev.id.clone()]
    );
    assert!(
        store
            .link_photo_evidence(&visit.id, sha1, "no-such-item", true)
            .is_err()
    );
    assert!(
        store
            .link_photo_evidence(&visit.id, &"0".repeat(64), &ev.id, true)
            .is_err()
    );
    store
        .link_photo_evidence(&visit.id, sha1, &ev.id, false)
        .unwrap();
    assert!(store.photos(&visit.id).unwrap()[1].evidence.is_empty());
    let actions: Vec<String> = store
        .audit(&visit.id, None)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.ends_with(&[
            "link_photo_evidence".to_string(),
            "unlink_photo_evidence".to_string()
        ]),
        "{actions:?}"
    );
    store
        .link_photo_evidence(&visit.id, sha1, &ev.id, true)
        .unwrap();
    assert!(
        !photos[0].no_time && !photos[1].no_time,
        "both carry a capture time"
    );
    // A photo without a capture time is flagged for review.
    let plain = dir.path().join("plain.png");
    image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]))
        .save(&plain)
        .unwrap();
    let meta = ingest_file(&photos_dir, &plain).unwrap();
    store.add_photos(&visit.id, &[meta]).unwrap();
    let untimed = store.photos(&visit.id).unwrap();
    assert!(
        untimed.iter().any(|p| p.no_time && p.meta.format == "png"),
        "{untimed:?}"
    );
    store.verify_audit(&visit.id).unwrap();
    // A locked visit's photos are read-only too.
    store.lock_visit(&visit.id).unwrap();
    let sha = &photos[1].meta.sha256;
    assert!(matches!(
        store.link_photo(&visit.id, sha, "1.1.2", true),
        Err(thamdinh_core::Error::VisitLocked)
    ));
    assert!(matches!(
        store.set_photo_caption(&visit.id, sha, "x"),
        Err(thamdinh_core::Error::VisitLocked)
    ));
    assert!(matches!(
        store.add_photos(&visit.id, &metas),
        Err(thamdinh_core::Error::VisitLocked)
    ));
}

#[test]
fn only_regular_files_of_a_sane_size_are_read_and_never_whole_before_sniffing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // A FIFO would block a plain read forever.
    let fifo = dir.path().join("pipe.jpg");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        thamdinh_core::photo::ingest_file(&store, &fifo).unwrap_err(),
        thamdinh_core::photo::PhotoError::NotAFile
    );
    assert_eq!(
        thamdinh_core::photo::ingest_file(&store, std::path::Path::new("/dev/zero")).unwrap_err(),
        thamdinh_core::photo::PhotoError::NotAFile
    );
    // A sparse 101 MB "photo" is refused by its size, without reading it.
    let big = dir.path().join("video.jpg");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(101 << 20).unwrap();
    assert!(matches!(
        thamdinh_core::photo::ingest_file(&store, &big).unwrap_err(),
        thamdinh_core::photo::PhotoError::TooLarge(101, 100)
    ));
    // Not an image: refused from its first bytes.
    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "không phải ảnh").unwrap();
    assert_eq!(
        thamdinh_core::photo::ingest_file(&store, &text).unwrap_err(),
        thamdinh_core::photo::PhotoError::Unsupported
    );
}

/// The app asks for a photo's image by SHA-256 only: the thumbnail's bytes, the preview made on
/// demand, and nothing else of the disk (a path or a short name is refused).
#[test]
fn images_are_served_by_sha256_only() {
    use thamdinh_core::photo::image_bytes;
    let dir = tempfile::tempdir().unwrap();
    let path = photo_with_exif(dir.path(), "a.jpg", &["-Orientation#=1"]);
    let store = dir.path().join("store");
    let meta = ingest_file(&store, &path).unwrap();
    assert_eq!(
        image_bytes(&store, &meta.sha256, false).unwrap(),
        std::fs::read(store.join(&meta.thumbnail)).unwrap()
    );
    let preview =
        image::load_from_memory(&image_bytes(&store, &meta.sha256, true).unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (400, 200));
    for bad in ["../../etc/passwd", "abc", &"g".repeat(64)] {
        assert!(image_bytes(&store, bad, false).is_err(), "{bad}");
    }
}

#[test]
fn photo_records_name_places_in_the_photo_folder_and_old_absolute_ones_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut store = thamdinh_core::store::Store::open_dir(&data).unwrap();
    let visit = thamdinh_core::demo::create_demo(&mut store, "xa-2025").unwrap();
    let jpeg = dir.path().join("a.jpg");
    write_base_jpeg(&jpeg);
    let folder = store.photo_folder_for(&visit.id).unwrap();
    let never = AtomicBool::new(false);
    let ingested = thamdinh_core::photo::ingest_paths(&folder, &[jpeg], 1, &never, &|_, _| {});
    let report = store.record_ingested(&visit.id, &ingested).unwrap();
    assert_eq!(
        (report.added, report.already, report.failures.len()),
        (1, 0, 0)
    );
    let meta = store.photos(&visit.id).unwrap()[0].meta.clone();
    let sha = &meta.sha256;
    assert_eq!(meta.original, format!("originals/{sha}.jpg"));
    assert_eq!(meta.thumbnail, format!("thumbs/{sha}.jpg"));
    assert!(folder.join(&meta.original).is_file() && folder.join(&meta.thumbnail).is_file());
    // A store written before v12 held the laptop's absolute paths: the migration rewrites them.
    drop(store);
    let conn = rusqlite::Connection::open(data.join("thamdinh.sqlite3")).unwrap();
    let absolute = format!("/home/an/.local/share/thamdinh/photos/originals/{sha}.jpg");
    conn.execute(
        "UPDATE photo SET meta = json_set(meta, '$.original', ?1, '$.thumbnail', '/x/thumbs/t.jpg')",
        [&absolute],
    )
    .unwrap();
    // Back to a v11 store: the columns later migrations add go too, so they add them again.
    conn.execute_batch(
        "ALTER TABLE campaign DROP COLUMN plan_public_key;
         ALTER TABLE trusted_key DROP COLUMN delegation;
         ALTER TABLE hq_resolution DROP COLUMN sides;
         ALTER TABLE campaign DROP COLUMN archived_at;
         DROP TABLE hq_import_line;",
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 11).unwrap();
    drop(conn);
    let store = thamdinh_core::store::Store::open_dir(&data).unwrap();
    assert_eq!(store.photos(&visit.id).unwrap()[0].meta, meta);
}
